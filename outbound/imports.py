"""Recipient lists from a file: CSV (UTF-8, ; or , separated) or Excel (.xlsx via openpyxl, first sheet).

The first row names the columns; one column must be ``nummer`` (or ``telefon``/``mobil``/``number``). Every other
column becomes a template variable. ``rows_from_file`` never writes anything: it is the dry run, giving the rows it
could read and a Norwegian error per row it could not.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from outbound.numbers import number_normalise

NUMBER_COLUMNS = ("nummer", "telefon", "mobil", "telefonnummer", "number", "phone")
MAX_ROWS = 100_000


@dataclass
class ImportResult:
    rows: list[dict[str, str]] = field(default_factory=list)  # each with "nummer" normalised
    errors: list[str] = field(default_factory=list)


def _table_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t") if text.strip() else csv.excel
    except csv.Error:  # one column (just numbers): nothing to separate
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _table_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    return [["" if v is None else str(int(v) if isinstance(v, float) and v.is_integer() else v) for v in row]
            for row in sheet.iter_rows(values_only=True)]


def table_from_file(*, name: str, data: bytes) -> list[list[str]]:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        try:
            return _table_xlsx(data)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file, not our error
            raise ValueError(f"Kunne ikke lese Excel-filen: {exc}") from exc
    if lower.endswith((".csv", ".txt")):
        return _table_csv(data)
    raise ValueError("Filen må være CSV (.csv) eller Excel (.xlsx).")


def rows_from_file(*, name: str, data: bytes) -> ImportResult:
    table = [row for row in table_from_file(name=name, data=data) if any(str(c).strip() for c in row)]
    result = ImportResult()
    if not table:
        result.errors.append("Filen er tom.")
        return result
    header = [str(h).strip().lower() for h in table[0]]
    col = next((i for i, h in enumerate(header) if h in NUMBER_COLUMNS), None)
    if col is None:
        result.errors.append("Fant ingen kolonne «nummer» i første rad.")
        return result
    for line, row in enumerate(table[1:MAX_ROWS + 1], start=2):
        cells = {header[i]: str(v).strip() for i, v in enumerate(row) if i < len(header) and header[i]}
        try:
            cells["nummer"] = number_normalise(cells.get(header[col], ""))
        except ValueError as exc:
            result.errors.append(f"Rad {line}: {exc}.")
            continue
        result.rows.append(cells)
    return result
