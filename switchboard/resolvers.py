"""Register switchboard's own destination kinds."""

from __future__ import annotations

from django.utils.translation import gettext as _

from switchboard.destinations import Resolver, register_kind, register_referrer
from switchboard.models import Did, Extension, IvrMenu, IvrOption, Schedule, Voicemail
from switchboard.selectors import public_numbers_in_use
from tenants.selectors import register_public_number_user

register_kind("extension", Resolver(
    choices=lambda: [(e.pk, str(e)) for e in Extension.objects.select_related("person")],
    exists=lambda pk: Extension.objects.filter(pk=pk).exists(),
    model=Extension,
))
register_kind("voicemail", Resolver(
    choices=lambda: [(v.pk, v.extension.number) for v in Voicemail.objects.select_related("extension")],
    exists=lambda pk: Voicemail.objects.filter(pk=pk).exists(),
    model=Voicemail,
))
register_kind("ivr", Resolver(
    choices=lambda: [(m.pk, m.name) for m in IvrMenu.objects.all()],
    exists=lambda pk: IvrMenu.objects.filter(pk=pk).exists(),
    model=IvrMenu,
))

register_public_number_user(public_numbers_in_use)
register_referrer(Did, lambda d: _("innringingsnummeret %(n)s") % {"n": d.number})
register_referrer(IvrOption, lambda o: _("tast %(digit)s i talemenyen «%(menu)s»") % {"digit": o.digit, "menu": o.menu})
register_referrer(Schedule, lambda s: _("åpningstiden «%(name)s» (når det er stengt)") % {"name": s.name})
