"""Agency-schema models of the PBX and switchboard: directory, extensions, phones,
numbers (DIDs), voicemail, opening hours and IVR menus."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from switchboard.destinations import DestinationMixin, destination_constraint
from switchboard.tiers import TIER_CHOICES
from tenants.validators import (
    validate_e164,
    validate_extension,
    validate_norwegian_e164,
    validate_plain_text,
    validate_safe_text,
    validate_secret_ref,
)

safe = [validate_safe_text]  # values Asterisk reads (e-mail in voicemail.conf)
plain = [validate_plain_text]  # free text: only ever written into config comments


class Person(models.Model):
    first_name = models.CharField(_("fornavn"), max_length=100, validators=plain)
    last_name = models.CharField(_("etternavn"), max_length=100, validators=plain)
    title = models.CharField(_("stilling"), max_length=150, blank=True, default="", validators=plain)
    department = models.CharField(_("avdeling"), max_length=150, blank=True, default="", validators=plain)
    email = models.EmailField(_("e-post"), blank=True, default="", validators=safe)
    mobile = models.CharField(_("mobil"), max_length=16, blank=True, default="", validators=[validate_e164])
    user = models.OneToOneField("auth.User", verbose_name=_("brukerkonto"), null=True, blank=True,
                                related_name="person", on_delete=models.SET_NULL,
                                help_text=_("Kontoen personen logger inn med (egen side for talepost og myk telefon)."))

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("personer")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"]), models.Index(fields=["department"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Extension(models.Model):
    """An internal number. Dialling it rings every phone on it, then voicemail if there is one."""

    number = models.CharField(_("internnummer"), max_length=6, unique=True, validators=[validate_extension])
    person = models.ForeignKey(Person, verbose_name=_("person"), null=True, blank=True,
                               related_name="extensions", on_delete=models.SET_NULL)
    label = models.CharField(_("betegnelse"), max_length=100, blank=True, default="", validators=plain)
    outbound_number = models.CharField(
        _("utgående nummer"), max_length=16, blank=True, default="", validators=[validate_norwegian_e164],
        help_text=_("Direktenummer som vises når det ringes ut. Tomt: etatens hovednummer."),
    )
    ring_seconds = models.PositiveSmallIntegerField(
        _("ringetid (s)"), default=20, validators=[MinValueValidator(5), MaxValueValidator(120)]
    )

    class Meta:
        verbose_name = _("internnummer")
        verbose_name_plural = _("internnumre")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__regex=r"^[1-9][0-9]{1,5}$"), name="extension_number_format"),
            models.CheckConstraint(condition=Q(ring_seconds__gte=5) & Q(ring_seconds__lte=120),
                                   name="extension_ring_seconds_range"),
        ]

    def __str__(self) -> str:
        who = self.label or (str(self.person) if self.person_id else "")
        return f"{self.number} {who}".strip()

    def clean(self) -> None:
        super().clean()
        from switchboard.destinations import number_claims

        for claim in number_claims():
            taken_by = claim(self.number)
            if taken_by:
                raise ValidationError({"number": _("Nummeret %(n)s er allerede brukt av %(what)s.")
                                       % {"n": self.number, "what": taken_by}})
        if self.outbound_number:
            _require_allocated(self.outbound_number, "outbound_number")



def _new_secret() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class Phone(models.Model):
    """A SIP phone. Its SIP username is built from the agency slug and its ID."""

    extension = models.ForeignKey(Extension, verbose_name=_("internnummer"), related_name="phones",
                                  on_delete=models.PROTECT)
    tier = models.CharField(_("nivå"), max_length=10, choices=TIER_CHOICES, default="standard")
    label = models.CharField(_("betegnelse"), max_length=100, blank=True, default="", validators=plain)
    mac_address = models.CharField(
        _("MAC-adresse"), max_length=17, blank=True, default="",
        validators=[RegexValidator(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$", _("Skriv MAC-adressen som aa:bb:cc:dd:ee:ff."))],
    )
    sip_password = models.CharField(_("SIP-passord"), max_length=64, editable=False,
                                    validators=[RegexValidator(r"^[A-Za-z0-9_-]{16,64}$")])
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_softphone = models.BooleanField(_("myk telefon (nettleser)"), default=False,
                                       help_text=_("Telefonen er nettlesertelefonen til personen på internnummeret."))
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    provisioning_secret = models.CharField(_("oppsettnøkkel"), max_length=64, editable=False, default=_new_secret,
                                           validators=[RegexValidator(r"^[A-Za-z0-9_-]{24,64}$")])

    class Meta:
        verbose_name = _("telefon")
        verbose_name_plural = _("telefoner")
        ordering = ["extension__number", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(tier__in=["simple", "standard", "advanced"]), name="phone_tier_valid"),
            models.CheckConstraint(condition=Q(sip_password__regex=r"^[A-Za-z0-9_-]{16,64}$"),
                                   name="phone_sip_password_format"),
            models.CheckConstraint(condition=Q(provisioning_secret__regex=r"^[A-Za-z0-9_-]{24,64}$"),
                                   name="phone_provisioning_secret_format"),
            models.CheckConstraint(condition=Q(mac_address="") | Q(mac_address__regex=r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$"),
                                   name="phone_mac_format"),
            models.UniqueConstraint(fields=["mac_address"], condition=~Q(mac_address=""), name="phone_mac_unique",
                                    violation_error_message=_("En annen telefon har allerede denne MAC-adressen.")),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} #{self.pk} ({self.extension.number})"


class Voicemail(models.Model):
    extension = models.OneToOneField(Extension, verbose_name=_("internnummer"), related_name="voicemail",
                                     on_delete=models.CASCADE)
    pin = models.CharField(_("PIN"), max_length=8, validators=[RegexValidator(r"^[0-9]{4,8}$", _("PIN er 4–8 sifre."))])
    email = models.EmailField(_("varsel til e-post"), blank=True, default="", validators=safe)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("talepostkasse")
        verbose_name_plural = _("talepostkasser")
        constraints = [models.CheckConstraint(condition=Q(pin__regex=r"^[0-9]{4,8}$"), name="voicemail_pin_format")]

    def __str__(self) -> str:
        return str(_("Talepost %(n)s") % {"n": self.extension.number})

    def clean(self) -> None:
        super().clean()
        if self.pin and self.extension_id:
            reason = pin_weakness(self.pin, self.extension.number)
            if reason:
                raise ValidationError({"pin": reason})


def pin_weakness(pin: str, extension_number: str) -> str | None:
    """Why a voicemail PIN is too easy to guess, or None. Too short, one digit repeated (0000), a run up
    (1234, 3456, 0123), two digits repeated (1212), or the extension number itself."""
    if not re.fullmatch(r"[0-9]{4,8}", pin or ""):
        return str(_("PIN er 4–8 sifre."))
    if len(set(pin)) == 1:
        return str(_("PIN kan ikke være samme siffer gjentatt."))
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps == {1} or pin in "0123456789":
        return str(_("PIN kan ikke være en rekke som 1234."))
    if len(pin) % 2 == 0 and pin == pin[:2] * (len(pin) // 2):
        return str(_("PIN kan ikke være et gjentatt mønster som 1212."))
    if pin == extension_number or pin in {extension_number * 2, extension_number[::-1]}:
        return str(_("PIN kan ikke være internnummeret."))
    return None


class Schedule(DestinationMixin):
    """Opening hours. Outside them (and on Norwegian public holidays, if chosen) calls go
    to the schedule's destination."""

    name = models.CharField(_("navn"), max_length=100, validators=plain)
    closed_on_public_holidays = models.BooleanField(_("stengt på helligdager"), default=True)

    class Meta:
        verbose_name = _("åpningstid")
        verbose_name_plural = _("åpningstider")
        constraints = [destination_constraint("schedule")]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MON = 0, _("mandag")
    TUE = 1, _("tirsdag")
    WED = 2, _("onsdag")
    THU = 3, _("torsdag")
    FRI = 4, _("fredag")
    SAT = 5, _("lørdag")
    SUN = 6, _("søndag")


