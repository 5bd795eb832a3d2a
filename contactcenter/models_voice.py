"""Agency-schema models of what callers hear: spoken announcements (from text or uploaded) and the files of
the agency's own music-on-hold classes, each with its licence. The audio lives in the agency's folder
(``contactcenter.prompts``); a row only exists when its file does."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contactcenter.models import MusicOnHold
from tenants.validators import validate_plain_text

FILE_NAME = RegexValidator(r"^[a-z0-9][a-z0-9-]{0,60}\.wav$")


class PromptKind(models.TextChoices):
    WELCOME = "welcome", _("Velkomst")
    CLOSED = "closed", _("Stengt")
    HOLIDAY = "holiday", _("Helligdag")
    POSITION = "position", _("Plass i køen")
    WAIT = "wait", _("Ventetid")
    CALLBACK_OFFER = "callback_offer", _("Tilbud om å bli ringt opp")
    RECORDING_NOTICE = "recording_notice", _("Varsel om opptak")


class PromptSource(models.TextChoices):
    TTS = "tts", _("Talesyntese")
    UPLOAD = "upload", _("Opplastet lyd")


class Prompt(models.Model):
    kind = models.CharField(_("type"), max_length=20, choices=PromptKind.choices)
    name = models.CharField(_("navn"), max_length=100, validators=[validate_plain_text])
    text = models.TextField(_("tekst"), blank=True, default="",
                            help_text=_("Det som sies. Lyden lages med talesyntese (norsk bokmål)."))
    source = models.CharField(_("kilde"), max_length=10, choices=PromptSource.choices)
    file_name = models.CharField(_("lydfil"), max_length=80, unique=True, validators=[FILE_NAME])
    original_name = models.CharField(_("opplastet fil"), max_length=200, blank=True, default="")
    duration_seconds = models.FloatField(_("lengde (s)"))
    created_at = models.DateTimeField(_("laget"), auto_now_add=True)

    class Meta:
        verbose_name = _("lydmelding")
        verbose_name_plural = _("lydmeldinger")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PromptKind.values), name="prompt_kind_valid"),
            models.CheckConstraint(condition=Q(source__in=PromptSource.values), name="prompt_source_valid"),
            models.CheckConstraint(condition=Q(file_name__regex=r"^[a-z0-9][a-z0-9-]{0,60}\.wav$"),
                                   name="prompt_file_name_safe"),
            models.CheckConstraint(condition=~Q(source="tts") | ~Q(text=""), name="prompt_tts_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class Licence(models.TextChoices):
    FREE = "free", _("Fri (ingen vederlag)")
    TONO = "tono", _("TONO-pliktig")


class MohFile(models.Model):
    """One music file of an agency's own music-on-hold class."""

    moh = models.ForeignKey(MusicOnHold, verbose_name=_("ventemusikk"), related_name="files", on_delete=models.PROTECT)
    title = models.CharField(_("tittel"), max_length=200, validators=[validate_plain_text])
    licence = models.CharField(_("lisens"), max_length=10, choices=Licence.choices)
    licence_note = models.CharField(_("lisensmerknad"), max_length=300, blank=True, default="",
                                    help_text=_("For eksempel opphavsperson, lisens (CC BY 4.0) eller TONO-avtale."))
    file_name = models.CharField(_("lydfil"), max_length=80, validators=[FILE_NAME])
    original_name = models.CharField(_("opplastet fil"), max_length=200, blank=True, default="")
    duration_seconds = models.FloatField(_("lengde (s)"))
    created_at = models.DateTimeField(_("lagt til"), auto_now_add=True)

    class Meta:
        verbose_name = _("musikkfil")
        verbose_name_plural = _("musikkfiler")
        ordering = ["moh_id", "title"]
        constraints = [
            models.UniqueConstraint(fields=["moh", "file_name"], name="mohfile_unique"),
            models.CheckConstraint(condition=Q(licence__in=Licence.values), name="mohfile_licence_valid"),
            models.CheckConstraint(condition=Q(file_name__regex=r"^[a-z0-9][a-z0-9-]{0,60}\.wav$"),
                                   name="mohfile_file_name_safe"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_licence_display()})"
