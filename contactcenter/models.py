"""Agency-schema models of the contact center: queues, agents, skills, music on hold,
pause reasons and inquiry categories."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from switchboard.destinations import DestinationMixin, destination_constraint
from switchboard.models import Extension, Person
from tenants.validators import validate_extension, validate_plain_text

plain = [validate_plain_text]  # free text: only ever written into config comments
code_validator = RegexValidator(r"^[a-z0-9][a-z0-9_-]{0,31}$", _("Koden kan bare ha a–z, 0–9, _ og -."))


class MusicOnHold(models.Model):
    """A music-on-hold class. 'platform' plays the platform's stock music; 'agency' plays the
    files in the agency's own folder."""

    SOURCE_CHOICES = [("platform", _("Plattformens musikk")), ("agency", _("Etatens egne filer"))]
    name = models.CharField(_("navn"), max_length=100, validators=plain)
    source = models.CharField(_("kilde"), max_length=10, choices=SOURCE_CHOICES, default="platform")

    class Meta:
        verbose_name = _("ventemusikk")
        verbose_name_plural = _("ventemusikk")
        constraints = [models.CheckConstraint(condition=Q(source__in=["platform", "agency"]), name="moh_source")]

    def __str__(self) -> str:
        return self.name


class Strategy(models.TextChoices):
    RINGALL = "ringall", _("Ring alle")
    LEASTRECENT = "leastrecent", _("Lengst siden siste samtale")
    FEWESTCALLS = "fewestcalls", _("Færrest samtaler")
    RRMEMORY = "rrmemory", _("Rundgang")
    LINEAR = "linear", _("I rekkefølge")
    RANDOM = "random", _("Tilfeldig")


class Queue(DestinationMixin):
    """A call queue. Its destination (from DestinationMixin) is where callers go when the
    maximum wait is reached (overflow)."""

    name = models.CharField(_("navn"), max_length=100, validators=plain)
    number = models.CharField(_("internnummer"), max_length=6, unique=True, null=True, blank=True,
                              validators=[validate_extension])
    strategy = models.CharField(_("strategi"), max_length=16, choices=Strategy.choices, default=Strategy.RRMEMORY)
    ring_seconds = models.PositiveSmallIntegerField(_("ringetid per agent (s)"), default=15,
                                                    validators=[MinValueValidator(5), MaxValueValidator(120)])
    wrapup_seconds = models.PositiveSmallIntegerField(_("etterarbeid (s)"), default=30,
                                                      validators=[MaxValueValidator(600)])
    max_wait_seconds = models.PositiveIntegerField(_("maks ventetid (s)"), default=900,
                                                   validators=[MaxValueValidator(7200)],
                                                   help_text=_("0 betyr ingen grense."))
    music_on_hold = models.ForeignKey(MusicOnHold, verbose_name=_("ventemusikk"), null=True, blank=True,
                                      on_delete=models.PROTECT)
    announce_position = models.BooleanField(_("si plass i køen"), default=True)
    announce_holdtime = models.BooleanField(_("si forventet ventetid"), default=True)
    periodic_announce_seconds = models.PositiveSmallIntegerField(
        _("periodisk melding hvert (s)"), default=60, validators=[MaxValueValidator(600)],
        help_text=_("0 slår av periodiske meldinger."))
    service_level_seconds = models.PositiveSmallIntegerField(_("servicenivågrense (s)"), default=20,
                                                             validators=[MinValueValidator(1), MaxValueValidator(600)])
    require_category = models.BooleanField(_("kategori påkrevd"), default=True)

    class Meta:
        verbose_name = _("kø")
        verbose_name_plural = _("køer")
        ordering = ["id"]
        constraints = [
            destination_constraint("queue"),
            models.CheckConstraint(condition=Q(strategy__in=Strategy.values), name="queue_strategy_valid"),
            models.CheckConstraint(condition=Q(ring_seconds__gte=5) & Q(ring_seconds__lte=120),
                                   name="queue_ring_seconds_range"),
            models.CheckConstraint(condition=Q(number__isnull=True) | Q(number__regex=r"^[1-9][0-9]{1,5}$"),
                                   name="queue_number_format"),
        ]

    def clean(self) -> None:
        super().clean()
        if self.number:
            from switchboard.selectors import extension_by_number

            if extension_by_number(number=self.number) is not None:
                raise ValidationError({"number": _("Nummeret %(n)s er allerede et internnummer.") % {"n": self.number}})
        if self.dest_kind == "queue" and self.pk and self.dest_ref == self.pk:
            raise ValidationError({"dest_ref": _("En kø kan ikke flyte over til seg selv.")})

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    name = models.CharField(_("navn"), max_length=100, unique=True, validators=plain)

    class Meta:
        verbose_name = _("ferdighet")
        verbose_name_plural = _("ferdigheter")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    person = models.OneToOneField(Person, verbose_name=_("person"), related_name="agent", on_delete=models.PROTECT)
    extension = models.ForeignKey(Extension, verbose_name=_("internnummer"), related_name="agents",
                                  on_delete=models.PROTECT)
    is_supervisor = models.BooleanField(_("veileder"), default=False)
    queues = models.ManyToManyField(Queue, verbose_name=_("køer"), related_name="agents", blank=True)
    user = models.OneToOneField("auth.User", verbose_name=_("brukerkonto"), null=True, blank=True,
                                related_name="agent", on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agenter")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.person} ({self.extension.number})"


class AgentSkill(models.Model):
    agent = models.ForeignKey(Agent, related_name="skills", on_delete=models.CASCADE)
    skill = models.ForeignKey(Skill, verbose_name=_("ferdighet"), on_delete=models.CASCADE)
    level = models.PositiveSmallIntegerField(_("nivå"), default=5,
                                             validators=[MinValueValidator(1), MaxValueValidator(10)])

    class Meta:
        verbose_name = _("agentens ferdighet")
        verbose_name_plural = _("agentens ferdigheter")
        constraints = [
            models.UniqueConstraint(fields=["agent", "skill"], name="agentskill_unique"),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=10), name="agentskill_level_range"),
        ]


