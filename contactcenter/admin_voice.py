"""Agency admin for what callers hear: announcements typed as text (TTS) or uploaded, and music files with
their licence, each with a player to listen before use. Writes go through ``contactcenter.prompts``."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contactcenter import prompts
from contactcenter.models import MusicOnHold
from contactcenter.models_voice import MohFile, Prompt
from controlplane.admin_sites import agency_admin_site
from tenants.admin_mixins import ServiceErrorsAdminMixin

AUDIO_HELP = _("wav, mp3, ogg eller m4a. Gjøres om til 8 kHz mono for telefon.")


class _ServiceValidated(forms.ModelForm):
    def _post_clean(self) -> None:
        """The row is validated by the service, which makes the file first (name, length, constraints)."""


class PromptForm(_ServiceValidated):
    upload = forms.FileField(label=_("eller last opp lyd"), required=False, help_text=AUDIO_HELP)

    class Meta:
        model = Prompt
        fields = ["kind", "name", "text"]

    def clean(self) -> dict:
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("upload"):
            raise ValidationError(gettext("Skriv en tekst som skal sies, eller last opp en lydfil."))
        return data


class MohFileForm(_ServiceValidated):
    upload = forms.FileField(label=_("lydfil"), help_text=AUDIO_HELP)

    class Meta:
        model = MohFile
        fields = ["moh", "title", "licence", "licence_note"]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if "moh" in self.fields:
            self.fields["moh"].queryset = MusicOnHold.objects.filter(source="agency")


def _copy(obj, new) -> None:  # type: ignore[no-untyped-def]
    obj.__dict__.update({k: v for k, v in new.__dict__.items() if k != "_state"})
    obj._state.adding = False


class AudioAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    """Created through the service (file and row together), never edited: a new text or file is a new row."""

    url_name = ""

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields] + ["player"] if obj else []

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return self.get_readonly_fields(request, obj) if obj else super().get_fields(request, obj)

    @admin.display(description=_("lytt"))
    def player(self, obj) -> str:  # type: ignore[no-untyped-def]
        url = reverse(f"{self.admin_site.name}:{self.url_name}", args=[obj.pk])
        return format_html('<audio controls preload="none" src="{}"></audio>', url)

    def file_path(self, obj) -> Path:  # type: ignore[no-untyped-def]
        raise NotImplementedError

    def audio_view(self, request: HttpRequest, pk: int) -> FileResponse:
        obj = self.model.objects.filter(pk=pk).first()
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        path = self.file_path(obj)
        if not path.is_file():
            raise Http404
        return FileResponse(path.open("rb"), content_type="audio/wav")

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [path("<int:pk>/lyd/", self.admin_site.admin_view(self.audio_view), name=self.url_name),
                *super().get_urls()]


@admin.register(Prompt, site=agency_admin_site)
class PromptAdmin(AudioAdmin):
    form = PromptForm
    url_name = "contactcenter_prompt_audio"
    list_display = ["name", "kind", "source", "duration_seconds", "player"]
    list_filter = ["kind", "source"]

    def file_path(self, obj: Prompt) -> Path:
        return prompts.prompt_path(agency=connection.schema_name, prompt=obj)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        data, agency = form.cleaned_data, connection.schema_name
        if data.get("upload"):
            new = prompts.prompt_upload(agency=agency, kind=data["kind"], name=data["name"], upload=data["upload"])
        else:
            new = prompts.prompt_synthesize(agency=agency, kind=data["kind"], name=data["name"], text=data["text"])
        _copy(obj, new)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        prompts.prompt_delete(agency=connection.schema_name, prompt=obj)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for obj in queryset:
            prompts.prompt_delete(agency=connection.schema_name, prompt=obj)


@admin.register(MohFile, site=agency_admin_site)
class MohFileAdmin(AudioAdmin):
    form = MohFileForm
    url_name = "contactcenter_mohfile_audio"
    list_display = ["title", "moh", "licence", "licence_note", "duration_seconds", "player"]
    list_filter = ["licence", "moh"]

    def file_path(self, obj: MohFile) -> Path:
        return prompts.moh_folder(connection.schema_name, obj.moh_id) / obj.file_name

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        data = form.cleaned_data
        new = prompts.moh_file_add(agency=connection.schema_name, moh=data["moh"], title=data["title"],
                                   licence=data["licence"], licence_note=data.get("licence_note", ""),
                                   upload=data["upload"])
        _copy(obj, new)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        prompts.moh_file_delete(agency=connection.schema_name, item=obj)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for obj in queryset:
            prompts.moh_file_delete(agency=connection.schema_name, item=obj)


class MohFileInline(admin.TabularInline):
    """The class's files with their licence, shown on the music-on-hold page (added on «Musikkfiler»)."""

    model = MohFile
    extra = 0
    can_delete = False
    fields = ["title", "licence", "licence_note", "duration_seconds"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


# --- Recording under GDPR ----------------------------------------------------------------------------------------

from contactcenter.models_voice import (  # noqa: E402
    LegalBasis,
    QueueWelcome,
    RecordingAccess,
    RecordingDeletion,
    RecordingPolicy,
    ScheduleAnnouncement,
)
from switchboard.admin import ConfigAdmin  # noqa: E402


@admin.register(LegalBasis, site=agency_admin_site)
class LegalBasisAdmin(ConfigAdmin):
    list_display = ["name", "code", "retention_days", "overrides_opt_out", "is_active"]


@admin.register(RecordingPolicy, site=agency_admin_site)
class RecordingPolicyAdmin(ConfigAdmin):
    list_display = ["queue", "mode", "notice", "opt_out_digit", "retention_days"]


class ReadOnlyLogAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(RecordingAccess, site=agency_admin_site)
class RecordingAccessAdmin(ReadOnlyLogAdmin):
    list_display = ["at", "username", "action", "file_name", "reason"]
    list_filter = ["action"]
    search_fields = ["username", "file_name", "reason"]


@admin.register(RecordingDeletion, site=agency_admin_site)
class RecordingDeletionAdmin(ReadOnlyLogAdmin):
    list_display = ["deleted_at", "file_name", "linkedid", "retention_class", "delete_after"]


@admin.register(QueueWelcome, site=agency_admin_site)
class QueueWelcomeAdmin(ConfigAdmin):
    list_display = ["queue", "prompt"]


@admin.register(ScheduleAnnouncement, site=agency_admin_site)
class ScheduleAnnouncementAdmin(ConfigAdmin):
    list_display = ["schedule", "closed_prompt", "holiday_prompt"]
