"""The agency's admin for SMS: settings, groups, templates, the opt-out list; the log read-only. Thin: saves go
through the services where they have rules (groups), plain model admin for simple rows."""

from __future__ import annotations

from django.contrib import admin

from controlplane.admin_sites import agency_admin_site
from outbound.models import OptOut, SmsGroup, SmsGroupMember, SmsMessage, SmsSettings, SmsTemplate


class MemberInline(admin.TabularInline):
    model = SmsGroupMember
    extra = 1


@admin.register(SmsGroup, site=agency_admin_site)
class SmsGroupAdmin(admin.ModelAdmin):
    inlines = [MemberInline]
    search_fields = ["name"]


@admin.register(SmsTemplate, site=agency_admin_site)
class SmsTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "body"]


@admin.register(SmsSettings, site=agency_admin_site)
class SmsSettingsAdmin(admin.ModelAdmin):
    list_display = ["sender", "max_per_second", "optout_keywords"]


@admin.register(OptOut, site=agency_admin_site)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ["number", "source", "created_at"]
    search_fields = ["number"]


@admin.register(SmsMessage, site=agency_admin_site)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "number", "state", "segments", "sent_by", "sent_at", "delivered_at"]
    list_filter = ["state"]
    search_fields = ["number", "body"]
    readonly_fields = [f.name for f in SmsMessage._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
