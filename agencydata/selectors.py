"""Reads of the agency's own data."""

from __future__ import annotations

from django.db.models import QuerySet

from agencydata.models import OnboardingImport


def onboarding_list() -> QuerySet[OnboardingImport]:
    return OnboardingImport.objects.order_by("-created_at")