class ScheduleRule(models.Model):
    schedule = models.ForeignKey(Schedule, related_name="rules", on_delete=models.CASCADE)
    weekday = models.PositiveSmallIntegerField(_("ukedag"), choices=Weekday.choices)
    opens = models.TimeField(_("åpner"))
    closes = models.TimeField(_("stenger"))

    class Meta:
        verbose_name = _("åpningsperiode")
        verbose_name_plural = _("åpningsperioder")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="schedulerule_opens_before_closes"),
            models.CheckConstraint(condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="schedulerule_weekday"),
        ]


class ClosedDay(models.Model):
    schedule = models.ForeignKey(Schedule, related_name="closed_days", on_delete=models.CASCADE)
    date = models.DateField(_("dato"))
    note = models.CharField(_("merknad"), max_length=100, blank=True, default="", validators=plain)

    class Meta:
        verbose_name = _("stengt dag")
        verbose_name_plural = _("stengte dager")
        constraints = [models.UniqueConstraint(fields=["schedule", "date"], name="closedday_unique")]


sound_name = RegexValidator(r"^[a-z0-9][a-z0-9_/-]{0,80}$", _("Lydnavn kan bare ha a–z, 0–9, _, - og /."))


class IvrMenu(models.Model):
    name = models.CharField(_("navn"), max_length=100, validators=plain)
    prompt = models.CharField(_("lydfil"), max_length=80, default="demo-instruct", validators=[sound_name])
    timeout_seconds = models.PositiveSmallIntegerField(
        _("ventetid (s)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )

    class Meta:
        verbose_name = _("talemeny")
        verbose_name_plural = _("talemenyer")
        constraints = [
            models.CheckConstraint(condition=Q(prompt__regex=r"^[a-z0-9][a-z0-9_/-]{0,80}$"), name="ivrmenu_prompt"),
        ]

    def __str__(self) -> str:
        return self.name


class IvrOption(DestinationMixin):
    menu = models.ForeignKey(IvrMenu, related_name="options", on_delete=models.CASCADE)
    digit = models.CharField(_("tast"), max_length=1, validators=[RegexValidator(r"^[0-9*#]$")])

    class Meta:
        verbose_name = _("valg")
        verbose_name_plural = _("valg")
        ordering = ["digit"]
        constraints = [
            models.UniqueConstraint(fields=["menu", "digit"], name="ivroption_unique_digit"),
            models.CheckConstraint(condition=Q(digit__regex=r"^[0-9*#]$"), name="ivroption_digit"),
            destination_constraint("ivroption"),
        ]


class Did(DestinationMixin):
    """A public number (direct inward dialling) and where its calls go."""

    number = models.CharField(_("nummer"), max_length=16, unique=True, validators=[validate_norwegian_e164])
    label = models.CharField(_("betegnelse"), max_length=100, blank=True, default="", validators=plain)
    schedule = models.ForeignKey(Schedule, verbose_name=_("åpningstid"), null=True, blank=True,
                                 related_name="dids", on_delete=models.PROTECT)
    priority = models.BooleanField(_("prioritert"), default=False, help_text=_(
        "Innringere på dette nummeret går foran vanlige innringere i køen det sender til."))

    class Meta:
        verbose_name = _("innringingsnummer")
        verbose_name_plural = _("innringingsnumre")
        ordering = ["number"]
        constraints = [destination_constraint("did")]

    def clean(self) -> None:
        super().clean()
        if self.number:
            _require_allocated(self.number, "number")

    def __str__(self) -> str:
        return self.number


def _require_allocated(e164: str, field: str) -> None:
    """A public number must be allocated to the current agency in the public schema. A value that is
    not a number at all has already been refused by the field's own validator: nothing to add here."""
    from tenants.selectors import number_is_allocated, number_owner

    if not re.fullmatch(r"\+[0-9]{8,15}", e164 or ""):
        return
    schema = connection.schema_name
    if number_is_allocated(schema_name=schema, e164=e164):
        return
    if number_owner(e164=e164) is not None:
        raise ValidationError({field: _("Nummeret %(n)s tilhører en annen etat.") % {"n": e164}})
    raise ValidationError({field: _("Nummeret %(n)s er ikke tildelt etaten. Be plattformen om å tildele det.")
                           % {"n": e164}})


# --- the attendant console (sentralbord), directories and presence ---------------------------------------------------

class AttendantSettings(models.Model):
    """A switchboard number of the agency: calls to it wait for the operators in the attendant console."""

    number = models.CharField(_("sentralbordnummer"), max_length=16, unique=True, validators=[validate_norwegian_e164])
    name = models.CharField(_("navn"), max_length=100, default="Sentralbord", validators=plain)
    return_seconds = models.PositiveSmallIntegerField(
        _("tid før tilbakefall (s)"), default=30, validators=[MinValueValidator(5), MaxValueValidator(300)],
        help_text=_("En overføring som ikke besvares innen denne tiden, kommer tilbake til operatørene, merket."))

    class Meta:
        verbose_name = _("sentralbord")
        verbose_name_plural = _("sentralbord")
        ordering = ["number"]
        constraints = [models.CheckConstraint(condition=Q(return_seconds__gte=5) & Q(return_seconds__lte=300),
                                              name="attendant_return_seconds_range")]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    def clean(self) -> None:
        super().clean()
        if self.number:
            _require_allocated(self.number, "number")
            if Did.objects.filter(number=self.number).exists():
                raise ValidationError({"number": _("Nummeret %(n)s er allerede et innringingsnummer.")
                                       % {"n": self.number}})


class Operator(models.Model):
    """A user who works the attendant console, and the extension whose phone rings when they answer a call."""

    user = models.OneToOneField("auth.User", verbose_name=_("brukerkonto"), related_name="switchboard_operator",
                                on_delete=models.CASCADE)
    extension = models.ForeignKey(Extension, verbose_name=_("internnummer"), related_name="operators",
                                  on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("operatør")
        verbose_name_plural = _("operatører")

    def __str__(self) -> str:
        return f"{self.user} ({self.extension.number})"


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("e-post")
    SMS = "sms", _("SMS")


class AttendantMessage(models.Model):
    """A message the operator took for a person, sent by e-mail or by SMS to the person's mobile (through the SMS
    app, so the SMS is in the SMS log like every other; ``sms_send`` links to it)."""

    person = models.ForeignKey(Person, verbose_name=_("person"), related_name="messages", on_delete=models.CASCADE)
    caller_number = models.CharField(_("innringer"), max_length=40, blank=True, default="")
    caller_name = models.CharField(_("navn på innringer"), max_length=150, blank=True, default="", validators=plain)
    text = models.TextField(_("beskjed"), max_length=2000, validators=plain)
    taken_by = models.CharField(_("tatt av"), max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("tatt"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    channel = models.CharField(_("sendt som"), max_length=8, choices=MessageChannel.choices, default=MessageChannel.EMAIL)
    sms_send = models.ForeignKey("outbound.SmsSend", verbose_name=_("SMS-utsending"), null=True, blank=True,
                                 related_name="+", on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("beskjed")
        verbose_name_plural = _("beskjeder")
        ordering = ["-created_at"]


class DirectoryKind(models.TextChoices):
    LDAP = "ldap", _("LDAP")
    HTTP = "http", _("HTTP (JSON)")


class DirectorySource(models.Model):
    """An external phone directory searched beside the agency's own people (LDAP or an HTTP/JSON service)."""

    name = models.CharField(_("navn"), max_length=100, validators=plain)
    kind = models.CharField(_("type"), max_length=8, choices=DirectoryKind.choices)
    url = models.CharField(_("adresse"), max_length=300, validators=safe,
                           help_text=_("ldap://vert:port eller https://vert/sti (HTTP: søket legges til som ?q=)."))
    base_dn = models.CharField(_("søkebase (LDAP)"), max_length=300, blank=True, default="", validators=plain)
    bind_dn = models.CharField(_("innloggings-DN (LDAP)"), max_length=300, blank=True, default="", validators=plain)
    secret_ref = models.CharField(
        _("hemmelighet"), max_length=255, blank=True, default="", validators=[validate_secret_ref],
        help_text=_("env:VARIABEL eller file:filnavn (i hemmelighetsmappen). Selve passordet lagres aldri i databasen."))
    timeout_ms = models.PositiveIntegerField(_("tidsgrense (ms)"), default=800,
                                             validators=[MinValueValidator(50), MaxValueValidator(5000)])
    cache_seconds = models.PositiveIntegerField(_("hurtigbuffer (s)"), default=300,
                                                validators=[MinValueValidator(0), MaxValueValidator(86400)])
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("katalog")
        verbose_name_plural = _("kataloger")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["ldap", "http"]), name="directorysource_kind"),
            models.CheckConstraint(condition=Q(timeout_ms__gte=50) & Q(timeout_ms__lte=5000),
                                   name="directorysource_timeout_range"),
            models.CheckConstraint(condition=Q(secret_ref="") | Q(secret_ref__startswith="env:")
                                   | Q(secret_ref__startswith="file:"), name="directorysource_secret_ref_kind"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        scheme = self.url.split("://", 1)[0].lower() if "://" in self.url else ""
        allowed = ("ldap", "ldaps") if self.kind == "ldap" else ("http", "https")
        if scheme not in allowed:
            raise ValidationError({"url": _("Adressen må begynne med %(s)s://.") % {"s": allowed[0]}})


class Vendor(models.TextChoices):
    YEALINK = "yealink", "Yealink"
    SNOM = "snom", "Snom"


class ProvisioningFetch(models.Model):
    """One request for a phone's configuration file, answered or not."""

    class Outcome(models.TextChoices):
        SERVED = "served", _("levert")
        UNKNOWN = "unknown", _("ukjent MAC-adresse")
        DENIED = "denied", _("feil oppsettnøkkel")

    at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)
    mac_address = models.CharField(_("MAC-adresse"), max_length=17)
    vendor = models.CharField(_("leverandør"), max_length=10, choices=Vendor.choices)
    phone = models.ForeignKey(Phone, verbose_name=_("telefon"), null=True, blank=True, related_name="fetches",
                              on_delete=models.SET_NULL)
    outcome = models.CharField(_("utfall"), max_length=10, choices=Outcome.choices)
    remote_addr = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)
    user_agent = models.CharField(_("klient"), max_length=255, blank=True, default="")

    class Meta:
        verbose_name = _("henting av oppsett")
        verbose_name_plural = _("hentinger av oppsett")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=["served", "unknown", "denied"]), name="fetch_outcome"),
            models.CheckConstraint(condition=Q(outcome="served") | Q(outcome="denied") | Q(phone__isnull=True),
                                   name="fetch_unknown_has_no_phone"),
        ]


