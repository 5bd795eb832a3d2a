"""Every text the browser code shows through the JS catalog (``t("…")`` / ``gettext("…")`` in the platform's own
static JavaScript) has an English translation in locale/en/djangojs.mo (compiled from the .po), so an English
user sees no Norwegian."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(r"""(?<![\w.])(?:t|gettext)\(\s*"((?:[^"\\]|\\.)+)"\s*\)""")


def _shown_strings() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(ROOT.glob("*/static/**/*.js")):
        if "vendor" in path.parts or ".venv" in path.parts or "node_modules" in path.parts:
            continue
        for match in CALL.finditer(path.read_text()):
            found.setdefault(match.group(1), str(path.relative_to(ROOT)))
    return found


def test_every_js_text_has_an_english_translation() -> None:
    with (ROOT / "locale/en/LC_MESSAGES/djangojs.mo").open("rb") as mo:  # the compiled catalog the site serves
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    shown = _shown_strings()
    assert len(shown) > 40  # the scan finds the consoles', the softphone's and the campaign pages' texts
    missing = [f"{where}: {text}" for text, where in shown.items() if not catalog.get(text)]
    assert missing == [], "uten engelsk oversettelse i djangojs.po:\n" + "\n".join(missing)