class QueueSkill(models.Model):
    queue = models.ForeignKey(Queue, related_name="skill_requirements", on_delete=models.CASCADE)
    skill = models.ForeignKey(Skill, verbose_name=_("ferdighet"), on_delete=models.CASCADE)
    min_level = models.PositiveSmallIntegerField(_("minste nivå"), default=1,
                                                 validators=[MinValueValidator(1), MaxValueValidator(10)])

    class Meta:
        verbose_name = _("krav til ferdighet")
        verbose_name_plural = _("krav til ferdigheter")
        constraints = [
            models.UniqueConstraint(fields=["queue", "skill"], name="queueskill_unique"),
            models.CheckConstraint(condition=Q(min_level__gte=1) & Q(min_level__lte=10),
                                   name="queueskill_level_range"),
        ]


class InquiryCategory(models.Model):
    """A wrap-up code: what an inquiry on this queue was about."""

    queue = models.ForeignKey(Queue, verbose_name=_("kø"), related_name="categories", on_delete=models.CASCADE)
    code = models.CharField(_("kode"), max_length=32, validators=[code_validator])
    name = models.CharField(_("navn"), max_length=100, validators=plain)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("henvendelseskategori")
        verbose_name_plural = _("henvendelseskategorier")
        ordering = ["queue_id", "name"]
        constraints = [models.UniqueConstraint(fields=["queue", "code"], name="inquirycategory_unique_code")]

    def __str__(self) -> str:
        return self.name


