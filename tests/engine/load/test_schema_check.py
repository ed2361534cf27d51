"""Schema checks: every jsonschema error becomes a problem at the exact node, in plain words."""

from __future__ import annotations

from datetime import date

import pytest

from engine.load.schema_check import CODES, check_document, plain_values
from engine.load.schemas import KINDS, SCHEMA_DIR, SCHEMA_FILES, compiled_schema
from engine.load.yaml_reader import load_yaml_text
from engine.model.source import Problem

Expected = tuple[int, int, str, str]


def schema_problems(text: str) -> list[Problem]:
    """Return the schema problems of ``text`` (which must be readable YAML), sorted."""
    doc, read = load_yaml_text(text, "f.yaml")
    assert doc is not None, read
    _, problems = check_document(doc)
    return sorted(problems, key=Problem.sort_key)


def assert_problems(text: str, expected: list[Expected]) -> None:
    """Assert the schema problems of ``text`` are exactly (line, column, code, message)."""
    got = [(p.line, p.column, p.code, p.message) for p in schema_problems(text)]
    assert got == expected


LADDER = "apiVersion: dunning/v1\nkind: Ladder\nname: x\nsteps:\n"
TERMS = "apiVersion: dunning/v1\nkind: Terms\nterms:\n"
FEES = "apiVersion: dunning/v1\nkind: Fees\n"
CUSTOMER = "apiVersion: dunning/v1\nkind: Customer\nid: A-1\n"
POLICY = (
    "apiVersion: dunning/v1\nkind: Policy\nname: x\ntimezone: UTC\nbase_currency: GBP\n"
    "defaults: {terms: net30, ladder: standard}\n"
)
STEP_FIELDS = (
    "id, at, action, channel, template, fee, interest, min_balance, currencies, expires, "
    "after_due, when, repeat, max_repeats, tone, assign, to, description"
)

