"""Agency admins give and revoke vendor access (grants are never edited or deleted: they are the record)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.models import GrantScope, OidcConfig, OidcIdentity, OidcRoleMapping, VendorGrant
from access.services import grant_create, grant_revoke
from controlplane.admin_sites import agency_admin_site
from tenants.admin_mixins import ServiceErrorsAdminMixin
from tenants.selectors import vendor_account_list


class GrantForm(forms.ModelForm):
    vendor = forms.TypedChoiceField(label=_("leverandørkonto"), coerce=int, choices=())
    scopes = forms.MultipleChoiceField(label=_("omfang"), choices=GrantScope.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = VendorGrant
        fields = ["vendor", "scopes", "expires_at", "reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [(a.user_id, str(a)) for a in vendor_account_list()]
        self.fields["expires_at"].help_text = _("Tilgangen slutter å virke ved dette tidspunktet (ÅÅÅÅ-MM-DD TT:MM).")

    def clean_expires_at(self) -> Any:
        value = self.cleaned_data["expires_at"]
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(_("Utløpstidspunktet må være fram i tid."))
        return value


@admin.register(VendorGrant, site=agency_admin_site)
class VendorGrantAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    form = GrantForm
    list_display = ["vendor_name", "config_read", "config_change", "live_view", "recordings", "expires_at",
                    "revoked_at", "granted_by"]
    list_filter = ["revoked_at", "expires_at"]
    readonly_fields = ["vendor_name", "config_read", "config_change", "live_view", "recordings", "reason",
                       "created_at", "expires_at", "revoked_at", "granted_by"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: VendorGrant | None = None) -> list[str]:
        return ["vendor", "scopes", "expires_at", "reason"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: VendorGrant | None = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: VendorGrant | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: VendorGrant, form: Any, change: bool) -> None:
        if change:
            return
        data = form.cleaned_data
        saved = grant_create(vendor_user_id=data["vendor"], scopes=set(data["scopes"]), expires_at=data["expires_at"],
                             reason=data["reason"], granted_by_id=request.user.pk)
        obj.__dict__.update(saved.__dict__)

    @admin.action(description=_("Trekk tilbake valgte tilganger nå"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for grant in queryset:
            grant_revoke(grant=grant)
        self.message_user(request, _("Tilgangen er trukket tilbake."), messages.SUCCESS)


class OidcConfigForm(forms.ModelForm):
    issuer = forms.URLField(label=_("utsteder (issuer)"), max_length=300, assume_scheme="https",
                            help_text=_("For Entra ID: https://login.microsoftonline.com/<tenant-ID>/v2.0"))
    client_secret = forms.CharField(label=_("klienthemmelighet"), required=False, strip=True,
                                    widget=forms.PasswordInput(render_value=False),
                                    help_text=_("Vises aldri igjen. La feltet stå tomt for å beholde den lagrede."))

    class Meta:
        model = OidcConfig
        fields = ["is_active", "issuer", "client_id", "client_secret", "groups_claim"]

    def clean_client_secret(self) -> str:
        value = self.cleaned_data.get("client_secret", "")
        if value:
            return value
        if self.instance.pk and self.instance.client_secret:
            return self.instance.client_secret
        raise forms.ValidationError(_("Skriv inn klienthemmeligheten."))

    def clean_issuer(self) -> str:
        return self.cleaned_data["issuer"].rstrip("/")


class OidcRoleMappingInline(admin.TabularInline):
    model = OidcRoleMapping
    extra = 1


@admin.register(OidcConfig, site=agency_admin_site)
class OidcConfigAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    form = OidcConfigForm
    inlines = [OidcRoleMappingInline]
    list_display = ["issuer", "client_id", "is_active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not OidcConfig.objects.exists()


@admin.register(OidcIdentity, site=agency_admin_site)
class OidcIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "issuer", "subject", "last_login_at"]
    readonly_fields = ["user", "issuer", "subject", "last_login_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