class PauseReason(models.Model):
    code = models.CharField(_("kode"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("navn"), max_length=100, validators=plain)

    class Meta:
        verbose_name = _("pauseårsak")
        verbose_name_plural = _("pauseårsaker")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- Call history (written by the engine through contactcenter.history) ------------------------------------------

class CallDirection(models.TextChoices):
    INBOUND = "inbound", _("Inngående")
    OUTBOUND = "outbound", _("Utgående")
    INTERNAL = "internal", _("Intern")


class Call(models.Model):
    """One call as Asterisk saw it, keyed by its linkedid. Caller numbers are data, never config."""

    linkedid = models.CharField(_("samtale-ID"), max_length=64, unique=True,
                                validators=[RegexValidator(r"^[0-9]+\.[0-9]+$")])
    direction = models.CharField(_("retning"), max_length=10, choices=CallDirection.choices)
    caller_number = models.CharField(_("fra nummer"), max_length=64, blank=True, default="")
    dialed = models.CharField(_("oppringt"), max_length=64, blank=True, default="")
    started_at = models.DateTimeField(_("startet"))
    answered_at = models.DateTimeField(_("besvart"), null=True, blank=True)
    ended_at = models.DateTimeField(_("avsluttet"), null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(_("samtaletid (s)"), null=True, blank=True)
    transferred = models.BooleanField(_("satt over"), default=False)
    hangup_cause = models.CharField(_("årsak"), max_length=64, blank=True, default="")
    end_reason = models.CharField(_("avsluttet av plattformen"), max_length=100, blank=True, default="",
                                  help_text=_("Satt når plattformen lukket samtalen fordi Asterisk ikke lenger hadde "
                                              "den (for eksempel «avbrutt: Asterisk startet på nytt»)."))

    class Meta:
        verbose_name = _("samtale")
        verbose_name_plural = _("samtaler")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.caller_number} → {self.dialed}"


class QueueOutcome(models.TextChoices):
    WAITING = "waiting", _("Venter")
    ANSWERED = "answered", _("Besvart")
    ABANDONED = "abandoned", _("Lagt på i kø")
    TIMEOUT = "timeout", _("Maks ventetid nådd")
    TRANSFERRED = "transferred", _("Satt over")
    CUT = "cut", _("Avbrutt (kontakt med Asterisk tapt)")


class QueueVisit(models.Model):
    """One caller's stay in one queue."""

    call = models.ForeignKey(Call, verbose_name=_("samtale"), related_name="queue_visits", on_delete=models.CASCADE)
    queue = models.ForeignKey(Queue, verbose_name=_("kø"), related_name="visits", null=True,
                              on_delete=models.SET_NULL)
    uniqueid = models.CharField(max_length=64, validators=[RegexValidator(r"^[0-9]+\.[0-9]+$")])
    caller_number = models.CharField(_("fra nummer"), max_length=64, blank=True, default="")
    entered_at = models.DateTimeField(_("inn i kø"))
    position_on_entry = models.PositiveSmallIntegerField(_("plass ved inngang"))
    outcome = models.CharField(_("utfall"), max_length=12, choices=QueueOutcome.choices, default=QueueOutcome.WAITING)
    waited_seconds = models.PositiveIntegerField(_("ventetid (s)"), null=True, blank=True)
    answered_at = models.DateTimeField(_("besvart"), null=True, blank=True)
    answered_by = models.ForeignKey(Agent, verbose_name=_("besvart av"), null=True, blank=True,
                                    related_name="answered_visits", on_delete=models.SET_NULL)
    talk_seconds = models.PositiveIntegerField(_("samtaletid (s)"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ut av kø"), null=True, blank=True)
    end_reason = models.CharField(_("avsluttet av plattformen"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("købesøk")
        verbose_name_plural = _("købesøk")
        ordering = ["-entered_at"]
        constraints = [models.UniqueConstraint(fields=["uniqueid", "queue"], name="queuevisit_unique")]
        indexes = [models.Index(fields=["queue", "entered_at"])]

    def __str__(self) -> str:
        return f"{self.queue} {self.entered_at:%H:%M:%S} {self.get_outcome_display()}"


class AgentSession(models.Model):
    """One agent's time logged in to one queue (app_queue: member added, then removed), recorded by the engine.
    The estimated wait learns from it how many agents usually log in at a time of day (docs/ventetid.md)."""

    agent = models.ForeignKey(Agent, verbose_name=_("agent"), related_name="sessions", on_delete=models.CASCADE)
    queue = models.ForeignKey(Queue, verbose_name=_("kø"), related_name="agent_sessions", on_delete=models.CASCADE)
    started_at = models.DateTimeField(_("logget inn"))
    ended_at = models.DateTimeField(_("logget ut"), null=True, blank=True)

    class Meta:
        verbose_name = _("innlogging i kø")
        verbose_name_plural = _("innlogginger i kø")
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["agent", "queue", "started_at"], name="agentsession_unique")]
        indexes = [models.Index(fields=["queue", "started_at"])]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.queue_id} {self.started_at:%Y-%m-%d %H:%M:%S}"


class AgentPause(models.Model):
    """One pause of an agent (app_queue: member paused, then unpaused or logged out), with the reason chosen in the
    console, recorded by the engine. Shown in the agent report; the estimated wait starts from the recent pauses
    after an engine restart (docs/ventetid.md)."""

    agent = models.ForeignKey(Agent, verbose_name=_("agent"), related_name="pauses", on_delete=models.CASCADE)
    reason = models.CharField(_("årsak"), max_length=100, blank=True, default="")
    started_at = models.DateTimeField(_("pause fra"))
    ended_at = models.DateTimeField(_("pause til"), null=True, blank=True)
    ended_by_logout = models.BooleanField(_("endte med utlogging"), default=False)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauser")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "started_at"], name="agentpause_unique"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="agentpause_ends_after_start"),
        ]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.started_at:%Y-%m-%d %H:%M:%S} {self.reason}"


