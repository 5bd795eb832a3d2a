"""Reading the agency's spreadsheets: one sheet (Excel, via openpyxl) or one file (CSV) per kind, first row the
column headings. Headings and sheet names are Norwegian and forgiving about case, spaces and æøå spelling."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# kind -> its columns (first the required ones); the order kinds are imported in.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "personer": (("fornavn", "etternavn"), ("stilling", "avdeling", "e-post", "mobil", "internnummer")),
    "køer": (("navn",), ("internnummer", "strategi")),
    "numre": (("nummer", "mål"), ("betegnelse",)),
    "telefoner": (("internnummer",), ("nivå", "betegnelse", "mac-adresse")),
    "agenter": (("internnummer",), ("køer", "veileder")),
}
ALIASES = {"koer": "køer", "ko": "køer", "kø": "køer", "person": "personer", "nummer": "numre",
           "telefon": "telefoner", "agent": "agenter", "epost": "e-post", "email": "e-post", "mal": "mål",
           "niva": "nivå", "mac": "mac-adresse", "macadresse": "mac-adresse"}
MAX_ROWS = 20000


@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class Sheets:
    rows: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(r) for r in self.rows.values())


def _key(text: str) -> str:
    t = re.sub(r"\s+", "", str(text or "").strip().lower())
    t = t.replace("æ", "ae").replace("ø", "o").replace("å", "a").replace("_", "-")
    norwegian = {k.replace("ø", "o").replace("å", "a").replace("æ", "ae"): k for k in KINDS}
    columns = {c.replace("ø", "o").replace("å", "a"): c for req, opt in KINDS.values() for c in req + opt}
    return norwegian.get(t) or columns.get(t) or ALIASES.get(t.replace("-", ""), ALIASES.get(t, t))


def read_files(files: Iterable[tuple[str, bytes]]) -> Sheets:
    """``files``: (file name, content). An .xlsx gives one kind per sheet; a .csv is the kind its name says."""
    out = Sheets()
    for name, content in files:
        if name.lower().endswith((".xlsx", ".xlsm")):
            _read_workbook(name, content, out)
        elif name.lower().endswith((".csv", ".txt")):
            kind = _key(re.sub(r"\.(csv|txt)$", "", name.rsplit("/", 1)[-1], flags=re.I))
            _add_sheet(name, kind, _csv_rows(content), out)
        else:
            out.problems.append(Problem(name, 0, "", _("Filtypen støttes ikke: bruk .xlsx eller .csv.")))
    return out


def _csv_rows(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t") if text.strip() else csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_workbook(name: str, content: bytes, out: Sheets) -> None:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's input error
        out.problems.append(Problem(name, 0, "", _("Regnearket kan ikke leses: %(e)s") % {"e": exc}))
        return
    for ws in wb.worksheets:
        rows = [["" if v is None else _cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
        _add_sheet(ws.title, _key(ws.title), rows, out)
    wb.close()


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _add_sheet(sheet: str, kind: str, rows: list[list[str]], out: Sheets) -> None:
    if kind not in KINDS:
        out.problems.append(Problem(sheet, 0, "", _("Ukjent ark «%(s)s»: bruk %(kinds)s.")
                                    % {"s": sheet, "kinds": ", ".join(KINDS)}))
        return
    if not rows:
        return
    header = [_key(h) for h in rows[0]]
    required, optional = KINDS[kind]
    for col in header:
        if col and col not in required + optional:
            out.problems.append(Problem(sheet, 1, col, _("Ukjent kolonne «%(c)s».") % {"c": col}))
    for col in required:
        if col not in header:
            out.problems.append(Problem(sheet, 1, col, _("Kolonnen «%(c)s» mangler.") % {"c": col}))
    if len(rows) - 1 > MAX_ROWS:
        out.problems.append(Problem(sheet, 0, "", _("For mange rader (høyst %(n)s).") % {"n": MAX_ROWS}))
        return
    target = out.rows.setdefault(kind, [])
    for number, row in enumerate(rows[1:], start=2):
        values = {col: str(v).strip() for col, v in zip(header, row, strict=False) if col}
        if any(values.values()):
            target.append((number, values))
