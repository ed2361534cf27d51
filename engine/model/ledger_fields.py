"""What a ledger record's fields may hold: one set of rules for ledger files, CSV and the API.

Each rule takes a value in the ledger's own form (text, or a date or an exact amount that a reader
has already built) and gives it back, or an ``Invalid`` saying which rule it breaks, in words that
follow the name of the field: ``language 'en-GB'`` + ``is not an ISO 639-1 language code: …``.
Every entry point shows the same words after its own way of naming the place (a file path, a CSV
line, a JSON field), so a value is refused the same way wherever it comes from.

``schemas/ledger.schema.json`` says the same wherever a schema can say it (the patterns, lengths,
required fields); ``value_schema`` writes a kind's schema from these rules, and a test holds the
two together. A new bound (a date range, a largest amount) is added here, once, and reaches all
three entry points.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache

from engine.model.ledger import REVERSAL_KINDS, ActionStatus
from engine.model.money import is_currency, minor_units
from engine.model.real_days import impossible_date

CODES: dict[str, str] = {
    "L001": "the file is not a ledger (unreadable, not JSON, or not `apiVersion: dunning/v1`, "
    "`kind: Ledger`)",
    "L002": "a field the ledger format does not have (a typo?)",
    "L003": "a required field is missing",
    "L004": "a value of the wrong type (a list, a mapping or text was expected)",
    "L005": "a date the ledger cannot hold: not a real day written YYYY-MM-DD, or outside "
    "1900-01-01 to 2199-12-31",
    "L006": "not an exact amount of money (a quoted decimal, positive, within the currency's "
    "minor units)",
    "L007": "not an ISO code (currency ISO 4217, country ISO 3166-1 alpha-2, language ISO 639-1)",
    "L008": "the same id twice",
    "L009": "a customer that the ledger does not have",
    "L010": "an invoice that the ledger does not have",
    "L011": "a record that does not match its invoice (another customer or currency)",
    "L012": "dates in the wrong order",
    "L013": "a value that is not allowed here (an id or step name in the wrong form, an unknown "
    "status)",
    "L014": "text that is too long or holds a NUL character",
    "L015": "a payment or credit note that the ledger does not have",
    "L016": "more than the record it belongs to allows (a write-off above its invoice, refunds "
    "above their payment, an invoice's tax above its amount)",
    "L017": "a waiver of charges that no action of the ledger's history made (no action with "
    "that id recorded done with a fee or interest on or before the waiver's date)",
    "L018": "an invoice cancelled twice (another cancellation of it is already in the ledger)",
    "L019": "money applied to a cancelled invoice (a payment, credit note or write-off must be "
    "reversed before the invoice is cancelled, and none applied after)",
}

# Amounts are below one trillion (twelve digits before the point, four after). The store keeps
# them as NUMERIC(18, 4) on PostgreSQL, which sums without limit, and as integer ten-thousandths
# on SQLite, whose SUM stops at 2**63 - 1 (9.2 * 10**18): with fourteen digits ten payments of
# 99,999,999,999,999.99 overflowed it and failed every list; with twelve, 922 amounts of the
# largest size still sum (docs/rules/dates-and-money.md, "Bounds").
MAX_WHOLE_DIGITS = 12
MAX_DECIMALS = 4
ID_MAX_LENGTH = 64
# The dates a ledger holds (invoices, cash, disputes, promises, logged actions) and the days a
# list is asked for: a year 1 invoice would be 739,912 days overdue, and a promise to pay by
# 9999-12-31 would silence an invoice for good.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)

ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{ID_MAX_LENGTH - 1}}}$"
STEP_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
LANGUAGE_PATTERN = r"^[a-z]{2}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MONEY_PATTERN = rf"^-?[0-9]{{1,{MAX_WHOLE_DIGITS}}}(\.[0-9]{{1,{MAX_DECIMALS}}})?$"
TEXT_PATTERN = r"^[^\u0000]*$"


class ValueKind(StrEnum):
    """What a field holds; each kind has one rule."""

    ID = "id"
    STEP = "step"
    COUNTRY = "country"
    LANGUAGE = "language"
    CURRENCY = "currency"
    STATUS = "status"
    REVERSAL = "reversal"  # what gives a payment or credit note back: refund, chargeback, reversal
    TEXT = "text"
    DATE = "date"
    AMOUNT = "amount"  # money owed or paid: more than zero
    CHARGE = "charge"  # a fee or interest already charged: zero or more
    IDS = "ids"  # a list of invoice ids
    INSTALMENTS = "instalments"  # a payment plan's list of {due, amount}


@dataclass(frozen=True, slots=True)
class FieldRule:
    """The rule of one field of a ledger record."""

    kind: ValueKind
    required: bool = False
    max_length: int | None = None  # text only
    hint: str = ""  # follows "must be more than zero" (amounts only)


@dataclass(frozen=True, slots=True)
class Invalid:
    """A value that breaks its field's rule: the code, and the rule in words."""

    code: str
    rule: str  # follows the field's name (and value): "is not a date written YYYY-MM-DD, …"

    def message(self, subject: str) -> str:
        """Return the whole sentence about ``subject`` (a field's name, with its value or not)."""
        return f"{subject} {self.rule}"