class HistoryGap(models.Model):
    """A time when the engine had no AMI connection to a node: events from then may be missing from the
    history. Calls recovered from Asterisk's CDR for the gap are counted in ``recovered_calls``."""

    node = models.CharField(_("node"), max_length=100)
    started_at = models.DateTimeField(_("fra"))
    ended_at = models.DateTimeField(_("til"))
    asterisk_restarted = models.BooleanField(_("Asterisk startet på nytt"), default=False)
    recovered_calls = models.PositiveIntegerField(_("samtaler hentet fra CDR"), default=0)

    class Meta:
        verbose_name = _("hull i historikken")
        verbose_name_plural = _("hull i historikken")
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["node", "started_at"], name="historygap_unique")]

    def __str__(self) -> str:
        return f"{self.node} {self.started_at:%Y-%m-%d %H:%M:%S}–{self.ended_at:%H:%M:%S}"


class RetentionClass(models.TextChoices):
    POLICY = "policy", _("Køens opptaksregel")
    ABUSE = "abuse", _("Startet av agent (rettslig grunnlag)")
    CONSOLE = "console", _("Startet fra konsollen")


class Recording(models.Model):
    call = models.ForeignKey(Call, related_name="recordings", null=True, on_delete=models.SET_NULL)
    path = models.CharField(_("fil"), max_length=300)
    started_at = models.DateTimeField(_("startet"))
    started_by = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL)
    queue = models.ForeignKey(Queue, verbose_name=_("kø"), null=True, blank=True, on_delete=models.SET_NULL)
    retention_class = models.CharField(_("oppbevaringsklasse"), max_length=10, choices=RetentionClass.choices,
                                       default=RetentionClass.CONSOLE)
    legal_basis = models.ForeignKey("contactcenter.LegalBasis", verbose_name=_("rettslig grunnlag"), null=True,
                                    blank=True, on_delete=models.PROTECT)
    delete_after = models.DateTimeField(_("slettes etter"), null=True, blank=True)

    class Meta:
        verbose_name = _("opptak")
        verbose_name_plural = _("opptak")
        ordering = ["-started_at"]
        permissions = [("listen_recording", _("Kan spille av og laste ned opptak"))]
        constraints = [
            models.CheckConstraint(condition=~Q(retention_class="abuse") | Q(legal_basis__isnull=False),
                                   name="recording_abuse_has_basis",
                                   violation_error_message=_("Velg et rettslig grunnlag for opptaket fra etatens liste.")),
        ]

    def __str__(self) -> str:
        return self.path


