"""The agency's admin for SMS: settings, groups, templates, the opt-out list; the log read-only. Thin: saves go
through the services where they have rules (groups), plain model admin for simple rows."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from controlplane.admin_sites import agency_admin_site
from outbound.models import (
    CallAttempt,
    Campaign,
    CampaignContact,
    DoNotCall,
    OptOut,
    SmsGroup,
    SmsGroupMember,
    SmsMessage,
    SmsSettings,
    SmsTemplate,
)
from outbound.services import campaign_status_change, do_not_call_add


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


# --- Dialer campaigns ------------------------------------------------------------------------------------------

def _status_action(action: str, label: str):  # type: ignore[no-untyped-def]
    def run(modeladmin, request, queryset) -> None:  # type: ignore[no-untyped-def]
        for campaign in queryset:
            try:
                campaign_status_change(campaign_id=campaign.pk, action=action)
            except ValidationError as exc:
                modeladmin.message_user(request, f"{campaign}: {' '.join(exc.messages)}", messages.ERROR)
    run.__name__ = f"campaign_{action}"
    run.short_description = label  # type: ignore[attr-defined]
    return run


@admin.register(Campaign, site=agency_admin_site)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "mode", "status", "queue", "abandon_cap", "window_start", "window_end", "amd"]
    list_filter = ["status", "mode"]
    readonly_fields = ["status"]
    actions = [_status_action("start", _("Start")), _status_action("pause", _("Pause")),
               _status_action("resume", _("Fortsett")), _status_action("finish", _("Avslutt"))]


@admin.register(CampaignContact, site=agency_admin_site)
class CampaignContactAdmin(admin.ModelAdmin):
    list_display = ["number", "campaign", "state", "attempts", "next_attempt_at", "last_outcome"]
    list_filter = ["campaign", "state"]
    search_fields = ["number"]
    readonly_fields = ["state", "attempts", "next_attempt_at", "last_outcome"]


@admin.register(DoNotCall, site=agency_admin_site)
class DoNotCallAdmin(admin.ModelAdmin):
    list_display = ["number", "reason", "created_at"]
    search_fields = ["number"]

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        do_not_call_add(number=obj.number, reason=obj.reason)


@admin.register(CallAttempt, site=agency_admin_site)
class CallAttemptAdmin(admin.ModelAdmin):
    list_display = ["id", "campaign", "contact", "state", "outcome", "dialled_at", "answered_at", "agent", "disposition"]
    list_filter = ["campaign", "outcome"]
    readonly_fields = [f.name for f in CallAttempt._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
