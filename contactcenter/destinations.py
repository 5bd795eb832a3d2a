"""Make queues a destination and claim queue numbers in the internal number plan."""

from __future__ import annotations

from django.utils.translation import gettext as _

from contactcenter.models import Queue
from switchboard.destinations import Resolver, register_kind, register_number_claim, register_referrer

register_kind("queue", Resolver(
    choices=lambda: [(q.pk, q.name) for q in Queue.objects.all()],
    exists=lambda pk: Queue.objects.filter(pk=pk).exists(),
    model=Queue,
))
register_referrer(Queue, lambda q: _("køen «%(name)s» (overflyt)") % {"name": q.name})


def _queue_number_claim(number: str) -> str | None:
    queue = Queue.objects.filter(number=number).first()
    return _("køen %(name)s") % {"name": queue.name} if queue else None


register_number_claim(_queue_number_claim)