class Inquiry(models.Model):
    """A registered inquiry (henvendelse): what the call was about."""

    visit = models.ForeignKey(QueueVisit, null=True, blank=True, related_name="inquiries", on_delete=models.SET_NULL)
    queue = models.ForeignKey(Queue, null=True, on_delete=models.SET_NULL)
    category = models.ForeignKey(InquiryCategory, verbose_name=_("kategori"), null=True, blank=True,
                                 on_delete=models.PROTECT)
    note = models.TextField(_("notat"), blank=True, default="")
    agent = models.ForeignKey(Agent, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("registrert"), auto_now_add=True)
    channel = models.CharField(_("kanal"), max_length=10, default="voice",
                               choices=[("voice", _("Telefon")), ("chat", _("Chat")), ("sms", _("SMS")), ("mms", _("MMS"))])
    call = models.ForeignKey(Call, verbose_name=_("samtale"), null=True, blank=True, related_name="inquiries",
                             on_delete=models.SET_NULL)
    recording = models.ForeignKey(Recording, verbose_name=_("opptak"), null=True, blank=True,
                                  related_name="inquiries", on_delete=models.SET_NULL)
    # The callback request this inquiry belongs to (the caller asked for it in the queue visit, or it was made from it).
    callback = models.ForeignKey("contactcenter.CallbackRequest", verbose_name=_("tilbakeringing"), null=True,
                                 blank=True, related_name="inquiries", on_delete=models.SET_NULL)
    # Inquiries that came as a message (SMS/MMS) rather than a call: who sent it, the text and a picture.
    from_number = models.CharField(_("fra nummer"), max_length=20, blank=True, default="")
    message = models.TextField(_("melding"), blank=True, default="")
    picture = models.BinaryField(_("bilde"), null=True, blank=True)
    picture_type = models.CharField(_("bildetype"), max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("henvendelse")
        verbose_name_plural = _("henvendelser")
        ordering = ["-created_at"]
        permissions = [("view_inquiry_report", _("Kan se rapporter over henvendelser"))]
        indexes = [models.Index(fields=["created_at"])]
        constraints = [models.CheckConstraint(condition=Q(channel__in=["voice", "chat", "sms", "mms"]),
                                              name="inquiry_channel_valid")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.category or ''}"

from contactcenter.models_voice import (  # noqa: E402,F401  (lydmeldinger, musikkfiler, opptak under GDPR)
    LegalBasis,
    MohFile,
    Prompt,
    QueueWelcome,
    RecordingAccess,
    RecordingDeletion,
    RecordingPolicy,
    ScheduleAnnouncement,
)

# --- Callback that keeps the caller's place (contactcenter.callbacks; docs/tilbakeringing.md) -----------------------

class CallbackPolicy(models.Model):
    """When a queue offers callbacks, and how they are made."""

    queue = models.OneToOneField(Queue, verbose_name=_("kø"), related_name="callback_policy", on_delete=models.CASCADE)
    enabled = models.BooleanField(_("tilby tilbakeringing"), default=False)
    offer_above_seconds = models.PositiveIntegerField(_("tilby når forventet ventetid er over (s)"), default=300,
                                                      validators=[MinValueValidator(30), MaxValueValidator(7200)])
    caller_id = models.CharField(_("nummervisning ved tilbakeringing"), max_length=16, blank=True, default="",
                                 validators=[RegexValidator(r"^\+[1-9][0-9]{6,14}$", _("Bruk +47xxxxxxxx."))])
    retry_minutes = models.PositiveSmallIntegerField(_("nytt forsøk etter (min)"), default=10,
                                                     validators=[MinValueValidator(1), MaxValueValidator(240)])
    max_attempts = models.PositiveSmallIntegerField(_("forsøk i alt"), default=3,
                                                    validators=[MinValueValidator(1), MaxValueValidator(10)])
    expire_hours = models.PositiveSmallIntegerField(_("utløper etter (timer)"), default=8,
                                                    validators=[MinValueValidator(1), MaxValueValidator(72)])
    window_opens = models.TimeField(_("ring tidligst"), default="08:00")
    window_closes = models.TimeField(_("ring senest"), default="15:30")
    weekdays_only = models.BooleanField(_("bare hverdager"), default=True,
                                        help_text=_("Ikke lørdag, søndag eller helligdager."))

    class Meta:
        verbose_name = _("tilbakeringing")
        verbose_name_plural = _("tilbakeringing")
        constraints = [
            models.CheckConstraint(condition=Q(window_closes__gt=models.F("window_opens")),
                                   name="callbackpolicy_window_order"),
            models.CheckConstraint(condition=Q(max_attempts__gte=1) & Q(max_attempts__lte=10),
                                   name="callbackpolicy_attempts_range"),
        ]


class CallbackState(models.TextChoices):
    WAITING = "waiting", _("Venter på sin plass")
    DIALLING = "dialling", _("Ringer")
    RETRY = "retry", _("Nytt forsøk senere")
    DONE = "done", _("Besvart")
    EXPIRED = "expired", _("Utløpt")
    FAILED = "failed", _("Ikke nådd")
    CANCELLED = "cancelled", _("Avbrutt")


class CallbackRequest(models.Model):
    """A caller who asked to be called back. ``joined_at`` is when they joined the queue: their place.

    One attempt is dialled at most once: an attempt is claimed by a conditional UPDATE that moves ``waiting`` to
    ``dialling`` and raises ``attempts`` (contactcenter.callbacks.callback_claim); nothing else starts a call."""

    queue = models.ForeignKey(Queue, verbose_name=_("kø"), related_name="callbacks", on_delete=models.CASCADE)
    number = models.CharField(_("ring til"), max_length=16,
                              validators=[RegexValidator(r"^\+47[0-9]{8}$", _("Bare norske nummer."))])
    caller_number = models.CharField(_("ringte fra"), max_length=64, blank=True, default="")
    uniqueid = models.CharField(_("samtale i kø"), max_length=64, blank=True, default="")
    joined_at = models.DateTimeField(_("inn i kø"))
    requested_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    state = models.CharField(_("tilstand"), max_length=10, choices=CallbackState.choices,
                             default=CallbackState.WAITING)
    attempts = models.PositiveSmallIntegerField(_("forsøk"), default=0)
    next_attempt_at = models.DateTimeField(_("neste forsøk"), null=True, blank=True)
    expires_at = models.DateTimeField(_("utløper"))
    agent = models.ForeignKey(Agent, verbose_name=_("agent"), null=True, blank=True, on_delete=models.SET_NULL)
    claimed_by = models.CharField(_("ringt av"), max_length=64, blank=True, default="")
    answered_at = models.DateTimeField(_("besvart"), null=True, blank=True)
    outcome = models.CharField(_("utfall"), max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tilbakeringing")
        verbose_name_plural = _("tilbakeringinger")
        ordering = ["joined_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=CallbackState.values), name="callback_state_valid"),
            models.UniqueConstraint(fields=["uniqueid"], condition=~Q(uniqueid=""), name="callback_one_per_visit"),
            models.CheckConstraint(condition=~Q(state="dialling") | ~Q(claimed_by=""),
                                   name="callback_dialling_is_claimed"),
        ]
        indexes = [models.Index(fields=["queue", "state", "joined_at"])]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_state_display()})"


