"""Register switchboard's own destination kinds."""

from __future__ import annotations

from switchboard.destinations import Resolver, register_kind
from switchboard.models import Extension, IvrMenu, Voicemail

register_kind("extension", Resolver(
    choices=lambda: [(e.pk, str(e)) for e in Extension.objects.select_related("person")],
    exists=lambda pk: Extension.objects.filter(pk=pk).exists(),
))
register_kind("voicemail", Resolver(
    choices=lambda: [(v.pk, v.extension.number) for v in Voicemail.objects.select_related("extension")],
    exists=lambda pk: Voicemail.objects.filter(pk=pk).exists(),
))
register_kind("ivr", Resolver(
    choices=lambda: [(m.pk, m.name) for m in IvrMenu.objects.all()],
    exists=lambda pk: IvrMenu.objects.filter(pk=pk).exists(),
))
