"""API tokens in the agency admin: create (the secret is shown once), see, revoke. Never edited."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from api import services
from api.models import ApiToken, Scope
from api.selectors import api_token_list
from controlplane.admin_sites import agency_admin_site
from tenants.admin_mixins import ServiceErrorsAdminMixin


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("tilganger"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple,
                                       initial=["read"])

    class Meta:
        model = ApiToken
        fields = ["name", "scopes", "expires_at"]


@admin.register(ApiToken, site=agency_admin_site)
class ApiTokenAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "prefix", "scope_labels", "created_by", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    actions = ["revoke"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return api_token_list()

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # revoked, not deleted: the list shows what existed

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        token, secret = services.api_token_create(name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
                                                  created_by=request.user, expires_at=form.cleaned_data["expires_at"])
        obj.pk, obj.prefix = token.pk, token.prefix
        self.message_user(request, _("Nøkkelen er laget. Kopier den nå – den vises ikke igjen: %(secret)s")
                          % {"secret": secret}, messages.WARNING)

    @admin.display(description=_("tilganger"))
    def scope_labels(self, obj: ApiToken) -> str:
        return ", ".join(str(Scope(s).label) for s in obj.scopes)

    @admin.action(description=_("Trekk tilbake valgte nøkler"))
    def revoke(self, request, queryset):  # type: ignore[no-untyped-def]
        for token in queryset:
            services.api_token_revoke(token=token)
        self.message_user(request, _("Nøklene er trukket tilbake og virker ikke lenger."), messages.SUCCESS)
