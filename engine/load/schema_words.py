"""The words of schema problems: how fields, items and values are named for a finance lead.

``engine.load.schema_errors`` phrases jsonschema's errors with these: the noun for an item of a
list, a hint for each field, what a value of each form looks like, and plain descriptions of
values and of the conditions a schema sets.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from decimal import Decimal

from engine.load.schemas import KINDS

# How an item of a list is named in messages, by the name of the list.
ITEM_NOUNS = {
    "steps": "step",
    "variants": "variant",
    "bands": "band",
    "rates": "rate",
    "contacts": "contact",
    "assignment": "assignment rule",
    "customers": "customer",
    "invoices": "invoice",
    "payments": "payment",
    "credit_notes": "credit note",
    "disputes": "dispute",
    "promises": "promise",
    "payment_plans": "payment plan",
    "instalments": "instalment",
    "history": "history entry",
    "expect": "expected action",
    "absent": "absent action",
    "closed": "closed day",
    "skip": "skipped step",
}
# How an entry of a named mapping is named in messages, by the name of the mapping (top level).
ENTRY_NOUNS = {
    "terms": "terms",
    "fees": "fee",
    "interest": "interest scheme",
    "reference_rates": "reference rate",
}

# Short explanations of fields for "X needs 'field' (…)" messages; other fields use the first
# sentence of their schema description.
HINTS = {
    "apiVersion": "the file format version: write apiVersion: dunning/v1",
    "kind": "what the file is: " + ", ".join(KINDS),
    "at": "when it happens, e.g. due+14d",
    "id": "its identifier",
    "channel": "how the customer is contacted: email, phone, letter or sms",
    "template": "the message to send: a file in policies/templates/",
    "to": "where the debt goes: agency or legal",
    "name": "its name",
    "steps": "the list of steps",
    "variants": "the message in each tone and language",
    "body": "the text of the message",
    "tone": "standard, sympathetic or firm",
    "language": "a language code such as en",
    "until": "the date chasing resumes, e.g. 2027-01-15",
    "reason": "why, and who agreed it",
    "amount": 'an amount in quotes, e.g. "15.00"',
    "currency": "a currency code such as GBP",
    "terms": "the credit terms, e.g. net30",
    "ladder": "the dunning ladder, e.g. standard",
    "timezone": "the time zone, e.g. Europe/London",
    "base_currency": "the reporting currency, e.g. GBP",
    "defaults": "the default terms and ladder",
    "net_days": "days until payment is due, e.g. 30",
    "percent": 'a percentage in quotes, e.g. "2"',
    "days": "the number of days, e.g. 10",
    "reference": "the reference rate, a key of reference_rates",
    "margin_percent": 'percentage points above the reference rate, e.g. "8"',
    "rates": "the rate's history",
    "bands": "the compensation bands",
    "from": "the date the rate applies from, e.g. 2025-08-07",
    "when": "the conditions of the rule",
    "customer": "the customer's id",
    "ledger": "the ledger the test runs on",
    "date": "a date such as 2026-11-23",
    "dates": "the days to evaluate",
    "email": "an email address",
    "phone": "a phone number in quotes",
    "fixed": 'a fixed amount per currency, e.g. {GBP: "15.00"}',
    "expect": "the actions that must be on the list",
    "day_of_next_month": "the day of the next month payment is due, e.g. 10",
}

# What a value of each schema definition looks like, for S004 messages ({value} is the value).
FORM_MESSAGES = {
    "money": 'amount {value} must be written as a quoted decimal such as "15.50" '
    "(digits and a decimal point only, no currency sign or thousands separator)",
    "percent": 'percentage {value} must be written as a quoted decimal such as "2" or "8.5" '
    "(no % sign)",
    "offset": "{value} is not a step date: write ANCHOR+Nd, ANCHOR-Nd or ANCHOR+Nbd with ANCHOR "
    "invoice, discount or due, e.g. due+14d (14 days after the due date) or due+1bd",
    "duration": "{value} is not a number of days: write it like 7d",
    "repeatEvery": "{value} is not a repeat: write a number of days like 14d or of months like 1m",
    "currency": "{value} is not a currency code: write the three-letter ISO 4217 code in "
    "capitals, e.g. GBP",
    "country": "{value} is not a country code: write the two-letter ISO 3166-1 code in "
    "capitals, e.g. GB",
    "language": "{value} is not a language code: write the two-letter ISO 639-1 code in lower "
    "case, e.g. en",
    "date": "{value} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-23",
    "id": "{value} is not a valid name: use letters, digits, '.', '_' or '-', starting with a "
    "letter or digit, at most 64 characters",
    "stepId": "{value} is not a valid step id: use lower-case letters and digits, words joined "
    "by '-', e.g. first-reminder",
}
# Inline patterns (not in `definitions`), by the field that has them.
FIELD_FORMS = {
    "timezone": "{value} is not a time zone: write an IANA time zone such as Europe/London",
    "max_fee_share": "max_fee_share {value} must be a fraction between 0 and 1 in quotes, e.g. "
    '"0.10" for 10 %',
    "subdivision": "{value} is not a subdivision code: write it in capitals as the holidays "
    "package does, e.g. ENG",
    "email": "{value} is not an email address",
    "phone": 'phone {value} is not a phone number: write it in quotes, e.g. "+44 20 7946 0000"',
    "role": "role {value} must be lower-case words joined by '_', e.g. accounts_payable",
}

TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "object": "a set of fields (name: value)",
    "array": "a list",
    "boolean": "true or false",
    "null": "empty",
}


def show(value: object) -> str:
    """Return a value as it would be written in the file, quoted when it is text."""
    if isinstance(value, str):
        return f"'{value}'"
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a set of fields"
    if isinstance(value, list):
        return "a list"
    return str(value)


def did_you_mean(word: str, choices: Sequence[str], *, lower: bool = False) -> str:
    """Return "; did you mean 'x'?" for the closest of ``choices``, or '' when none is close."""
    if lower:
        for choice in choices:
            if choice.lower() == word.lower():
                return f"; did you mean '{choice}'?"
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def first_sentence(text: str) -> str:
    """Return the first sentence of a schema description, in lower case and without markup."""
    text = text.replace("`", "")
    for match in re.finditer(r"\.(\s|$)", text):
        before = text[: match.start()]
        if not re.search(r"(e\.g|i\.e|etc)$", before):
            text = before
            break
    text = text.rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) < 2 else text


def required_names(schema: object) -> list[str]:
    """Return the field names a schema requires, looking into ``anyOf``/``oneOf``/``allOf``."""
    if not isinstance(schema, dict):
        return []
    names = [str(name) for name in schema.get("required", [])]
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            names += required_names(option)
    return names


def describe_condition(condition: object, instance: object, *, actual: bool) -> str:
    """Return an ``if`` schema in words: "action: credit_hold", "'fixed'", "no 'phone'"."""
    if not isinstance(condition, dict):
        return ""
    data = instance if isinstance(instance, dict) else {}
    words: list[str] = []
    for name, rule in condition.get("properties", {}).items():
        if not isinstance(rule, dict):
            continue
        if actual:
            if name in data:
                words.append(f"{name}: {plain_word(data[name])}")
        elif "const" in rule:
            words.append(f"{name}: {rule['const']}")
        elif "enum" in rule:
            words.append(f"{name}: {' or '.join(str(v) for v in rule['enum'])}")
    for name in condition.get("required", []):
        if not any(word.startswith(f"{name}:") for word in words):
            words.append(f"'{name}'")
    negated = condition.get("not")
    if isinstance(negated, dict):
        names = required_names(negated)
        if len(names) == 1:
            words.append(f"no '{names[0]}'")
        elif names:
            words.append("none of " + ", ".join(f"'{name}'" for name in names))
    return " and ".join(words)


def condition_fields(condition: object) -> list[str]:
    """Return the fields an ``if`` schema looks at."""
    if not isinstance(condition, dict):
        return []
    names = list(condition.get("properties", {})) + [str(n) for n in condition.get("required", [])]
    return names + required_names(condition.get("not"))


def plain_word(value: object) -> str:
    """Return a value as a condition names it: text as is, anything else as written."""
    return value if isinstance(value, str) else show(value)


def describe(value: object) -> str:
    """Return what kind of value ``value`` is, in words, with the value when it is short."""
    if isinstance(value, bool):
        return f"true/false ({show(value)})"
    if isinstance(value, int | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value}'" if len(value) <= 40 else "a text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    if value is None:
        return "an empty value"
    return show(value)


def clean(message: str) -> str:
    """Return a jsonschema message without Python's reprs of Decimal values."""
    return re.sub(r"Decimal\('([^']*)'\)", r"\1", message)
