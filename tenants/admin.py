"""Platform staff's admin (public domain): agencies, domains, numbers, Asterisk nodes."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from tenants import selectors, services
from tenants.admin_mixins import ServiceErrorsAdminMixin
from tenants.models import Agency, AsteriskNode, Domain, NumberRange, VendorAccount
from tenants.validators import normalize_e164, validate_hostname, validate_slug


class AgencyCreateForm(forms.ModelForm):
    schema_name = forms.CharField(label=capfirst(_("kortnavn")), max_length=16,
                                  help_text=_("Små bokstaver og sifre. Brukes i domenet og i alle Asterisk-navn."))
    domain = forms.CharField(label=capfirst(_("domene")), required=False,
                             help_text=_("Tomt: «kortnavn».«plattformdomenet»"))
    admin_username = forms.CharField(label=capfirst(_("første administrator (brukernavn)")), required=False)
    admin_email = forms.EmailField(label=capfirst(_("administratorens e-post")), required=False)
    admin_password = forms.CharField(label=capfirst(_("administratorens passord")), required=False,
                                     widget=forms.PasswordInput)

    class Meta:
        model = Agency
        fields = ["name", "schema_name", "org_number", "asterisk_node"]

    def clean_schema_name(self) -> str:
        slug = self.cleaned_data["schema_name"]
        validate_slug(slug)
        if selectors.agency_slug_taken(slug=slug):
            raise ValidationError(_("En etat med dette kortnavnet finnes allerede."))
        return slug

    def clean_domain(self) -> str:
        domain = (self.cleaned_data.get("domain") or "").strip().lower()
        if domain:
            validate_hostname(domain)
        if domain and selectors.domain_taken(domain=domain):
            raise ValidationError(_("Domenet er allerede i bruk."))
        return domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Agency)
class AgencyAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    list_display = ["name", "schema_name", "org_number", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "schema_name", "org_number"]
    actions = ["deactivate", "activate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agency]:
        return super().get_queryset(request).exclude(schema_name=get_public_schema_name())

    def get_form(self, request, obj=None, **kwargs):  # type: ignore[no-untyped-def]
        if obj is None:
            kwargs["form"] = AgencyCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is None:
            return ["name", "schema_name", "org_number", "asterisk_node", "domain",
                    "admin_username", "admin_email", "admin_password"]
        return ["name", "schema_name", "org_number", "main_number", "asterisk_node", "is_active", "created_at"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ["schema_name", "org_number", "is_active", "created_at"] if obj else []

    def get_inlines(self, request, obj):  # type: ignore[no-untyped-def]
        return [DomainInline] if obj else []

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            services.agency_update(agency=obj, name=obj.name, main_number=obj.main_number)
            return
        data = form.cleaned_data
        created = services.agency_create(
            name=data["name"], slug=data["schema_name"], org_number=data["org_number"],
            domain=data.get("domain") or None, admin_username=data.get("admin_username") or None,
            admin_email=data.get("admin_email", ""), admin_password=data.get("admin_password") or None,
        )
        if data.get("asterisk_node"):
            created.asterisk_node = data["asterisk_node"]
            created.save(update_fields=["asterisk_node"])
        obj.pk = created.pk
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if not k.startswith("_")})

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        if formset.model is not Domain:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for domain in formset.deleted_objects:
            services.domain_delete(domain=domain)
        for domain in instances:
            services.domain_save(domain=domain)
        return None

    @admin.action(description=_("Deaktiver valgte etater"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        for agency in queryset:
            services.agency_set_active(agency=agency, active=False)
        self.message_user(request, _("Etatene er deaktivert."), messages.SUCCESS)

    @admin.action(description=_("Aktiver valgte etater"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        for agency in queryset:
            services.agency_set_active(agency=agency, active=True)
        self.message_user(request, _("Etatene er aktivert."), messages.SUCCESS)


class NumberRangeForm(forms.ModelForm):
    first_number = forms.CharField(label=capfirst(_("første nummer")))
    last_number = forms.CharField(label=capfirst(_("siste nummer")), required=False, help_text=_("Tomt: ett enkelt nummer."))

    class Meta:
        model = NumberRange
        fields = ["agency", "note"]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        try:
            first = normalize_e164(data.get("first_number", ""))
        except ValidationError as exc:
            self.add_error("first_number", exc)
            return data
        try:
            last = normalize_e164(data["last_number"]) if data.get("last_number") else first
        except ValidationError as exc:
            self.add_error("last_number", exc)
            return data
        self.instance.first = int(first[1:])
        self.instance.last = int(last[1:])
        return data


@admin.register(NumberRange)
class NumberRangeAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    form = NumberRangeForm
    list_display = ["__str__", "agency", "size", "note"]
    list_filter = ["agency"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # release and allocate anew; a range is never moved silently

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        created = services.number_range_allocate(agency=obj.agency, first=f"+{obj.first}", last=f"+{obj.last}",
                                                 note=obj.note)
        obj.pk = created.pk

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        services.number_range_release(number_range=obj)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        services.number_ranges_release(number_ranges=list(queryset))

    def delete_blockers(self, obj: NumberRange) -> list[str]:
        uses = selectors.number_range_numbers_in_use(number_range=obj)
        return [_("%(range)s: %(use)s er i bruk hos %(agency)s") % {"range": obj, "use": use, "agency": obj.agency}
                for use in uses]


@admin.register(AsteriskNode)
class AsteriskNodeAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    list_display = ["name", "host", "ami_port", "ari_port", "is_active"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.node_save(node=obj)


@admin.register(VendorAccount)
class VendorAccountAdmin(admin.ModelAdmin):
    """Platform staff create vendor accounts; the vendor enrols TOTP at /vendor/totp/. Reset clears it."""

    list_display = ["user", "organisation", "totp_confirmed_at"]
    readonly_fields = ["totp_confirmed_at"]
    actions = ["reset_totp"]

    @admin.action(description=_("Nullstill engangskoder (TOTP)"))
    def reset_totp(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        from tenants.services import vendor_totp_reset

        for account in queryset:
            vendor_totp_reset(user_id=account.user_id)
