"""Where a call can be sent: a small registry so that apps above switchboard
(contactcenter's queues) can add kinds without switchboard importing them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models import Q
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _

from tenants.validators import normalize_e164


class DestinationKind(models.TextChoices):
    EXTENSION = "extension", _("Internnummer")
    VOICEMAIL = "voicemail", _("Talepostkasse")
    IVR = "ivr", _("Talemeny")
    QUEUE = "queue", _("Kø")
    EXTERNAL = "external", _("Annet nummer")
    HANGUP = "hangup", _("Legg på")


REF_KINDS = ("extension", "voicemail", "ivr", "queue")


@dataclass(frozen=True)
class Resolver:
    """How to list and check targets of one kind (run inside the agency's schema)."""

    choices: Callable[[], list[tuple[int, str]]]
    exists: Callable[[int], bool]
    model: type[models.Model] | None = None


_RESOLVERS: dict[str, Resolver] = {}
# Models whose rows send calls somewhere (DestinationMixin), with how to name one row to a user.
_REFERRERS: dict[type[models.Model], Callable[[models.Model], str]] = {}
# Functions that tell whether an internal number is taken by something other than an extension.
_NUMBER_CLAIMS: list[Callable[[str], str | None]] = []


def register_kind(kind: str, resolver: Resolver) -> None:
    _RESOLVERS[kind] = resolver


def register_referrer(model: type[models.Model], describe: Callable[[models.Model], str]) -> None:
    """A model with a destination (DID, IVR option, schedule, queue overflow) and how to describe a row."""
    _REFERRERS[model] = describe


def register_number_claim(fn: Callable[[str], str | None]) -> None:
    if fn not in _NUMBER_CLAIMS:
        _NUMBER_CLAIMS.append(fn)


def number_claims() -> list[Callable[[str], str | None]]:
    return list(_NUMBER_CLAIMS)


def destination_constraint(prefix: str) -> models.CheckConstraint:
    """Database guarantee that a destination is coherent: a reference only for kinds that
    take one, a number only for 'external'."""
    return models.CheckConstraint(
        condition=(
            (Q(dest_kind__in=REF_KINDS) & Q(dest_ref__isnull=False) & Q(dest_number=""))
            | (Q(dest_kind="external") & Q(dest_ref__isnull=True) & ~Q(dest_number=""))
            | (Q(dest_kind="hangup") & Q(dest_ref__isnull=True) & Q(dest_number=""))
        ),
        name=f"{prefix}_destination_coherent",
    )


class DestinationMixin(models.Model):
    dest_kind = models.CharField(_("mål"), max_length=16, choices=DestinationKind.choices, default="hangup")
    dest_ref = models.PositiveIntegerField(_("mål-ID"), null=True, blank=True)
    dest_number = models.CharField(_("eksternt nummer"), max_length=16, blank=True, default="")

    class Meta:
        abstract = True

    def clean_destination(self) -> None:
        destination_validate(kind=self.dest_kind, ref=self.dest_ref, number=self.dest_number)
        if self.dest_kind == "external":
            self.dest_number = normalize_e164(self.dest_number)

    def clean(self) -> None:
        super().clean()
        self.clean_destination()

    @property
    def destination_key(self) -> str:
        return f"{self.dest_kind}:{self.dest_ref}" if self.dest_ref is not None else self.dest_kind


def destination_validate(*, kind: str, ref: int | None, number: str) -> None:
    if kind not in DestinationKind.values:
        raise ValidationError({"dest_kind": _("Ukjent måltype.")})
    if kind in REF_KINDS:
        if ref is None:
            raise ValidationError({"dest_ref": _("Velg et mål.")})
        resolver = _RESOLVERS.get(kind)
        if resolver is None or not resolver.exists(ref):
            raise ValidationError({"dest_ref": _("Målet finnes ikke i denne etaten.")})
    elif kind == "external":
        if not number:
            raise ValidationError({"dest_number": _("Oppgi nummeret samtalen skal sendes til.")})
        normalize_e164(number)


def destination_choices() -> list[tuple[str, str]]:
    """All targets in the current agency, as (key, label) for forms."""
    out: list[tuple[str, str]] = [("hangup", str(_("Legg på"))), ("external", str(_("Annet nummer (fyll inn)")))]
    for kind in REF_KINDS:
        resolver = _RESOLVERS.get(kind)
        if resolver is None:
            continue
        label = DestinationKind(kind).label
        out.extend((f"{kind}:{pk}", f"{label}: {text}") for pk, text in resolver.choices())
    return out


def destination_kind_of(obj: models.Model) -> str | None:
    """The destination kind an object is (an extension, voicemail, IVR menu or queue), or None."""
    for kind, resolver in _RESOLVERS.items():
        if resolver.model is not None and isinstance(obj, resolver.model):
            return kind
    return None


def destination_referrers(*, kind: str, ref: int, ignore: Iterable[models.Model] = ()) -> list[str]:
    """Everything that sends calls to ``kind:ref`` (run inside the agency's schema), described for a user."""
    skip = {(type(o), o.pk) for o in ignore}
    out: list[str] = []
    for model, describe in _REFERRERS.items():
        for row in model.objects.filter(dest_kind=kind, dest_ref=ref).order_by("pk"):
            if (type(row), row.pk) not in skip:
                out.append(describe(row))
    return out


def _deleted_with(obj: models.Model) -> list[models.Model]:
    """``obj`` and every row deleting it would delete by cascade (e.g. an extension's voicemail)."""
    collector = Collector(using=router.db_for_write(type(obj)))
    try:
        collector.collect([obj])
    except (ProtectedError, RestrictedError):
        return [obj]
    doomed: list[models.Model] = [o for objs in collector.data.values() for o in objs]
    for qs in collector.fast_deletes:
        doomed.extend(qs)
    return doomed


def delete_blockers(obj: models.Model) -> list[str]:
    """Why ``obj`` cannot be deleted: what still sends calls to it (or to something deleted with it)."""
    doomed = _deleted_with(obj)
    out: list[str] = []
    for item in doomed:
        kind = destination_kind_of(item)
        if kind is not None and item.pk is not None:
            out.extend(destination_referrers(kind=kind, ref=item.pk, ignore=doomed))
    return out


def destination_delete_check(obj: models.Model) -> None:
    """Refuse (ValidationError) to delete a destination that something still sends calls to."""
    blockers = delete_blockers(obj)
    if blockers:
        raise ValidationError(
            _("«%(obj)s» kan ikke slettes fordi samtaler fortsatt sendes dit fra: %(list)s. "
              "Velg et annet mål der først.") % {"obj": obj, "list": "; ".join(blockers)},
            code="destination_in_use",
        )
