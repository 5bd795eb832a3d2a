"""The API's language: ``?lang=nb|en``, else the request's ``Accept-Language``, else bokmål."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header


def request_language(request) -> str:  # type: ignore[no-untyped-def]
    languages = {code for code, _name in settings.LANGUAGES}
    asked = request.GET.get("lang", "")
    if asked in languages:
        return asked
    for code, _q in parse_accept_lang_header(request.headers.get("Accept-Language", "")[:200]):
        if code == "*":
            break
        if code.split("-")[0] in {"no", "nn"}:  # Norwegian in general: bokmål
            return "nb"
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE
