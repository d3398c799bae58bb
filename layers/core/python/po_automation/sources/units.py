"""Unit codes the exports use, mapped to the domain's units ("kg", "each", "case")."""

from __future__ import annotations

from po_automation.sources._csv import BadRow

UNIT_CODES: dict[str, str] = {
    "KG": "kg",
    "EA": "each",
    "ST": "each",  # SAP's internal code for "piece"
    "CS": "case",
    "CAS": "case",
}


def unit(row: dict[str, str], column: str) -> str:
    raw = row[column].strip()
    mapped = UNIT_CODES.get(raw.upper())
    if mapped is None:
        raise BadRow(f"{column} is not a known unit: {raw!r}")
    return mapped
