"""SMS in the agency's schema: groups, templates, opt-outs, sends (one per mass send) and one row per message.

A message row is the send's per-recipient state: it is claimed atomically (pending -> claimed) before the HTTP
call to the gateway and marked sent after it; a delivery report moves it on. The unique (send, number) pair makes
a recipient appear once per send, whatever the audience held.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SmsSettings(models.Model):
    """The agency's SMS settings (one row)."""

    sender = models.CharField(_("avsender"), max_length=11, default="Etaten",
                              help_text=_("Avsendernavn (inntil 11 tegn) eller nummer."))
    max_per_second = models.PositiveSmallIntegerField(_("maks meldinger per sekund"), default=50)
    optout_keywords = models.CharField(_("stoppord"), max_length=200, default="STOPP,STOP,AVMELD",
                                       help_text=_("Kommaseparert. En SMS som bare er et stoppord melder avsenderen av."))

    class Meta:
        verbose_name = _("SMS-innstillinger")
        verbose_name_plural = _("SMS-innstillinger")
        constraints = [models.CheckConstraint(condition=Q(max_per_second__gte=1), name="sms_settings_rate_positive")]

    def __str__(self) -> str:
        return str(_("SMS-innstillinger"))


class SmsGroup(models.Model):
    name = models.CharField(_("navn"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("SMS-gruppe")
        verbose_name_plural = _("SMS-grupper")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NumberRow:
    """A row that is one phone number (group member, opt-out, do-not-call): shown as the number, and stored in E.164
    (``outbound.numbers.number_normalise``), a Norwegian error otherwise."""

    number: str

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        from outbound.numbers import number_normalise

        super().clean()  # type: ignore[misc]
        try:
            self.number = number_normalise(self.number)
        except ValueError as exc:
            raise ValidationError({"number": str(exc)}) from exc


class SmsGroupMember(NumberRow, models.Model):
    group = models.ForeignKey(SmsGroup, related_name="members", on_delete=models.CASCADE)
    number = models.CharField(_("nummer"), max_length=20)
    name = models.CharField(_("navn"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("gruppemedlem")
        verbose_name_plural = _("gruppemedlemmer")
        constraints = [models.UniqueConstraint(fields=["group", "number"], name="sms_group_member_unique")]



class SmsTemplate(models.Model):
    name = models.CharField(_("navn"), max_length=100, unique=True)
    body = models.TextField(_("tekst"), help_text=_("Variabler: {navn}, {nummer} og kolonner fra importfilen."))

    class Meta:
        verbose_name = _("SMS-mal")
        verbose_name_plural = _("SMS-maler")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OptOut(NumberRow, models.Model):
    number = models.CharField(_("nummer"), max_length=20, unique=True)
    source = models.CharField(_("kilde"), max_length=20, default="sms")
    created_at = models.DateTimeField(_("registrert"), auto_now_add=True)

    class Meta:
        verbose_name = _("avmeldt nummer")
        verbose_name_plural = _("avmeldte numre")
        ordering = ["-created_at"]



class SendStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("planlagt")
    RUNNING = "running", _("sendes")
    DONE = "done", _("ferdig")
    CANCELLED = "cancelled", _("avbrutt")


class SmsSend(models.Model):
    """One send: a single message or a mass send to an audience."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sendt av"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    audience = models.CharField(_("mottakere"), max_length=300)
    body = models.TextField(_("tekst"))
    scheduled_at = models.DateTimeField(_("sendes"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=SendStatus.choices, default=SendStatus.SCHEDULED)
    total = models.PositiveIntegerField(_("antall"), default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("utsending")
        verbose_name_plural = _("utsendinger")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.audience}"


class MessageState(models.TextChoices):
    PENDING = "pending", _("venter")
    CLAIMED = "claimed", _("under sending")
    SENT = "sent", _("sendt")
    FAILED = "failed", _("feilet")
    DELIVERED = "delivered", _("levert")
    UNDELIVERED = "undelivered", _("ikke levert")


class SmsMessage(models.Model):
    """The log of one message to one number (and the send's per-recipient state)."""

    send = models.ForeignKey(SmsSend, related_name="messages", on_delete=models.CASCADE)
    number = models.CharField(_("nummer"), max_length=20)
    body = models.TextField(_("tekst"))
    encoding = models.CharField(_("koding"), max_length=5, default="gsm")
    segments = models.PositiveSmallIntegerField(_("deler"), default=1)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sendt av"), null=True,
                                on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("status"), max_length=12, choices=MessageState.choices, default=MessageState.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    smsc_accepted_at = models.DateTimeField(_("mottatt av SMSC"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("levert"), null=True, blank=True)
    gateway_id = models.CharField(_("ID hos operatøren"), max_length=100, blank=True, default="")
    error = models.CharField(_("feil"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS-logg")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["send", "number"], name="sms_message_once_per_send")]
        indexes = [models.Index(fields=["send", "state"], name="sms_message_send_state")]

    def __str__(self) -> str:
        return f"{self.number}: {self.body[:30]}"


# --- Dialer campaigns ------------------------------------------------------------------------------------------

class CampaignMode(models.TextChoices):
    PREVIEW = "preview", _("forhåndsvisning")
    PROGRESSIVE = "progressive", _("progressiv")
    PREDICTIVE = "predictive", _("prediktiv")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("utkast")
    RUNNING = "running", _("kjører")
    PAUSED = "paused", _("pauset")
    DONE = "done", _("ferdig")


class Campaign(models.Model):
    """An outbound calling campaign: who calls (the queue's agents), how (mode), when (window) and how often."""

    name = models.CharField(_("navn"), max_length=100, unique=True)
    mode = models.CharField(_("modus"), max_length=12, choices=CampaignMode.choices, default=CampaignMode.PROGRESSIVE)
    status = models.CharField(_("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    queue = models.ForeignKey("contactcenter.Queue", verbose_name=_("kø"), on_delete=models.PROTECT,
                              related_name="campaigns", help_text=_("Agentene i denne køen tar samtalene."))
    abandon_cap = models.DecimalField(_("maks andel tapte samtaler"), max_digits=4, decimal_places=3, default=0.03,
                                      help_text=_("Besvart uten ledig agent, over et rullerende vindu. Standard 3 %."))
    window_start = models.TimeField(_("ringer fra"), default=dt.time(9, 0))
    window_end = models.TimeField(_("ringer til"), default=dt.time(20, 0))
    weekdays = models.CharField(_("ukedager"), max_length=7, default="12345",
                                help_text=_("ISO-ukedager: 1 = mandag … 7 = søndag. Norsk tid."))
    skip_holidays = models.BooleanField(_("ikke på helligdager"), default=True)
    amd = models.BooleanField(_("oppdag telefonsvarer (AMD)"), default=False)
    ring_seconds = models.PositiveSmallIntegerField(_("ringetid (s)"), default=30)
    max_attempts = models.PositiveSmallIntegerField(_("maks forsøk per nummer"), default=3)
    retry_busy_minutes = models.PositiveIntegerField(_("nytt forsøk ved opptatt (min)"), default=10)
    retry_noanswer_minutes = models.PositiveIntegerField(_("nytt forsøk ved ikke svar (min)"), default=60)
    retry_machine_minutes = models.PositiveIntegerField(_("nytt forsøk ved telefonsvarer (min)"), default=240)
    retry_abandoned_minutes = models.PositiveIntegerField(_("nytt forsøk ved tapt samtale (min)"), default=30)
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("ringekampanje")
        verbose_name_plural = _("ringekampanjer")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(abandon_cap__gt=0) & Q(abandon_cap__lte=0.2), name="campaign_cap_range"),
            models.CheckConstraint(condition=Q(window_start__lt=F("window_end")), name="campaign_window_order"),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="campaign_attempts_positive"),
            models.CheckConstraint(condition=Q(weekdays__regex=r"^[1-7]{1,7}$"), name="campaign_weekdays_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class ContactState(models.TextChoices):
    PENDING = "pending", _("venter")
    DIALLING = "dialling", _("ringes")
    DONE = "done", _("ferdig")
    FAILED = "failed", _("gitt opp")
    BLOCKED = "blocked", _("reservert")


class CampaignContact(models.Model):
    """One number on a campaign's list (from an import), with the columns of its row."""

    campaign = models.ForeignKey(Campaign, related_name="contacts", on_delete=models.CASCADE)
    number = models.CharField(_("nummer"), max_length=20)
    data = models.JSONField(_("data"), default=dict, blank=True)
    state = models.CharField(_("status"), max_length=8, choices=ContactState.choices, default=ContactState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("forsøk"), default=0)
    next_attempt_at = models.DateTimeField(_("neste forsøk"), null=True, blank=True)
    last_outcome = models.CharField(_("siste utfall"), max_length=12, blank=True, default="")

    class Meta:
        verbose_name = _("kampanjenummer")
        verbose_name_plural = _("kampanjenumre")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="campaign_contact_once")]
        indexes = [models.Index(fields=["campaign", "state", "next_attempt_at"], name="campaign_contact_due")]

    def __str__(self) -> str:
        return self.number


class DoNotCall(NumberRow, models.Model):
    """The agency's do-not-call list: numbers no campaign dials."""

    number = models.CharField(_("nummer"), max_length=20, unique=True)
    reason = models.CharField(_("grunn"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("registrert"), auto_now_add=True)

    class Meta:
        verbose_name = _("reservert nummer (ring ikke)")
        verbose_name_plural = _("reserverte numre (ring ikke)")
        ordering = ["-created_at"]



class AttemptOutcome(models.TextChoices):
    CONNECTED = "connected", _("koblet til agent")
    ABANDONED = "abandoned", _("tapt (ingen ledig agent)")
    BUSY = "busy", _("opptatt")
    NOANSWER = "noanswer", _("ikke svar")
    MACHINE = "machine", _("telefonsvarer")
    FAILED = "failed", _("feilet")


class AttemptState(models.TextChoices):
    CLAIMED = "claimed", _("reservert")
    DIALLING = "dialling", _("ringer")
    ANSWERED = "answered", _("besvart")
    ENDED = "ended", _("avsluttet")


class CallAttempt(models.Model):
    """One dial of one contact. Claimed in the database before the engine originates; at most one open attempt
    per contact (partial unique index), so a restarted engine never dials a number twice."""

    campaign = models.ForeignKey(Campaign, related_name="attempts", on_delete=models.CASCADE)
    contact = models.ForeignKey(CampaignContact, related_name="call_attempts", on_delete=models.CASCADE)
    state = models.CharField(_("tilstand"), max_length=8, choices=AttemptState.choices, default=AttemptState.CLAIMED)
    outcome = models.CharField(_("utfall"), max_length=12, choices=AttemptOutcome.choices, blank=True, default="")
    claimed_at = models.DateTimeField(_("reservert"), auto_now_add=True)
    dialled_at = models.DateTimeField(_("ringt"), null=True, blank=True)
    answered_at = models.DateTimeField(_("besvart"), null=True, blank=True)
    ended_at = models.DateTimeField(_("avsluttet"), null=True, blank=True)
    agent = models.CharField(_("agent"), max_length=100, blank=True, default="")
    disposition = models.ForeignKey("contactcenter.InquiryCategory", verbose_name=_("kategori"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    # The uniqueid the engine gives the contact's channel (AMI Originate ChannelId): links the attempt to the call
    # in the history and to the inquiry the agent registers (the disposition).
    channel_id = models.CharField(_("kanal-ID"), max_length=64, blank=True, default="", db_index=True)
    # Preview mode: the agent the contact is shown to (claimed for that agent only, dialled when they press Ring).
    preview_agent = models.ForeignKey("contactcenter.Agent", verbose_name=_("vist til agent"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("ringeforsøk")
        verbose_name_plural = _("ringeforsøk")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["contact"], condition=~Q(state="ended"), name="attempt_one_open_per_contact"),
            models.CheckConstraint(condition=(Q(state="ended") & ~Q(outcome="")) | (~Q(state="ended") & Q(outcome="")),
                                   name="attempt_outcome_when_ended"),
        ]

    def __str__(self) -> str:
        return f"{self.contact.number} {self.outcome or self.state}"
