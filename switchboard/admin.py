"""Agency admins' admin for the PBX and switchboard (served at the agency's domain)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _

from controlplane.admin_sites import agency_admin_site
from switchboard import services
from switchboard.admin_forms import DestinationFormMixin
from switchboard.destinations import delete_blockers
from switchboard.models import (
    AttendantMessage,
    AttendantSettings,
    ClosedDay,
    Did,
    DirectorySource,
    Extension,
    ExternalContact,
    IvrMenu,
    IvrOption,
    M365Tenant,
    MobilePresenceSource,
    Operator,
    Person,
    PersonStatus,
    Phone,
    ProvisioningFetch,
    Schedule,
    ScheduleRule,
    UnknownDevice,
    Voicemail,
)
from tenants.admin_mixins import ServiceErrorsAdminMixin

agency_admin_site.register(User, UserAdmin)
agency_admin_site.register(Group, GroupAdmin)


class ConfigAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    """Saves and deletes through the service layer, so every change is validated and rendered.
    A refusal (e.g. deleting a queue a DID still sends calls to) is shown, never a 500."""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.config_object_save(obj=obj)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        services.config_object_delete(obj=obj)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        services.config_objects_delete(objs=list(queryset))

    def delete_blockers(self, obj):  # type: ignore[no-untyped-def]
        return delete_blockers(obj)

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.config_object_delete(obj=obj)
        for obj in instances:
            services.config_object_save(obj=obj)
        formset.save_m2m()


@admin.register(Person, site=agency_admin_site)
class PersonAdmin(ConfigAdmin):
    list_display = ["last_name", "first_name", "title", "department", "email", "mobile"]
    search_fields = ["first_name", "last_name", "title", "department", "email", "mobile"]
    list_filter = ["department"]


class PhoneInline(admin.TabularInline):
    model = Phone
    extra = 0
    fields = ["tier", "label", "mac_address", "is_active"]


@admin.register(Extension, site=agency_admin_site)
class ExtensionAdmin(ConfigAdmin):
    list_display = ["number", "person", "label", "outbound_number"]
    search_fields = ["number", "label", "person__first_name", "person__last_name"]
    autocomplete_fields = ["person"]
    inlines = [PhoneInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        for obj in formset.save(commit=False):
            if isinstance(obj, Phone) and not obj.sip_password:
                obj.sip_password = services.generate_sip_password()
        super().save_formset(request, form, formset, change)


@admin.register(Phone, site=agency_admin_site)
class PhoneAdmin(ConfigAdmin):
    list_display = ["id", "sip_username", "extension", "tier", "label", "is_active"]
    list_filter = ["tier", "is_active"]
    readonly_fields = ["sip_username", "sip_password", "provisioning_urls"]
    fields = ["extension", "tier", "label", "mac_address", "is_active", "is_softphone", "sip_username", "sip_password",
              "provisioning_urls"]
    actions = ["reset_password", "rotate_provisioning_secret"]

    @admin.display(description=_("Oppsett-URL (hemmelig)"))
    def provisioning_urls(self, obj: Phone) -> str:
        from django.utils.html import format_html_join

        from switchboard.provisioning import provisioning_urls

        if not obj.pk:
            return "–"
        request = getattr(self, "_request", None)
        base = request.build_absolute_uri("/") if request else "/"
        urls = provisioning_urls(phone=obj, base_url=base)
        return format_html_join("", "<div>{}: <code>{}</code></div>", sorted(urls.items()))

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        self._request = request
        return super().get_form(request, obj, change, **kwargs)

    @admin.action(description=_("Lag ny oppsett-URL"))
    def rotate_provisioning_secret(self, request, queryset):  # type: ignore[no-untyped-def]
        for phone in queryset:
            services.phone_rotate_provisioning_secret(phone=phone)
        self.message_user(request, _("Nye oppsett-URL-er er laget. De gamle virker ikke lenger."), messages.SUCCESS)

    @admin.display(description=_("SIP-brukernavn"))
    def sip_username(self, obj: Phone) -> str:
        from django.db import connection

        from asterisk_conf.naming import endpoint_name

        return endpoint_name(connection.schema_name, obj.pk) if obj.pk else "–"

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not obj.sip_password:
            obj.sip_password = services.generate_sip_password()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Lag nytt SIP-passord"))
    def reset_password(self, request, queryset):  # type: ignore[no-untyped-def]
        for phone in queryset:
            services.phone_reset_password(phone=phone)
        self.message_user(request, _("Nye passord er laget. Telefonene må settes opp på nytt."), messages.SUCCESS)


@admin.register(Voicemail, site=agency_admin_site)
class VoicemailAdmin(ConfigAdmin):
    list_display = ["extension", "email", "is_active"]


class ScheduleRuleInline(admin.TabularInline):
    model = ScheduleRule
    extra = 0


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 0


class ScheduleForm(DestinationFormMixin):
    class Meta:
        model = Schedule
        fields = ["name", "closed_on_public_holidays", "dest_number"]


@admin.register(Schedule, site=agency_admin_site)
class ScheduleAdmin(ConfigAdmin):
    form = ScheduleForm
    inlines = [ScheduleRuleInline, ClosedDayInline]
    list_display = ["name", "closed_on_public_holidays"]


class IvrOptionForm(DestinationFormMixin):
    class Meta:
        model = IvrOption
        fields = ["digit", "dest_number"]


class IvrOptionInline(admin.TabularInline):
    model = IvrOption
    form = IvrOptionForm
    extra = 0


@admin.register(IvrMenu, site=agency_admin_site)
class IvrMenuAdmin(ConfigAdmin):
    inlines = [IvrOptionInline]
    list_display = ["name", "prompt"]


class DidForm(DestinationFormMixin):
    class Meta:
        model = Did
        fields = ["number", "label", "schedule", "dest_number", "priority"]


@admin.register(Did, site=agency_admin_site)
class DidAdmin(ConfigAdmin):
    form = DidForm
    list_display = ["number", "label", "dest_kind", "schedule", "priority"]


# --- the attendant console (sentralbord), directories and presence ---------------------------------------------------

@admin.register(AttendantSettings, site=agency_admin_site)
class AttendantSettingsAdmin(ConfigAdmin):
    list_display = ("name", "number", "return_seconds")


@admin.register(Operator, site=agency_admin_site)
class OperatorAdmin(ConfigAdmin):
    list_display = ("user", "extension")
    autocomplete_fields = ("extension",)


@admin.register(DirectorySource, site=agency_admin_site)
class DirectorySourceAdmin(ConfigAdmin):
    """External directories. The secret is a reference (env:/file:), never the password itself."""

    list_display = ("name", "kind", "url", "timeout_ms", "cache_seconds", "is_active")


@admin.register(MobilePresenceSource, site=agency_admin_site)
class MobilePresenceSourceAdmin(ConfigAdmin):
    list_display = ("url", "timeout_ms", "is_active")


@admin.register(PersonStatus, site=agency_admin_site)
class PersonStatusAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    """A person's own status: saved through the service, which pushes the new presence to the consoles."""

    list_display = ("person", "status", "note", "until")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.person_status_set(person=obj.person, status=obj.status, note=obj.note, until=obj.until)


