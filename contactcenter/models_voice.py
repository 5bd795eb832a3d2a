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
            models.CheckConstraint(condition=~Q(source="tts") | ~Q(text=""), name="prompt_tts_has_text",
                                   violation_error_message=_("Skriv teksten som skal sies.")),
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


# --- Recording under GDPR ----------------------------------------------------------------------------------------

class RecordingMode(models.TextChoices):
    NEVER = "never", _("Aldri")
    ALWAYS = "always", _("Alltid (innringer kan reservere seg)")
    ON_DEMAND = "on_demand", _("Ved behov (agenten starter, med grunnlag)")


class LegalBasis(models.Model):
    """A legal basis the agency records under when an agent starts recording mid-call (e.g. threats), with the
    retention of those recordings: their own retention class."""

    code = models.CharField(_("kode"), max_length=32, unique=True,
                            validators=[RegexValidator(r"^[a-z0-9][a-z0-9_-]{0,31}$")])
    name = models.CharField(_("grunnlag"), max_length=200, validators=[validate_plain_text],
                            help_text=_("For eksempel «Trusler mot ansatte – berettiget interesse, GDPR art. 6 nr. 1 f»."))
    retention_days = models.PositiveIntegerField(_("oppbevares (dager)"), default=90)
    is_active = models.BooleanField(_("aktiv"), default=True)
    overrides_opt_out = models.BooleanField(
        _("gjelder også når innringeren har reservert seg"), default=False,
        help_text=_("Bare for truende eller krenkende samtaler: agenten kan starte opptak med dette grunnlaget selv om "
                    "innringeren trykket seg ut av opptak før samtalen ble besvart."))

    class Meta:
        verbose_name = _("rettslig grunnlag for opptak")
        verbose_name_plural = _("rettslige grunnlag for opptak")
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(retention_days__gte=1) & Q(retention_days__lte=3650),
                                              name="legalbasis_retention_range")]

    def __str__(self) -> str:
        return self.name


class RecordingPolicy(models.Model):
    """How a queue records: never, always (after a spoken notice; the caller can opt out by key before an agent
    answers) or on demand."""

    queue = models.OneToOneField("contactcenter.Queue", verbose_name=_("kø"), related_name="recording_policy",
                                 on_delete=models.CASCADE)
    mode = models.CharField(_("opptak"), max_length=10, choices=RecordingMode.choices, default=RecordingMode.NEVER)
    notice = models.ForeignKey(Prompt, verbose_name=_("varsel før opptak"), null=True, blank=True,
                               on_delete=models.PROTECT, limit_choices_to={"kind": "recording_notice"})
    opt_out_digit = models.CharField(_("tast for å reservere seg"), max_length=1, default="9",
                                     validators=[RegexValidator(r"^[0-9]$")])
    retention_days = models.PositiveIntegerField(_("oppbevares (dager)"), default=30)

    class Meta:
        verbose_name = _("opptaksregel")
        verbose_name_plural = _("opptaksregler")
        constraints = [
            models.CheckConstraint(condition=Q(mode__in=RecordingMode.values), name="recordingpolicy_mode_valid"),
            models.CheckConstraint(condition=Q(opt_out_digit__regex=r"^[0-9]$"), name="recordingpolicy_digit_valid"),
            models.CheckConstraint(condition=Q(mode="never") | Q(notice__isnull=False),
                                   name="recordingpolicy_notice_required",
                                   violation_error_message=_("Velg varselet innringeren hører før opptak.")),
            models.CheckConstraint(condition=Q(retention_days__gte=1) & Q(retention_days__lte=3650),
                                   name="recordingpolicy_retention_range"),
        ]

    def __str__(self) -> str:
        return f"{self.queue}: {self.get_mode_display()}"


