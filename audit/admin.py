"""Agency admins read and filter their own trail; nobody adds, changes or deletes through the admin."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEntry
from controlplane.admin_sites import agency_admin_site


@admin.register(AuditEntry, site=agency_admin_site)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "ip", "action", "model", "object_pk"]
    list_filter = ["action", "model", "actor", "at"]
    date_hierarchy = "at"
    search_fields = ["actor", "object_pk", "model"]
    readonly_fields = ["at", "actor", "ip", "action", "model", "object_pk", "before", "after", "detail",
                       "prev_hash", "hash"]
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