@admin.register(AttendantMessage, site=agency_admin_site)
class AttendantMessageAdmin(admin.ModelAdmin):
    """Messages taken at the switchboard: a record, read only."""

    list_display = ("created_at", "person", "caller_number", "caller_name", "taken_by", "sent_at")
    readonly_fields = ("person", "caller_number", "caller_name", "text", "taken_by", "created_at", "sent_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(UnknownDevice, site=agency_admin_site)
class UnknownDeviceAdmin(ReadOnlyAdmin):
    """Phones that asked for configuration with a MAC address no phone has. Claim one by giving a phone that
    MAC address (the link opens a new phone with it filled in); then it leaves this list."""

    list_display = ["mac_address", "vendor", "user_agent", "remote_addr", "first_seen", "last_seen", "fetches", "claim"]

    @admin.display(description=_("Ta i bruk"))
    def claim(self, obj: UnknownDevice) -> str:
        from django.urls import reverse
        from django.utils.html import format_html

        url = reverse(f"{agency_admin_site.name}:switchboard_phone_add") + f"?mac_address={obj.mac_address}"
        return format_html('<a href="{}">{}</a>', url, _("Knytt til ny telefon"))


@admin.register(ProvisioningFetch, site=agency_admin_site)
class ProvisioningFetchAdmin(ReadOnlyAdmin):
    list_display = ["at", "mac_address", "vendor", "phone", "outcome", "remote_addr", "user_agent"]
    list_filter = ["outcome", "vendor"]
    search_fields = ["mac_address", "user_agent"]


@admin.register(M365Tenant, site=agency_admin_site)
class M365TenantAdmin(ConfigAdmin):
    """The secret itself is never stored or shown: only where it is (env:NAME or file:NAME)."""

    list_display = ["name", "tenant_id", "is_active", "last_sync_at", "last_error"]
    readonly_fields = ["last_sync_at", "last_error"]
    fields = ["name", "tenant_id", "client_id", "client_secret_ref", "authority_host", "graph_url", "is_active",
              "last_sync_at", "last_error"]


@admin.register(ExternalContact, site=agency_admin_site)
class ExternalContactAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "company", "emails", "phones", "owner"]
    search_fields = ["display_name", "company", "emails", "phones"]
