"""Read an agency's report on its cases (CSV) into ``AgencyResult`` lines, every bad row at once.

The columns are ``case, ref, date, kind, invoice, amount, fee, currency, note`` (docs/handoff.md);
an agency's own export is read through a column mapping (``store.mapping``: ``--mapping FILE``
with a ``kinds: {agency-results: {columns: ...}}`` section, the format every import uses), its
dates in the mapping's ``date_format`` and numbers with its ``decimal_comma``. Values are checked
by the ledger's own field rules (``engine.model.ledger_fields``), so an amount or a date is
refused here for the same reason as anywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from engine.model.handoff import AgencyResult
from engine.model.ledger_fields import (
    FieldRule,
    Invalid,
    ValueKind,
    check_amount,
    check_text,
    read_amount,
    read_date,
)
from engine.model.money import is_currency
from store.csv_file import open_export
from store.mapping import ColumnMapping, KindMapping, default_mapping, load_mapping

KIND = "agency-results"
FIELDS = ("case", "ref", "date", "kind", "invoice", "amount", "fee", "currency", "note")
REQUIRED = ("case", "ref", "date", "kind")
RESULT_KINDS = ("payment", "outcome")
_AMOUNT = FieldRule(ValueKind.AMOUNT)
_FEE = FieldRule(ValueKind.CHARGE)


class ResultsFileError(ValueError):
    """An agency report that cannot be imported: every bad row, with its line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_results(path: Path, mapping_name: str | None = None) -> list[AgencyResult]:
    """Return the lines of the report at ``path``; raise ``ResultsFileError`` listing every bad
    row (nothing is imported from a file with one)."""
    mapping = load_mapping(mapping_name) if mapping_name else None
    fields = _fields(mapping)
    problems: list[str] = []
    out: list[AgencyResult] = []
    with open_export(path) as export:
        missing = [
            name
            for name in REQUIRED
            if (column := fields.fields[name].plain_column) and column not in export.header
        ]
        if missing:
            raise ResultsFileError(
                [f"{path.name}: the header lacks the column(s) for {', '.join(missing)}"]
            )
        extract = {name: source.extractor() for name, source in fields.fields.items()}
        for line, row in export.rows():
            values = {name: get(row) for name, get in extract.items()}
            result = _result(values, mapping)
            if isinstance(result, str):
                problems.append(f"{path.name}:{line}: {result}")
            else:
                out.append(result)
    if problems:
        raise ResultsFileError(problems)
    return out


def _fields(mapping: ColumnMapping | None) -> KindMapping:
    if mapping is None:
        return default_mapping(FIELDS)
    found = mapping.kinds.get(KIND)
    if found is None:
        raise ResultsFileError(
            [
                f"mapping {mapping.name!r} has no columns for {KIND}"
                f" (it maps: {', '.join(mapping.kinds)})"
            ]
        )
    absent = [name for name in REQUIRED if name not in found.fields]
    if absent:
        raise ResultsFileError(
            [f"mapping {mapping.name!r} does not say where {KIND} get {', '.join(absent)} from"]
        )
    return KindMapping(
        {name: found.fields.get(name) or default_mapping((name,)).fields[name] for name in FIELDS},
        found.when,
    )


def _result(values: Mapping[str, str | None], mapping: ColumnMapping | None) -> AgencyResult | str:
    """Return the row as a result, or what is wrong with it in words."""
    for name in REQUIRED:
        if not values.get(name):
            return f"{name} is empty"
    case, ref = values["case"] or "", values["ref"] or ""
    for name, text in (("case", case), ("ref", ref), ("invoice", values.get("invoice"))):
        bad = check_text(ValueKind.ID, text, 64) if text else None
        if bad is not None:
            return bad.message(f"{name} {text!r}")
    kind = (values["kind"] or "").lower()
    if kind not in RESULT_KINDS:
        return f"kind {values['kind']!r} is not one of {', '.join(RESULT_KINDS)}"
    day = _date(values["date"] or "", mapping)
    if isinstance(day, Invalid):
        return day.message(f"date {values['date']!r}")
    currency = values.get("currency")
    if currency is not None and not is_currency(currency):
        return f"currency {currency!r} is not an ISO 4217 currency code such as GBP"
    amounts: dict[str, Decimal | None] = {}
    for name, rule in (("amount", _AMOUNT), ("fee", _FEE)):
        text = values.get(name)
        if text is None:
            amounts[name] = None
            continue
        if mapping is not None and mapping.decimal_comma:
            text = text.replace(".", "").replace(",", ".")
        amount = read_amount(text)
        if isinstance(amount, Invalid):
            return amount.message(f"{name} {text!r}")
        bad = check_amount(amount, currency, rule)
        if bad is not None:
            return bad.message(f"{name} {text!r}")
        amounts[name] = amount
    if kind == "payment" and (amounts["amount"] is None or currency is None):
        return "a payment needs an amount and a currency"
    if amounts["fee"] is not None and currency is None:
        return "a fee needs a currency"
    return AgencyResult(
        case,
        ref,
        day,
        kind,
        currency,
        amounts["amount"],
        amounts["fee"],
        values.get("invoice"),
        values.get("note") or "",
    )


def _date(text: str, mapping: ColumnMapping | None) -> date | Invalid:
    if mapping is not None and mapping.date_format:
        try:
            return datetime.strptime(text, mapping.date_format).date()  # noqa: DTZ007 - a date
        except ValueError:
            return Invalid("L005", f"is not a date written {mapping.date_format}")
    return read_date(text)
