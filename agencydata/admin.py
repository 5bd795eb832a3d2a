"""Agency admin for GDPR: retention per kind, legal holds, and the logs of retention runs and erasures."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencydata import services
from agencydata.gdpr.registry import kinds
from agencydata.gdpr.subjects import subject_for
from agencydata.models import ErasureReceipt, LegalHold, RetentionPolicy, RetentionRun
from controlplane.admin_sites import agency_admin_site
from tenants.admin_mixins import ServiceErrorsAdminMixin


def _kind_choices() -> list[tuple[str, str]]:
    return [(k.kind, f"{k.label} ({_days(k.default_days)})") for k in kinds()
            if k.expired is not None or k.file_items is not None]


def _days(days: int | None) -> str:
    return str(_("standard: %(n)s dager") % {"n": days}) if days else str(_("standard: til det slettes for hånd"))


class RetentionPolicyForm(forms.ModelForm):
    kind = forms.ChoiceField(label=_("type data"), choices=_kind_choices)

    class Meta:
        model = RetentionPolicy
        fields = ["kind", "days", "legal_hold"]


@admin.register(RetentionPolicy, site=agency_admin_site)
class RetentionPolicyAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    form = RetentionPolicyForm
    list_display = ["kind", "days", "legal_hold", "updated_at"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.gdpr_setting_save(obj=obj)


@admin.register(LegalHold, site=agency_admin_site)
class LegalHoldAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "reason", "is_active", "created_at"]
    list_filter = ["is_active"]
    raw_id_fields = ["person"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.gdpr_setting_save(obj=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def, override]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def, override]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def, override]
        return False


@admin.register(RetentionRun, site=agency_admin_site)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "deleted", "files_deleted", "kept", "errors"]


@admin.register(ErasureReceipt, site=agency_admin_site)
class ErasureReceiptAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "requested_by", "deleted", "kept"]


# --- Subject access and erasure as actions on the people list ----------------------------------------------------

@admin.action(description=_("Innsyn: last ned alt om valgt person"))
def person_subject_access(modeladmin, request, queryset):  # type: ignore[no-untyped-def]
    from agencydata.views import subject_access_response

    if queryset.count() != 1:
        modeladmin.message_user(request, _("Velg én person om gangen."), level="error")
        return None
    return subject_access_response(subject_for(person_id=queryset.get().pk))


@admin.action(description=_("Slett alt om valgt person (personvern) …"))
def person_erase(modeladmin, request, queryset):  # type: ignore[no-untyped-def]
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Velg én person om gangen."), level="error")
        return None
    return redirect(f"{reverse('agencydata-privacy')}?person={queryset.get().pk}")


def _add_person_actions() -> None:
    """Added from here: switchboard knows nothing of agencydata (which sits above it)."""
    from switchboard.models import Person

    person_admin = agency_admin_site._registry.get(Person)
    if person_admin is not None:
        person_admin.actions = [*(person_admin.actions or []), person_subject_access, person_erase]


_add_person_actions()