class RecordingAccess(models.Model):
    """Every play and download of a recording: who, when, why."""

    ACTIONS = [("play", _("Avspilling")), ("download", _("Nedlasting"))]
    recording = models.ForeignKey("contactcenter.Recording", null=True, related_name="accesses",
                                  on_delete=models.SET_NULL)
    file_name = models.CharField(_("fil"), max_length=300)
    user = models.ForeignKey("auth.User", verbose_name=_("bruker"), null=True, on_delete=models.SET_NULL)
    username = models.CharField(_("brukernavn"), max_length=150)
    action = models.CharField(_("handling"), max_length=10, choices=ACTIONS)
    reason = models.CharField(_("begrunnelse"), max_length=300, validators=[validate_plain_text])
    at = models.DateTimeField(_("tidspunkt"), auto_now_add=True)

    class Meta:
        verbose_name = _("innsyn i opptak")
        verbose_name_plural = _("innsyn i opptak")
        ordering = ["-at"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="recordingaccess_reason_required",
                                              violation_error_message=_("Oppgi hvorfor du spiller av eller laster ned "
                                                                        "opptaket."))]


class RecordingDeletion(models.Model):
    """A recording deleted by the retention job (the file and its row), kept as the log of the deletion."""

    file_name = models.CharField(_("fil"), max_length=300)
    linkedid = models.CharField(_("samtale-ID"), max_length=64, blank=True, default="")
    retention_class = models.CharField(_("oppbevaringsklasse"), max_length=20)
    started_at = models.DateTimeField(_("opptak startet"))
    delete_after = models.DateTimeField(_("skulle slettes"))
    deleted_at = models.DateTimeField(_("slettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("slettet opptak")
        verbose_name_plural = _("slettede opptak")
        ordering = ["-deleted_at"]


class QueueWelcome(models.Model):
    """The announcement a caller hears first when the call reaches the queue (before any recording notice)."""

    queue = models.OneToOneField("contactcenter.Queue", verbose_name=_("kø"), related_name="welcome",
                                 on_delete=models.CASCADE)
    prompt = models.ForeignKey(Prompt, verbose_name=_("velkomstmelding"), on_delete=models.PROTECT,
                               limit_choices_to={"kind": "welcome"})

    class Meta:
        verbose_name = _("velkomst i kø")
        verbose_name_plural = _("velkomst i køer")

    def __str__(self) -> str:
        return f"{self.queue}: {self.prompt}"


class ScheduleAnnouncement(models.Model):
    """What a caller hears when a schedule (opening hours, ``switchboard.Schedule``) sends the call on because the
    agency is closed: ``closed`` outside opening hours, ``holiday`` on a closed day or public holiday (the closed
    announcement when no holiday one is chosen). Played before the schedule's destination."""

    schedule = models.OneToOneField("switchboard.Schedule", verbose_name=_("åpningstid"),
                                    related_name="announcement", on_delete=models.CASCADE)
    closed_prompt = models.ForeignKey(Prompt, verbose_name=_("melding når det er stengt"), null=True, blank=True,
                                      related_name="+", on_delete=models.PROTECT, limit_choices_to={"kind": "closed"})
    holiday_prompt = models.ForeignKey(Prompt, verbose_name=_("melding på stengte dager og helligdager"), null=True,
                                       blank=True, related_name="+", on_delete=models.PROTECT,
                                       limit_choices_to={"kind": "holiday"})

    class Meta:
        verbose_name = _("melding ved stengt")
        verbose_name_plural = _("meldinger ved stengt")
        constraints = [models.CheckConstraint(condition=Q(closed_prompt__isnull=False) | Q(holiday_prompt__isnull=False),
                                              name="scheduleannouncement_has_prompt",
                                              violation_error_message=_("Velg minst én melding."))]

    def __str__(self) -> str:
        return str(self.schedule)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.closed_prompt_id and self.closed_prompt.kind != PromptKind.CLOSED:
            errors["closed_prompt"] = _("Velg en melding av typen «Stengt».")
        if self.holiday_prompt_id and self.holiday_prompt.kind != PromptKind.HOLIDAY:
            errors["holiday_prompt"] = _("Velg en melding av typen «Helligdag».")
        if errors:
            raise ValidationError(errors)
