"""Reads of the public schema."""

from __future__ import annotations

import os
from pathlib import Path

from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from tenants.models import Agency, AsteriskNode, NumberRange


def agency_list(*, active_only: bool = True) -> QuerySet[Agency]:
    qs = Agency.objects.exclude(schema_name=get_public_schema_name()).order_by("schema_name")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def agency_get(*, slug: str) -> Agency:
    return Agency.objects.exclude(schema_name=get_public_schema_name()).get(schema_name=slug)


def number_owner(*, e164: str) -> Agency | None:
    """The agency a number is allocated to, or None."""
    value = int(e164.lstrip("+"))
    rng = NumberRange.objects.select_related("agency").filter(first__lte=value, last__gte=value).first()
    return rng.agency if rng else None


def number_is_allocated(*, schema_name: str, e164: str) -> bool:
    value = int(e164.lstrip("+"))
    return NumberRange.objects.filter(agency__schema_name=schema_name, first__lte=value, last__gte=value).exists()


def node_list(*, active_only: bool = True) -> QuerySet[AsteriskNode]:
    qs = AsteriskNode.objects.order_by("name")
    return qs.filter(is_active=True) if active_only else qs


def node_secret(*, node: AsteriskNode) -> str:
    """Resolve a node's AMI/ARI password from the environment or a secret file."""
    kind, _, ref = node.secret_ref.partition(":")
    if kind == "env":
        value = os.environ.get(ref)
        if value is None:
            raise LookupError(f"miljøvariabelen {ref} er ikke satt")
        return value
    if kind == "file":
        return Path(ref).read_text().strip()
    raise LookupError(f"ukjent hemmelighetstype {kind!r}")