_ID = re.compile(ID_PATTERN)
_STEP = re.compile(STEP_PATTERN)
_COUNTRY = re.compile(COUNTRY_PATTERN)
_LANGUAGE = re.compile(LANGUAGE_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_MONEY = re.compile(MONEY_PATTERN)
_TOO_MANY_DIGITS = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
# Seconds (ten digits, or nine before 2001) or milliseconds (thirteen) since 1970: what
# spreadsheets and JavaScript exports write for a date.
_TIMESTAMP = re.compile(r"^[0-9]{9,10}$|^[0-9]{13}$")
_STATUSES = tuple(status.value for status in ActionStatus)

NOT_AN_ID = Invalid(
    "L013",
    f"is not an id: use letters, digits, '.', '_' or '-', starting with a letter or digit,"
    f" at most {ID_MAX_LENGTH} characters",
)
NOT_A_STEP = Invalid(
    "L013", "is not a step id: use lower-case words joined by '-', e.g. first-reminder"
)
NOT_A_COUNTRY = Invalid(
    "L007", "is not an ISO 3166-1 alpha-2 country code: write two capital letters, e.g. GB"
)
NOT_A_LANGUAGE = Invalid(
    "L007",
    "is not an ISO 639-1 language code: write two lower-case letters without a region, e.g. en",
)
NOT_A_CURRENCY = Invalid("L007", "is not an ISO 4217 currency code such as GBP")
NOT_A_STATUS = Invalid("L013", f"is not a status: use one of {', '.join(_STATUSES)}")
NOT_A_REVERSAL = Invalid(
    "L013", f"is not a kind of reversal: use one of {', '.join(REVERSAL_KINDS)}"
)
NOT_A_DATE = Invalid("L005", "is not a date written YYYY-MM-DD, e.g. 2026-11-23")
NOT_AN_AMOUNT = Invalid("L006", "is not a plain decimal amount (write it like 1234.56)")
TOO_LARGE = Invalid(
    "L006", f"is too large for the ledger (up to {MAX_WHOLE_DIGITS} digits before the point)"
)
HOLDS_NUL = Invalid("L014", "holds a NUL character, which the ledger cannot store")

_TEXT_RULES: dict[ValueKind, tuple[re.Pattern[str], Invalid]] = {
    ValueKind.ID: (_ID, NOT_AN_ID),
    ValueKind.STEP: (_STEP, NOT_A_STEP),
    ValueKind.COUNTRY: (_COUNTRY, NOT_A_COUNTRY),
    ValueKind.LANGUAGE: (_LANGUAGE, NOT_A_LANGUAGE),
}


def show(value: object) -> str:
    """Return ``value`` as a problem shows it: text quoted (control characters escaped), a date
    or an amount as it reads, anything else by what it is.
    """
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return str(value)


def check_text(kind: ValueKind, text: str, max_length: int | None = None) -> Invalid | None:
    """Return why ``text`` cannot be a value of ``kind`` (an id, a code, free text), or None."""
    return text_rule(kind, max_length)(text)


def text_rule(kind: ValueKind, max_length: int | None = None) -> Callable[[str], Invalid | None]:
    """Return the check of a text ``kind`` (an id, a code, free text): why a text breaks it, or
    None. Readers of many rows take it once and call it for every value.
    """
    found = _TEXT_RULES.get(kind)
    if found is not None:
        match, invalid = found[0].match, found[1]
        return lambda text: None if match(text) else invalid
    if kind is ValueKind.CURRENCY:
        return lambda text: None if is_currency(text) else NOT_A_CURRENCY
    if kind is ValueKind.STATUS:
        return lambda text: None if text in _STATUSES else NOT_A_STATUS
    if kind is ValueKind.REVERSAL:
        return lambda text: None if text in REVERSAL_KINDS else NOT_A_REVERSAL
    if kind is ValueKind.TEXT:
        too_long = Invalid("L014", f"is longer than {max_length} characters")
        limit = max_length if max_length is not None else float("inf")

        def free_text(text: str) -> Invalid | None:
            if "\x00" in text:
                return HOLDS_NUL
            return too_long if len(text) > limit else None

        return free_text
    raise ValueError(f"{kind} is not a text kind")


def read_date(value: str | date) -> date | Invalid:
    """Return ``value`` (text written YYYY-MM-DD, or a date a reader built) as a date between
    ``MIN_DATE`` and ``MAX_DATE``."""
    if isinstance(value, date):
        return check_day(value) or value
    if not _DATE.match(value):
        return timestamp_hint(value) or NOT_A_DATE
    try:
        read = date.fromisoformat(value)
    except ValueError:
        return Invalid("L005", f"is not a real date: {impossible_date(value)[0]}")
    return check_day(read) or read


def check_day(day: date) -> Invalid | None:
    """Return why ``day`` is outside the dates the ledger holds, or None."""
    if MIN_DATE <= day <= MAX_DATE:
        return None
    return Invalid(
        "L005",
        f"is outside the dates the ledger holds, {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}",
    )


def timestamp_hint(value: str | int) -> Invalid | None:
    """Return, for a Unix timestamp (seconds or milliseconds since 1970), the refusal that shows
    the date it stands for written YYYY-MM-DD; None for anything else."""
    text = str(value)
    if isinstance(value, bool) or not _TIMESTAMP.match(text):
        return None
    seconds = int(text) / (1000 if len(text) == 13 else 1)
    shown = datetime.fromtimestamp(seconds, UTC).date().isoformat()
    return Invalid(
        "L005",
        f"is a Unix timestamp, not a date: write the date as YYYY-MM-DD, e.g. {shown}",
    )


def read_amount(value: str | Decimal | int) -> Decimal | Invalid:
    """Return ``value`` (decimal text, or an exact number a reader built) as an exact amount."""
    if isinstance(value, str):
        if not _MONEY.match(value):
            return TOO_LARGE if _TOO_MANY_DIGITS.match(value) else NOT_AN_AMOUNT
        return Decimal(value)
    amount = value if isinstance(value, Decimal) else Decimal(value)
    if not amount.is_finite():
        return NOT_AN_AMOUNT
    return TOO_LARGE if amount.adjusted() >= MAX_WHOLE_DIGITS else amount


def check_amount(amount: Decimal, currency: str | None, rule: FieldRule) -> Invalid | None:
    """Return why ``amount`` cannot be the value of ``rule`` in ``currency``, or None.

    An ``AMOUNT`` (an invoice, a payment, a promise) is more than zero; a ``CHARGE`` (a fee or
    interest) is zero or more. No amount has more decimals than its currency (when that is known).
    """
    if rule.kind is ValueKind.AMOUNT and amount <= 0:
        return Invalid("L006", f"must be more than zero{rule.hint}")
    if rule.kind is ValueKind.CHARGE and amount < 0:
        return Invalid("L006", "cannot be negative")
    return None if currency is None else check_decimals(amount, currency)


def check_decimals(amount: Decimal, currency: str) -> Invalid | None:
    """Return why ``amount`` has too many decimals for ``currency``, or None (also when the
    currency is unknown: that is the currency's own problem).
    """
    digits = _minor_units(currency)
    exponent = amount.as_tuple().exponent
    if digits is not None and isinstance(exponent, int) and -exponent > digits:
        return Invalid(
            "L006",
            f"has {-exponent} decimals but {currency} has {digits}"
            " (amounts are taken exactly, never rounded)",
        )
    return None


@cache
def _minor_units(currency: str) -> int | None:
    return minor_units(currency) if is_currency(currency) else None


# -- the records --------------------------------------------------------------------------------

# Text lengths are the store's column sizes, so a value that passes is a value it can hold.
NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 320
REASON_MAX_LENGTH = 2000
ACTION_ID_MAX_LENGTH = 128
PERSON_MAX_LENGTH = 200
WAIVER_BY_MAX_LENGTH = 128

_ID_FIELD = FieldRule(ValueKind.ID, True)
LIST_ITEM = FieldRule(ValueKind.ID)  # each invoice id of an ``IDS`` field

# Per section of a ledger: field -> rule. The sections and fields of schemas/ledger.schema.json.
RECORDS: dict[str, dict[str, FieldRule]] = {
    "customers": {
        "id": _ID_FIELD,
        "name": FieldRule(ValueKind.TEXT, max_length=NAME_MAX_LENGTH),
        "country": FieldRule(ValueKind.COUNTRY),
        "segment": FieldRule(ValueKind.ID),
        "email": FieldRule(ValueKind.TEXT, max_length=EMAIL_MAX_LENGTH),
        "language": FieldRule(ValueKind.LANGUAGE),
    },
    "invoices": {
        "id": _ID_FIELD,
        "customer": FieldRule(ValueKind.ID, True),
        "issued": FieldRule(ValueKind.DATE, True),
        "amount": FieldRule(ValueKind.AMOUNT, True, hint=" (record a credit as a credit note)"),
        "currency": FieldRule(ValueKind.CURRENCY, True),
        "terms": FieldRule(ValueKind.ID),
        "due": FieldRule(ValueKind.DATE),
        "delivered": FieldRule(ValueKind.DATE),
        # The tax included in the amount (zero or more): the base of a discount net of tax.
        "tax": FieldRule(ValueKind.CHARGE),
    },
    "payments": {
        "id": _ID_FIELD,
        "customer": FieldRule(ValueKind.ID, True),
        "date": FieldRule(ValueKind.DATE, True),
        "amount": FieldRule(ValueKind.AMOUNT, True),
        "currency": FieldRule(ValueKind.CURRENCY, True),
        "invoice": FieldRule(ValueKind.ID),
    },
    "disputes": {
        "id": _ID_FIELD,
        "invoice": FieldRule(ValueKind.ID, True),
        "opened": FieldRule(ValueKind.DATE, True),
        "resolved": FieldRule(ValueKind.DATE),
        "reason": FieldRule(ValueKind.TEXT, max_length=REASON_MAX_LENGTH),
    },
    "promises": {
        "id": _ID_FIELD,
        "customer": FieldRule(ValueKind.ID, True),
        "made": FieldRule(ValueKind.DATE, True),
        "pay_by": FieldRule(ValueKind.DATE, True),
        "amount": FieldRule(ValueKind.AMOUNT, True),
        "currency": FieldRule(ValueKind.CURRENCY, True),
        "invoices": FieldRule(ValueKind.IDS),
    },
    "payment_plans": {
        "id": _ID_FIELD,
        "customer": FieldRule(ValueKind.ID, True),
        "agreed": FieldRule(ValueKind.DATE, True),
        "invoices": FieldRule(ValueKind.IDS, True),
        "instalments": FieldRule(ValueKind.INSTALMENTS, True),
        "currency": FieldRule(ValueKind.CURRENCY, True),
    },
    "history": {
        "action_id": FieldRule(ValueKind.TEXT, max_length=ACTION_ID_MAX_LENGTH),
        "customer": FieldRule(ValueKind.ID, True),
        "step": FieldRule(ValueKind.STEP, True),
        "invoices": FieldRule(ValueKind.IDS),
        "date": FieldRule(ValueKind.DATE, True),
        "status": FieldRule(ValueKind.STATUS, True),
        "fee": FieldRule(ValueKind.CHARGE),
        "interest": FieldRule(ValueKind.CHARGE),
        "currency": FieldRule(ValueKind.CURRENCY),
    },
    "write_offs": {
        "id": _ID_FIELD,
        "customer": FieldRule(ValueKind.ID, True),
        "invoice": FieldRule(ValueKind.ID, True),
        "date": FieldRule(ValueKind.DATE, True),
        "amount": FieldRule(ValueKind.AMOUNT, True),
        "currency": FieldRule(ValueKind.CURRENCY, True),
        "reason": FieldRule(ValueKind.TEXT, True, max_length=REASON_MAX_LENGTH),
        "by": FieldRule(ValueKind.TEXT, True, max_length=PERSON_MAX_LENGTH),
        "approved_by": FieldRule(ValueKind.TEXT, max_length=PERSON_MAX_LENGTH),
    },
    "reversals": {
        "id": _ID_FIELD,
        "customer": FieldRule(ValueKind.ID, True),
        "kind": FieldRule(ValueKind.REVERSAL, True),
        "date": FieldRule(ValueKind.DATE, True),
        "amount": FieldRule(ValueKind.AMOUNT, True),
        "currency": FieldRule(ValueKind.CURRENCY, True),
        "payment": FieldRule(ValueKind.ID),
        "credit_note": FieldRule(ValueKind.ID),
        "reason": FieldRule(ValueKind.TEXT, max_length=REASON_MAX_LENGTH),
    },
    # A waiver of the fees and interest an action charged (rule "charges owed"): the fields of
    # the store's waivers (``POST /v1/actions/{id}/waiver``, ``dunning waive``).
    "waivers": {
        "id": _ID_FIELD,
        "customer": FieldRule(ValueKind.ID, True),
        "action_id": FieldRule(ValueKind.TEXT, True, max_length=ACTION_ID_MAX_LENGTH),
        "date": FieldRule(ValueKind.DATE, True),
        "reason": FieldRule(ValueKind.TEXT, True, max_length=REASON_MAX_LENGTH),
        "who": FieldRule(ValueKind.TEXT, max_length=WAIVER_BY_MAX_LENGTH),
    },
    # An invoice cancelled (voided) in the accounting system: at most one per invoice.
    "cancellations": {
        "id": _ID_FIELD,
        "customer": FieldRule(ValueKind.ID, True),
        "invoice": FieldRule(ValueKind.ID, True),
        "date": FieldRule(ValueKind.DATE, True),
        "reason": FieldRule(ValueKind.TEXT, True, max_length=REASON_MAX_LENGTH),
        "cancelled_by": FieldRule(ValueKind.TEXT, True, max_length=PERSON_MAX_LENGTH),
    },
}
RECORDS["credit_notes"] = RECORDS["payments"]
INSTALMENT: dict[str, FieldRule] = {
    "due": FieldRule(ValueKind.DATE, True),
    "amount": FieldRule(ValueKind.AMOUNT, True),
}

# What people call a field, where its name alone would not say it (CSV lines and API answers).
LABELS: dict[str, str] = {
    "issued": "invoice date",
    "due": "due date",
    "delivered": "delivery date",
    "tax": "tax included",
    "opened": "opening date",
    "resolved": "resolution date",
    "made": "promise date",
    "pay_by": "pay-by date",
    "agreed": "agreement date",
    "by": "written off by",
    "approved_by": "approved by",
    "cancelled_by": "cancelled by",
}

# A date that may not come before another date of the same record: field -> that field.
# Instalments are checked against their plan's ``agreed`` date.
DATE_ORDER: dict[str, dict[str, str]] = {
    "invoices": {"due": "issued"},
    "disputes": {"resolved": "opened"},
    "promises": {"pay_by": "made"},
    "instalments": {"due": "agreed"},
}


# An amount that is part of another amount of the same record: field -> that field. The tax
# included in an invoice is at most the invoice's amount.
PART_OF: dict[str, dict[str, str]] = {"invoices": {"tax": "amount"}}


def label(field: str) -> str:
    """Return what people call ``field`` (``issued`` is the invoice date)."""
    return LABELS.get(field, field)


def check_record(section: str, fields: Mapping[str, object]) -> list[tuple[str, Invalid]]:
    """Return the rules a record's fields break together, by field: its amounts in its currency,
    a part (an invoice's tax) within its whole, and the order of its dates. ``fields`` holds
    the values already read (dates, ``Decimal``).
    """
    return record_check(section)(fields)


def record_check(section: str) -> Callable[[Mapping[str, object]], list[tuple[str, Invalid]]]:
    """Return ``check_record`` for one section, for readers of many records of it."""
    amounts = _AMOUNT_FIELDS[section]
    pairs = _DATE_PAIRS[section]
    parts = tuple(PART_OF.get(section, {}).items())

    def check(fields: Mapping[str, object]) -> list[tuple[str, Invalid]]:
        get = fields.get
        currency = get("currency")
        found: list[tuple[str, Invalid]] = []
        for name, rule in amounts:
            value = get(name)
            if isinstance(value, Decimal):
                invalid = check_amount(value, currency if isinstance(currency, str) else None, rule)
                if invalid is not None:
                    found.append((name, invalid))
        for name, whole_name in parts:
            part, whole = get(name), get(whole_name)
            if isinstance(part, Decimal) and isinstance(whole, Decimal) and part > whole:
                words = f"is more than the {label(whole_name)} {whole} that includes it"
                found.append((name, Invalid("L016", words)))
        for name, earlier_name in pairs:
            later, earlier = get(name), get(earlier_name)
            if isinstance(later, date) and isinstance(earlier, date) and later < earlier:
                words = f"is before the {label(earlier_name)} {earlier.isoformat()}"
                found.append((name, Invalid("L012", words)))
        return found

    return check


# Fields an import row has beyond the ledger's: the invoice number the accounting system prints
# (its id may be another key), kept by the store for people; a ledger file has no use for it.
IMPORT_ONLY_FIELDS: dict[str, FieldRule] = {"number": FieldRule(ValueKind.TEXT, max_length=64)}

# The amount fields of each record (and of an instalment), for ``check_record``.
_AMOUNT_FIELDS: dict[str, tuple[tuple[str, FieldRule], ...]] = {
    section: tuple(
        (name, rule)
        for name, rule in spec.items()
        if rule.kind in (ValueKind.AMOUNT, ValueKind.CHARGE)
    )
    for section, spec in {**RECORDS, "instalments": INSTALMENT}.items()
}
_DATE_PAIRS: dict[str, tuple[tuple[str, str], ...]] = {
    section: tuple(DATE_ORDER.get(section, {}).items()) for section in _AMOUNT_FIELDS
}

# The JSON Schema of each kind of single value, as schemas/ledger.schema.json defines it.
_VALUE_SCHEMAS: dict[ValueKind, dict[str, object]] = {
    ValueKind.ID: {"type": "string", "pattern": ID_PATTERN},
    ValueKind.STEP: {"type": "string", "pattern": STEP_PATTERN},
    ValueKind.COUNTRY: {"type": "string", "pattern": COUNTRY_PATTERN},
    ValueKind.LANGUAGE: {"type": "string", "pattern": LANGUAGE_PATTERN},
    ValueKind.CURRENCY: {"type": "string", "pattern": CURRENCY_PATTERN},
    ValueKind.STATUS: {"type": "string", "enum": list(_STATUSES)},
    ValueKind.REVERSAL: {"type": "string", "enum": list(REVERSAL_KINDS)},
    ValueKind.DATE: {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    ValueKind.AMOUNT: {"type": "string", "pattern": MONEY_PATTERN},
    ValueKind.CHARGE: {"type": "string", "pattern": MONEY_PATTERN},
}


def value_schema(rule: FieldRule) -> dict[str, object]:
    """Return the JSON Schema of a single value of ``rule`` (not of a list field)."""
    if rule.kind is ValueKind.TEXT:
        schema: dict[str, object] = {"type": "string", "pattern": TEXT_PATTERN}
        if rule.max_length is not None:
            schema["maxLength"] = rule.max_length
        return schema
    found = _VALUE_SCHEMAS.get(rule.kind)
    if found is None:
        raise ValueError(f"{rule.kind} is a list, not a single value")
    return dict(found)
