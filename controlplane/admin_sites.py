"""Two admin sites: platform staff at the public domain (django's default site) and
each agency's admins at the agency's domain. Neither registers the other's models."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.db import connection
from django.http import HttpRequest


class AgencyAdminSite(AdminSite):
    site_title = "Telefoniplattform"
    index_title = "Administrasjon"
    index_template = "admin/agency_index.html"  # adds the agency's data (export, onboarding): agencydata

    def each_context(self, request: HttpRequest) -> dict:  # type: ignore[type-arg]
        ctx = super().each_context(request)
        tenant = getattr(request, "tenant", None)
        ctx["site_header"] = f"Telefoniplattform – {tenant.name}" if tenant else "Telefoniplattform"
        return ctx

    def has_permission(self, request: HttpRequest) -> bool:
        # An agency admin site only ever serves inside an agency schema.
        return connection.schema_name != "public" and super().has_permission(request)


agency_admin_site = AgencyAdminSite(name="agency_admin")