class UnknownDevice(models.Model):
    """A phone that asked for configuration with a MAC address no phone has. The admin claims it by giving a
    phone that MAC address; then this row goes away."""

    mac_address = models.CharField(_("MAC-adresse"), max_length=17, unique=True)
    vendor = models.CharField(_("leverandør"), max_length=10, choices=Vendor.choices)
    user_agent = models.CharField(_("klient"), max_length=255, blank=True, default="")
    remote_addr = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)
    first_seen = models.DateTimeField(_("først sett"), auto_now_add=True)
    last_seen = models.DateTimeField(_("sist sett"), auto_now=True)
    fetches = models.PositiveIntegerField(_("antall forsøk"), default=1)

    class Meta:
        verbose_name = _("ukjent telefon")
        verbose_name_plural = _("ukjente telefoner")
        ordering = ["-last_seen"]
        constraints = [models.CheckConstraint(condition=Q(mac_address__regex=r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$"),
                                              name="unknowndevice_mac_format")]

    def __str__(self) -> str:
        return self.mac_address


GUID = RegexValidator(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                      _("Skriv en GUID, for eksempel 72f988bf-86f1-41af-91ab-2d7cd011db47."))


class M365Tenant(models.Model):
    """A Microsoft 365 (Entra ID) tenant the agency reads calendars and contacts from, with an app registration
    that has the application permissions Calendars.Read, MailboxSettings.Read, Contacts.Read and User.Read.All.
    The client secret is never stored: ``client_secret_ref`` names where it is (env:NAME or file:NAME)."""

    name = models.CharField(_("navn"), max_length=100, validators=plain)
    tenant_id = models.CharField(_("tenant-ID"), max_length=36, unique=True, validators=[GUID])
    client_id = models.CharField(_("klient-ID (app)"), max_length=36, validators=[GUID])
    client_secret_ref = models.CharField(
        _("klienthemmelighet"), max_length=255, validators=[validate_secret_ref],
        help_text=_("env:VARIABEL eller file:filnavn (i hemmelighetsmappen). Selve hemmeligheten lagres aldri i "
                    "databasen og vises aldri."))
    authority_host = models.URLField(_("påloggingstjener"), default="https://login.microsoftonline.com")
    graph_url = models.URLField(_("Graph-adresse"), default="https://graph.microsoft.com/v1.0")
    is_active = models.BooleanField(_("aktiv"), default=True)
    last_sync_at = models.DateTimeField(_("sist synkronisert"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("siste feil"), blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("Microsoft 365-tenant")
        verbose_name_plural = _("Microsoft 365-tenanter")
        constraints = [models.CheckConstraint(condition=Q(client_secret_ref__startswith="env:")
                                              | Q(client_secret_ref__startswith="file:"), name="m365_secret_ref_kind")]

    def __str__(self) -> str:
        return self.name


class PresenceStatus(models.TextChoices):
    AVAILABLE = "available", _("Tilgjengelig")
    BUSY = "busy", _("Opptatt")
    AWAY = "away", _("Borte")
    DND = "dnd", _("Ikke forstyrr")
    OFFLINE = "offline", _("Frakoblet")


class PersonStatus(models.Model):
    """The status a person sets (and until when)."""

    person = models.OneToOneField(Person, related_name="status", on_delete=models.CASCADE)
    status = models.CharField(_("status"), max_length=10, choices=PresenceStatus.choices, default="available")
    note = models.CharField(_("merknad"), max_length=150, blank=True, default="", validators=plain)
    until = models.DateTimeField(_("til"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("egen status")
        verbose_name_plural = _("egne statuser")
        constraints = [models.CheckConstraint(condition=Q(status__in=["available", "busy", "away", "dnd", "offline"]),
                                              name="personstatus_status")]


class CalendarPresence(models.Model):
    """What a person's calendar says now (in a meeting, out of office until ...). Filled by a calendar source (the
    Microsoft 365 sync); the presence merge reads it through ``switchboard.presence``."""

    person = models.OneToOneField(Person, related_name="calendar_presence", on_delete=models.CASCADE)
    state = models.CharField(_("kalender"), max_length=16, choices=[
        ("free", _("Ledig")), ("busy", _("I møte")), ("tentative", _("Foreløpig")), ("oof", _("Fraværende")),
        ("elsewhere", _("Jobber annet sted"))], default="free")
    until = models.DateTimeField(_("til"), null=True, blank=True)
    location = models.CharField(_("sted"), max_length=150, blank=True, default="", validators=plain)
    source = models.CharField(_("kilde"), max_length=64, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kalenderstatus")
        verbose_name_plural = _("kalenderstatuser")
        constraints = [models.CheckConstraint(
            condition=Q(state__in=["free", "busy", "tentative", "oof", "elsewhere"]), name="calendarpresence_state")]


class MobilePresenceSource(models.Model):
    """The mobile operator's presence API for the agency's mobile numbers (see docs/tilstedevaerelse.md)."""

    url = models.CharField(_("adresse"), max_length=300, validators=safe)
    secret_ref = models.CharField(_("hemmelighet"), max_length=255, validators=[validate_secret_ref],
                                  help_text=_("env:VARIABEL eller file:filnavn (API-nøkkel). Lagres aldri i databasen."))
    timeout_ms = models.PositiveIntegerField(_("tidsgrense (ms)"), default=800,
                                             validators=[MinValueValidator(50), MaxValueValidator(5000)])
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("mobil tilstedeværelse")
        verbose_name_plural = _("mobil tilstedeværelse")

class ShowAs(models.TextChoices):
    FREE = "free", _("ledig")
    TENTATIVE = "tentative", _("foreløpig")
    BUSY = "busy", _("opptatt")
    OOF = "oof", _("borte")
    WORKING_ELSEWHERE = "workingElsewhere", _("jobber et annet sted")
    UNKNOWN = "unknown", _("ukjent")


class CalendarBlock(models.Model):
    """One calendar event of a person (only time, free/busy, location: never the subject or body)."""

    tenant = models.ForeignKey(M365Tenant, related_name="calendar_blocks", on_delete=models.CASCADE)
    person = models.ForeignKey(Person, related_name="calendar_blocks", on_delete=models.CASCADE)
    event_id = models.CharField(max_length=255)
    starts_at = models.DateTimeField(_("fra"))
    ends_at = models.DateTimeField(_("til"))
    show_as = models.CharField(_("vis som"), max_length=20, choices=ShowAs.choices, default=ShowAs.BUSY)
    location = models.CharField(_("sted"), max_length=255, blank=True, default="")
    is_all_day = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("kalenderoppføring")
        verbose_name_plural = _("kalenderoppføringer")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "person", "event_id"], name="calendarblock_unique_event"),
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="calendarblock_order"),
        ]
        indexes = [models.Index(fields=["person", "starts_at", "ends_at"])]


class MailboxState(models.Model):
    """A person's mailbox as last read from Microsoft Graph: out of office, and where the delta syncs stand."""

    person = models.OneToOneField(Person, related_name="mailbox_state", on_delete=models.CASCADE)
    tenant = models.ForeignKey(M365Tenant, related_name="mailboxes", on_delete=models.CASCADE)
    graph_user_id = models.CharField(max_length=64)
    oof_status = models.CharField(_("fraværsmelding"), max_length=20, default="disabled")
    oof_start = models.DateTimeField(null=True, blank=True)
    oof_end = models.DateTimeField(null=True, blank=True)
    calendar_delta_link = models.TextField(blank=True, default="")
    contacts_delta_link = models.TextField(blank=True, default="")
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("postboks")
        verbose_name_plural = _("postbokser")
        constraints = [models.CheckConstraint(condition=Q(oof_status__in=["disabled", "alwaysEnabled", "scheduled"]),
                                              name="mailboxstate_oof_status")]


class ExternalContact(models.Model):
    """A contact from a person's Microsoft 365 contact folder, searchable from the console."""

    tenant = models.ForeignKey(M365Tenant, related_name="contacts", on_delete=models.CASCADE)
    owner = models.ForeignKey(Person, related_name="m365_contacts", on_delete=models.CASCADE)
    graph_id = models.CharField(max_length=255)
    display_name = models.CharField(_("navn"), max_length=255)
    company = models.CharField(_("firma"), max_length=255, blank=True, default="")
    job_title = models.CharField(_("stilling"), max_length=255, blank=True, default="")
    emails = models.CharField(_("e-post"), max_length=1000, blank=True, default="")
    phones = models.CharField(_("telefon"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("kontakt (Microsoft 365)")
        verbose_name_plural = _("kontakter (Microsoft 365)")
        ordering = ["display_name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "owner", "graph_id"], name="externalcontact_unique")]
        indexes = [models.Index(fields=["display_name"])]

    def __str__(self) -> str:
        return self.display_name
