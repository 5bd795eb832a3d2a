"""SMS in the agency's schema: groups, templates, opt-outs, sends (one per mass send) and one row per message.

A message row is the send's per-recipient state: it is claimed atomically (pending -> claimed) before the HTTP
call to the gateway and marked sent after it; a delivery report moves it on. The unique (send, number) pair makes
a recipient appear once per send, whatever the audience held.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
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


class SmsGroupMember(models.Model):
    group = models.ForeignKey(SmsGroup, related_name="members", on_delete=models.CASCADE)
    number = models.CharField(_("nummer"), max_length=20)
    name = models.CharField(_("navn"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("gruppemedlem")
        verbose_name_plural = _("gruppemedlemmer")
        constraints = [models.UniqueConstraint(fields=["group", "number"], name="sms_group_member_unique")]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        from outbound.numbers import number_normalise

        try:
            self.number = number_normalise(self.number)
        except ValueError as exc:
            raise ValidationError({"number": str(exc)}) from exc


class SmsTemplate(models.Model):
    name = models.CharField(_("navn"), max_length=100, unique=True)
    body = models.TextField(_("tekst"), help_text=_("Variabler: {navn}, {nummer} og kolonner fra importfilen."))

    class Meta:
        verbose_name = _("SMS-mal")
        verbose_name_plural = _("SMS-maler")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OptOut(models.Model):
    number = models.CharField(_("nummer"), max_length=20, unique=True)
    source = models.CharField(_("kilde"), max_length=20, default="sms")
    created_at = models.DateTimeField(_("registrert"), auto_now_add=True)

    class Meta:
        verbose_name = _("avmeldt nummer")
        verbose_name_plural = _("avmeldte numre")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        from outbound.numbers import number_normalise

        try:
            self.number = number_normalise(self.number)
        except ValueError as exc:
            raise ValidationError({"number": str(exc)}) from exc


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
