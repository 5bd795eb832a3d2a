"""Resolve the agency from the request's host; inactive agencies answer 404."""

from __future__ import annotations

from django.http import Http404
from django_tenants.middleware.main import TenantMainMiddleware


class AgencyMiddleware(TenantMainMiddleware):
    def process_request(self, request):  # type: ignore[no-untyped-def]
        response = super().process_request(request)
        tenant = getattr(request, "tenant", None)
        if tenant is not None and not tenant.is_active:
            raise Http404("Etaten er deaktivert.")
        return response
