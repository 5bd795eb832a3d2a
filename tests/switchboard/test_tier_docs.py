"""The Norwegian description of the three phone tiers (docs/telefoner.md) says what switchboard/tiers.py defines."""

from __future__ import annotations

from pathlib import Path

from switchboard.tiers import TIERS

DOC = Path(__file__).resolve().parents[2] / "docs" / "telefoner.md"


def test_tier_table_matches_the_one_definition():
    rows = {}
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 7 and cells[0] in {"Enkel", "Standard", "Avansert"}:
            rows[cells[0]] = cells
    assert set(rows) == {str(t.label) for t in TIERS.values()}
    for tier in TIERS.values():
        name, lines, blf, record, video, _codecs, models = rows[str(tier.label)]
        assert (int(lines), int(blf)) == (tier.lines, tier.blf_keys)
        assert record == ("ja" if tier.record_key else "nei")
        assert video == ("ja" if tier.video else "nei")
        assert models == ", ".join(tier.example_models)
