"""The archive's LESMEG.md: every file and every column described in Norwegian, generated from the models
(verbose_name, help_text, field type), so a new table or column is described without anyone writing it."""

from __future__ import annotations

from pathlib import Path

from django.db import models
from django.utils import translation

from agencydata import archive
from agencydata.tables import columns, label

INTRO = (Path(__file__).with_name("lesmeg_intro.md")).read_text(encoding="utf-8")


def readme_text(models_in_order: list[type[models.Model]]) -> str:
    with translation.override("nb"):
        parts = [INTRO]
        for model in models_in_order:
            parts.append(_table_section(model))
        return "\n".join(parts)


def _table_section(model: type[models.Model]) -> str:
    meta = model._meta
    lines = [f"### {meta.verbose_name_plural} (`{archive.TABLE_DIR}{label(model)}.jsonl` / `.csv`)", ""]
    doc = (model.__doc__ or "").strip()
    if doc and not doc.startswith(model.__name__ + "("):
        lines += [f"_{' '.join(doc.split())}_", ""]
    lines += ["| kolonne | betydning | type |", "|---|---|---|"]
    for f in columns(model):
        lines.append(f"| `{f.attname}` | {_describe(f)} | {_kind(f)} |")
    for f in meta.many_to_many:
        lines.append(f"| `{f.name}` (bare JSONL) | {f.verbose_name}: liste over koblede rader | liste |")
    return "\n".join(lines) + "\n"


def _describe(f: models.Field) -> str:
    text = str(f.verbose_name)
    if f.primary_key:
        text = "radens ID (unik i tabellen)"
    if f.is_relation and f.related_model is not None:
        text += f" (ID i tabellen `{label(f.related_model)}`)"
    if f.help_text:
        text += f". {f.help_text}"
    if f.choices:
        text += ". Verdier: " + ", ".join(f"`{k}` = {v}" for k, v in f.flatchoices)
    return text.replace("|", "/").replace("\n", " ")


KINDS = {
    "AutoField": "heltall", "BigAutoField": "heltall", "IntegerField": "heltall", "BigIntegerField": "heltall",
    "PositiveIntegerField": "heltall", "PositiveSmallIntegerField": "heltall", "SmallIntegerField": "heltall",
    "CharField": "tekst", "TextField": "tekst", "EmailField": "e-postadresse", "SlugField": "tekst",
    "BooleanField": "sann/usann", "DateTimeField": "tidspunkt", "DateField": "dato", "TimeField": "klokkeslett",
    "ForeignKey": "kobling", "OneToOneField": "kobling", "JSONField": "JSON", "UUIDField": "UUID",
    "GenericIPAddressField": "IP-adresse", "DurationField": "varighet", "DecimalField": "desimaltall",
}


def _kind(f: models.Field) -> str:
    return KINDS.get(f.get_internal_type(), f.get_internal_type())
