"""``mailcmd`` of voicemail.conf: reads the e-mail app_voicemail composed (sendmail -t style, on stdin) and sends
it through Django's e-mail backend. Thin: the work is ``switchboard.services.voicemail_mail_forward``."""

from __future__ import annotations

import logging
import sys

from django.core.management.base import BaseCommand

from switchboard.services import voicemail_mail_forward

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Sender en talepost-e-post fra Asterisk (mailcmd) videre via plattformens e-posttjener."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("-t", action="store_true", help="som sendmail -t: mottakere fra To/Cc (alltid)")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        sent = voicemail_mail_forward(raw=sys.stdin.buffer.read())
        log.info("talepost-e-post sendt: %s", sent)