# --- Skills and priority routing (docs/ferdighetsruting.md) ----------------------------------------------------------

class QueueRouting(models.Model):
    """Skill routing of a queue: at first only agents at ``start_level`` or above (in every required skill) are
    offered the call; every ``widen_after_seconds`` the circle widens by ``widen_levels`` levels. Rendered as
    app_queue's QUEUE_MAX_PENALTY and a queue rule (penalty = 10 - the agent's lowest required level)."""

    queue = models.OneToOneField(Queue, verbose_name=_("kø"), related_name="routing", on_delete=models.CASCADE)
    start_level = models.PositiveSmallIntegerField(_("først bare agenter med nivå minst"), default=8,
                                                   validators=[MinValueValidator(1), MaxValueValidator(10)])
    widen_after_seconds = models.PositiveSmallIntegerField(_("utvid etter (s)"), default=30,
                                                           validators=[MinValueValidator(1), MaxValueValidator(3600)])
    widen_levels = models.PositiveSmallIntegerField(_("utvid med nivåer"), default=2,
                                                    validators=[MinValueValidator(1), MaxValueValidator(9)])

    class Meta:
        verbose_name = _("ferdighetsruting")
        verbose_name_plural = _("ferdighetsruting")
        constraints = [
            models.CheckConstraint(condition=Q(start_level__gte=1) & Q(start_level__lte=10),
                                   name="queuerouting_start_level_range"),
            models.CheckConstraint(condition=Q(widen_levels__gte=1) & Q(widen_levels__lte=9),
                                   name="queuerouting_widen_levels_range"),
            models.CheckConstraint(condition=Q(widen_after_seconds__gte=1), name="queuerouting_widen_after_positive"),
        ]

    def __str__(self) -> str:
        return str(self.queue)


class PriorityCaller(models.Model):
    """A caller number served ahead of the others in every queue of the agency (QUEUE_PRIO)."""

    number = models.CharField(_("nummer"), max_length=16, unique=True,
                              validators=[RegexValidator(r"^\+?[0-9]{3,15}$", _("Bare sifre, eventuelt med + først."))])
    note = models.CharField(_("merknad"), max_length=100, blank=True, default="", validators=plain)

    class Meta:
        verbose_name = _("prioritert innringer")
        verbose_name_plural = _("prioriterte innringere")
        ordering = ["number"]
        constraints = [models.CheckConstraint(condition=Q(number__regex=r"^\+?[0-9]{3,15}$"),
                                              name="prioritycaller_number_digits")]

    def __str__(self) -> str:
        return self.number