CASES: list[tuple[str, str, list[Expected]]] = [
    (
        "S001 money without quotes",
        CUSTOMER + "credit_limit: {amount: 15.5, currency: GBP}\n",
        [(4, 24, "S001", 'amount 15.5 must be written in quotes, e.g. "15.5": write money in '
                         "quotes so it is read exactly, never rounded")],
    ),
    (
        "S001 percentage without quotes",
        TERMS + "  a: {net_days: 30, discount: {percent: 2, days: 10}}\n",
        [(4, 41, "S001", 'percentage 2 must be written in quotes, e.g. "2"')],
    ),
    (
        "S001 whole number in quotes",
        TERMS + '  a: {net_days: "30"}\n',
        [(4, 17, "S001", "net_days must be a whole number without quotes, e.g. 30")],
    ),
    (
        "S001 true where text is expected",
        CUSTOMER + "name: true\n",
        [(4, 7, "S001", 'name is read as true (yes/no); if you mean the text, put it in '
                        'quotes, e.g. "true"')],
    ),
    (
        "S001 empty value",
        TERMS + "  a:\n",
        [(4, 5, "S001", "a has no value: write a set of fields (name: value)")],
    ),
    (
        "S001 duration as a number",
        LADDER + "  - {id: a, at: due+1d, channel: phone, repeat: 7}\n",
        [(5, 49, "S001", "7 is not a repeat: write a number of days like 14d or of months like "
                         "1m")],
    ),
    (
        "S002 misspelt field, at the key, with a suggestion",
        LADDER + "  - {id: a, at: due+1d, channel: phone, templte: x}\n",
        [(5, 41, "S002", f"unknown field 'templte' in step 'a': expected one of {STEP_FIELDS}; "
                         "did you mean 'template'?")],
    ),
    (
        "S003 step without a date",
        LADDER + "  - {id: call, channel: phone}\n",
        [(5, 5, "S003", "step 'call' needs 'at' (when it happens, e.g. due+14d)")],
    ),
    (
        "S003 email step without a template",
        LADDER + "  - {id: a, at: due+1d, channel: email}\n",
        [(5, 5, "S003", "step 'a' needs 'template' (the message to send: a file in "
                        "policies/templates/) because it has channel: email")],
    ),
    (
        "S003 escalation without a destination",
        LADDER + "  - {id: a, at: due+1d, action: escalate}\n",
        [(5, 5, "S003", "step 'a' needs 'to' (where the debt goes: agency or legal) because it "
                        "has action: escalate")],
    ),
    (
        "S003 pause without a reason",
        CUSTOMER + "pause: {until: 2027-01-15}\n",
        [(4, 8, "S003", "'pause' needs 'reason' (why, and who agreed it)")],
    ),
    (
        "S003 terms with neither net days nor a day of next month",
        TERMS + "  a: {description: x}\n",
        [(4, 6, "S003", "terms 'a' needs 'net_days' (days until payment is due, e.g. 30) "
                        "because it has none of 'day_of_next_month', 'instalments', "
                        "'net_months'")],
    ),
    (
        "S003 missing apiVersion and kind",
        "name: x\n",
        [
            (1, 1, "S003", "a policy file needs 'apiVersion: dunning/v1' (the file format "
                           "version) near the top"),
            (1, 1, "S003", "a policy file needs 'kind' (what the file is): one of "
                           + ", ".join(KINDS)),
        ],
    ),
    (
        "S004 money with a comma",
        CUSTOMER + 'credit_limit: {amount: "15,50", currency: GBP}\n',
        [(4, 24, "S004", "amount '15,50' must be written as a quoted decimal such as \"15.50\" "
                         "(digits and a decimal point only, no currency sign or thousands "
                         "separator)")],
    ),
    (
        "S004 offset without unit",
        LADDER + "  - {id: a, at: due+14, channel: phone}\n",
        [(5, 17, "S004", "'due+14' is not a step date: write ANCHOR+Nd, ANCHOR-Nd or "
                         "ANCHOR+Nbd with ANCHOR invoice, discount or due, e.g. due+14d (14 "
                         "days after the due date) or due+1bd")],
    ),
    (
        "S004 currency key in lower case, at the key",
        LADDER + '  - {id: a, at: due+1d, channel: phone, min_balance: {gbp: "1.00"}}\n',
        [(5, 55, "S004", "'gbp' is not a currency code: write the three-letter ISO 4217 code "
                         "in capitals, e.g. GBP")],
    ),
    (
        "S004 quoted date that does not exist",
        CUSTOMER + 'pause: {until: "2027-02-30", reason: x}\n',
        [(4, 16, "S004", "'2027-02-30' is not a real date: February 2027 has 28 days; write "
                         "2027-02-28 for its last day, or another real date")],
    ),
    (
        "S004 pause neither a date nor further_notice",
        CUSTOMER + "pause: {until: soon, reason: x}\n",
        [(4, 16, "S004", "until 'soon' is not written in the expected form: A date as "
                         "YYYY-MM-DD, or further_notice for a pause without an end date")],
    ),
    (
        "S004 fee share above 1",
        POLICY + 'guardrails: {max_fee_share: "1.5"}\n',
        [(7, 29, "S004", "max_fee_share '1.5' must be a fraction between 0 and 1 in quotes, "
                         'e.g. "0.10" for 10 %')],
    ),
    (
        "S005 channel misspelt",
        LADDER + "  - {id: a, at: due+1d, channel: emial, template: x}\n",
        [(5, 34, "S005", "channel cannot be 'emial': use one of email, phone, letter, sms; did "
                         "you mean 'email'?")],
    ),
    (
        "S005 unknown kind",
        "apiVersion: dunning/v1\nkind: ladder\n",
        [(2, 7, "S005", "kind 'ladder' is not a kind of policy file: use one of "
                        + ", ".join(KINDS) + "; did you mean 'Ladder'?")],
    ),
    (
        "S005 unsupported apiVersion",
        "apiVersion: dunning/v2\nkind: Customer\nid: A-1\n",
        [(1, 13, "S005", "apiVersion 'dunning/v2' is not supported: write apiVersion: "
                         "dunning/v1")],
    ),
    (
        "S006 contact step action with a channel",
        LADDER + "  - {id: hold, at: due+30d, action: credit_hold, channel: email}\n",
        [(5, 50, "S006", "step 'hold' cannot have 'channel' because it has action: "
                         "credit_hold")],
    ),
    (
        "S006 destination on a step that does not escalate",
        LADDER + "  - {id: a, at: due+1d, channel: phone, to: agency}\n",
        [(5, 41, "S006", "step 'a' cannot have 'to' unless it has action: escalate")],
    ),
    (
        "S006 fixed fee with a percentage",
        FEES + 'fees:\n  a: {fixed: {GBP: "1.00"}, percent: "2"}\n',
        [(4, 29, "S006", "fee 'a' cannot have 'percent' because it has 'fixed'")],
    ),
    (
        "S006 step listed twice in skip",
        CUSTOMER + "steps: {skip: [call, call]}\n",
        [(4, 22, "S006", "skip lists 'call' twice: list it once")],
    ),
    (
        "S006 number out of range",
        TERMS + "  a: {net_days: 5000}\n",
        [(4, 17, "S006", "net_days is 5000; it must be at most 3650")],
    ),
    (
        "S006 empty list of steps",
        LADDER.replace("steps:\n", "steps: []\n"),
        [(4, 8, "S006", "steps needs at least 1 entry")],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_schema_error_reported_at_the_node_in_plain_words(
    text: str, expected: list[Expected]
) -> None:
    """Each schema rule gives one problem at the value (or key) to fix, saying what to write."""
    assert_problems(text, expected)


def test_every_schema_code_has_a_case() -> None:
    """Every S-code is exercised by a case above."""
    assert {code for _, _, expected in CASES for _, _, code, _ in expected} == set(CODES)


def test_a_wrong_type_is_said_once() -> None:
    """A value of the wrong type is not also reported as not matching its allowed values."""
    problems = schema_problems(CUSTOMER + "tone: true\n")
    assert [p.code for p in problems] == ["S001"]


def test_unknown_kind_skips_the_schema() -> None:
    """A file of unknown kind gets the kind problem only, not a schema's complaints."""
    doc, _ = load_yaml_text("apiVersion: dunning/v1\nkind: Nope\nwhatever: 1\n", "f.yaml")
    assert doc is not None
    kind, problems = check_document(doc)
    assert kind is None
    assert [p.code for p in problems] == ["S005"]


def test_valid_document_has_no_problems() -> None:
    """A well-formed file of each kind passes (the example policy is tested elsewhere)."""
    assert schema_problems(LADDER + "  - {id: a, at: due+1d, channel: phone}\n") == []


def test_dates_become_iso_text_without_copying_what_has_none() -> None:
    """Dates are validated as ISO text; containers without dates are not copied."""
    without = {"a": [1, {"b": "c"}]}
    assert plain_values(without) is without
    with_date = {"a": [1, {"b": date(2026, 1, 2)}], "c": "d"}
    plain = plain_values(with_date)
    assert plain == {"a": [1, {"b": "2026-01-02"}], "c": "d"}
    assert with_date["a"][1]["b"] == date(2026, 1, 2)  # type: ignore[index]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_valid_draft7_schema_compiled_once(kind: str) -> None:
    """Each kind's schema exists in schemas/, is valid draft-07 and is compiled only once."""
    assert (SCHEMA_DIR / SCHEMA_FILES[kind]).is_file()
    compiled = compiled_schema(kind)
    compiled.validator.check_schema(compiled.root)
    assert compiled.root["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert compiled_schema(kind) is compiled
