"""The semantic checks: each rule, broken once in a copy of the fixture policy, at its exact place.

Every case copies tests/fixtures/policy (a small valid policy), changes one thing and states the
problems expected as (file, line, column, code, message), in the yamllint idiom.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from engine.check.payment import CODES as PAYMENT_CODES
from engine.check.validate import CHECKS, CODES, check, possible_ladders, validate
from engine.load.policy_loader import load_policy
from engine.model.policy import PLACEHOLDERS, Defaults, Ladder, Offset, Policy, Step
from tests.engine.policy_tree import (
    ACME,
    BETA,
    FEES,
    FIXTURE,
    POLICY,
    STANDARD,
    STRATEGIC,
    TEMPLATE,
    TERMS,
    TEST,
    Change,
    Expected,
    assert_problems,
    fixture,
    policy_tree,
    problems_in,
)

TERMS_LIST = "the terms in terms.yaml are 10th-prox, 2-10-net30, net30"
STANDARD_STEPS = (
    "discount-nudge, courtesy, first-reminder, second-reminder, call, credit-hold, final-notice, "
    "agency"
)

CASES: list[tuple[str, dict[str, Change], list[Expected]]] = [
    (
        "P010 default terms unknown",
        {POLICY: ("terms: net30", "terms: net3O")},
        [(POLICY, 10, 19, "P010",
          f"terms 'net3O' does not exist: {TERMS_LIST}; did you mean 'net30'?")],
    ),
    (
        "P010 customer terms unknown",
        {ACME: ("terms: 2-10-net30", "terms: 2-10-net-30")},
        [(ACME, 7, 8, "P010",
          f"terms '2-10-net-30' does not exist: {TERMS_LIST}; did you mean '2-10-net30'?")],
    ),
    (
        "P010 policy test invoice terms unknown",
        {TEST: ("currency: GBP}", "currency: GBP, terms: net45}")},
        [(TEST, 9, 101, "P010",
          f"terms 'net45' does not exist: {TERMS_LIST}; did you mean 'net30'?")],
    ),
    (
        "P011 assignment ladder unknown",
        {POLICY: ("ladder: strategic", "ladder: strategc")},
        [(POLICY, 13, 13, "P011",
          "ladder 'strategc' does not exist: the ladders are standard, strategic; "
          "did you mean 'strategic'?")],
    ),
    (
        "P011 customer ladder unknown",
        {BETA: ("segment: strategic", "ladder: gentle")},
        [(BETA, 6, 9, "P011",
          "ladder 'gentle' does not exist: the ladders are standard, strategic")],
    ),
    (
        "P012 step template unknown",
        {STANDARD: ("template: reminder, fee", "template: remind, fee")},
        [(STANDARD, 9, 66, "P012",
          "template 'remind' does not exist: the templates are reminder; "
          "did you mean 'reminder'?")],
    ),
    (
        "P013 step fee unknown",
        {STANDARD: ("fee: reminder-fee", "fee: reminder")},
        [(STANDARD, 9, 81, "P013",
          "fee 'reminder' does not exist: the fees in fees.yaml are admin-fee, reminder-fee; "
          "did you mean 'reminder-fee'?")],
    ),
    (
        "P014 step interest unknown",
        {STANDARD: ("interest: statutory-uk", "interest: statutory")},
        [(STANDARD, 12, 84, "P014",
          "interest scheme 'statutory' does not exist: the interest schemes in fees.yaml are "
          "statutory-uk; did you mean 'statutory-uk'?")],
    ),
    (
        "P015 reference rate unknown",
        {FEES: ("reference: boe-base", "reference: boe")},
        [(FEES, 9, 16, "P015",
          "reference rate 'boe' does not exist: the reference rates in fees.yaml are boe-base")],
    ),
    (
        "P016 ladder name is not its file name (and its uses stay quiet)",
        {STANDARD: ("name: standard", "name: std")},
        [(STANDARD, 4, 7, "P016",
          "ladder name 'std' must equal the file name 'standard': rename the file to std.yaml "
          "or the ladder to standard")],
    ),
    (
        "P017 template name is not its file name (and its uses stay quiet)",
        {TEMPLATE: ("name: reminder", "name: reminders")},
        [(TEMPLATE, 4, 7, "P017",
          "template name 'reminders' must equal the file name 'reminder': rename the file to "
          "reminders.yaml or the template to reminder")],
    ),
    (
        "P018 customer id is not its file name",
        {BETA: ("id: BETA-0002", "id: BETA-0003")},
        [(BETA, 4, 5, "P018",
          "customer id 'BETA-0003' must equal the file name 'BETA-0002': rename the file to "
          "BETA-0003.yaml or correct the id")],
    ),
    (
        "P019 step id used twice",
        {STANDARD: ("id: credit-hold,", "id: courtesy,")},
        [(STANDARD, 11, 10, "P019",
          "step id 'courtesy' is used twice in ladder 'standard' (first on line 7): give each "
          "step its own id")],
    ),
    (
        "P020 step earlier than the one listed before it",
        {STANDARD: ("at: due+21d", "at: due+10d")},
        [(STANDARD, 10, 20, "P020",
          "step 'call' (due+10d) comes after step 'second-reminder' (due+14d) in the list but "
          "happens earlier: steps must be in date order")],
    ),
    (
        "P020 two steps on the same day",
        {STANDARD: ("at: due+21d", "at: due+14d")},
        [(STANDARD, 10, 20, "P020",
          "step 'call' (due+14d) comes after step 'second-reminder' (due+14d) in the list but "
          "happens on the same day: steps must be in date order")],
    ),
    (
        "P020 invoice step listed after due steps",
        {STANDARD: ("at: due+21d", "at: invoice+40d")},
        [(STANDARD, 10, 20, "P020",
          "step 'call' (invoice+40d) comes after step 'courtesy' (due-3d) in the list: steps "
          "counted from the invoice date must come before the steps counted from the due date")],
    ),
    (
        "P021 step before the invoice date",
        {STANDARD: ("at: discount-2d", "at: invoice-2d")},
        [(STANDARD, 6, 30, "P021",
          "step 'discount-nudge' (invoice-2d) would happen before the invoice is issued: count "
          "from the invoice date forwards (invoice+Nd) or from the due date")],
    ),
    (
        "P022 discount period as long as the payment period",
        {TERMS: ("days: 10", "days: 30")},
        [(TERMS, 6, 61, "P022",
          "terms '2-10-net30': the discount period (30 days) must be shorter than the payment "
          "period (net_days: 30), or the discount is just a lower price")],
    ),
    (
        "P023 discount of 100 %",
        {TERMS: ('percent: "2"', 'percent: "100"')},
        [(TERMS, 6, 50, "P023",
          "terms '2-10-net30': a discount of 100 % would cancel the whole invoice; write the "
          'percentage taken off, e.g. "2" for 2 %')],
    ),
    (
        "P024 base currency not ISO 4217",
        {POLICY: ("base_currency: GBP", "base_currency: GBQ")},
        [(POLICY, 8, 16, "P024",
          "'GBQ' is not an ISO 4217 currency code: write a code such as GBP, EUR or USD")],
    ),
    (
        "P024 fee currency not ISO 4217 (at the key)",
        {FEES: ('EUR: "15.00"}', 'ABC: "15.00"}')},
        [(FEES, 5, 40, "P024",
          "'ABC' is not an ISO 4217 currency code: write a code such as GBP, EUR or USD")],
    ),
    (
        "P024 compensation currency not ISO 4217",
        {FEES: ("currency: GBP", "currency: GPB")},
        [(FEES, 13, 17, "P024",
          "'GPB' is not an ISO 4217 currency code: write a code such as GBP, EUR or USD")],
    ),
    (
        "P024 assignment currency not ISO 4217",
        {POLICY: ("when: {segment: strategic}",
                  "when: {segment: strategic, currency: [GBP, EUX]}")},
        [(POLICY, 12, 48, "P024",
          "'EUX' is not an ISO 4217 currency code: write a code such as GBP, EUR or USD")],
    ),
    (
        "P025 yen with decimals",
        {ACME: ('{amount: "50000.00", currency: GBP}', '{amount: "50000.5", currency: JPY}')},
        [(ACME, 8, 24, "P025",
          "JPY amount 50000.5 has more decimals than JPY has: write it with no decimals")],
    ),
    (
        "P025 pounds with three decimals",
        {FEES: ('GBP: "15.00"', 'GBP: "15.005"')},
        [(FEES, 5, 31, "P025",
          "GBP amount 15.005 has more decimals than GBP has: write it with at most 2 decimals")],
    ),
    (
        "P026 negative minimum balance",
        {POLICY: ('EUR: "10.00"}', 'EUR: "-10.00"}')},
        [(POLICY, 14, 34, "P026",
          "EUR amount -10.00 is negative: amounts in the policy are never below zero")],
    ),
    (
        "P026 negative step minimum balance",
        {STANDARD: ('{GBP: "500.00"}', '{GBP: "-500.00"}')},
        [(STANDARD, 13, 80, "P026",
          "GBP amount -500.00 is negative: amounts in the policy are never below zero")],
    ),
    (
        "P027 skipped step not in the ladder",
        {ACME: ("skip: [call]", "skip: [cal]")},
        [(ACME, 11, 16, "P027",
          f"customer 'ACME-0001' skips step 'cal', but ladder 'standard' has no such step: the "
          f"steps are {STANDARD_STEPS}; did you mean 'call'?")],
    ),
    (
        "P027 delayed step not in the ladder (at the key)",
        {ACME: ("delay: {final-notice: 7d}", "delay: {final-notic: 7d}")},
        [(ACME, 11, 31, "P027",
          f"customer 'ACME-0001' delays step 'final-notic', but ladder 'standard' has no such "
          f"step: the steps are {STANDARD_STEPS}; did you mean 'final-notice'?")],
    ),
    (
        "P027 step of another ladder than the customer's (assigned by segment)",
        {BETA: ("skip: [owner-call]", "skip: [call]")},
        [(BETA, 8, 10, "P027",
          "customer 'BETA-0002' skips step 'call', but ladder 'strategic' has no such step: the "
          "steps are first-reminder, owner-call, final-reminder")],
    ),
    (
        "P028 delay onto the next step",
        {ACME: ("final-notice: 7d", "final-notice: 30d")},
        [(ACME, 11, 31, "P028",
          "delaying step 'final-notice' (due+45d) by 30d moves it onto step 'agency' (due+75d) "
          "of ladder 'standard', so it would never be sent: delay it less, or skip it")],
    ),
    (
        "P028 delay past the next step",
        {ACME: ("final-notice: 7d", "final-notice: 40d")},
        [(ACME, 11, 31, "P028",
          "delaying step 'final-notice' (due+45d) by 40d moves it past step 'agency' (due+75d) "
          "of ladder 'standard', so it would never be sent: delay it less, or skip it")],
    ),
    (
        "P029 step skipped and delayed",
        {ACME: ("final-notice: 7d", "call: 1d")},
        [(ACME, 11, 31, "P029",
          "customer 'ACME-0001' both skips and delays step 'call': keep one")],
    ),
    (
        "P030 reference rates out of date order",
        {FEES: ("from: 2025-05-08", "from: 2025-09-08")},
        [(FEES, 22, 16, "P030",
          "reference rate 'boe-base': the rate from 2025-08-07 is listed after the rate from "
          "2025-09-08: list the rates in date order")],
    ),
    (
        "P030 two reference rates from one date",
        {FEES: ("from: 2025-05-08", "from: 2025-08-07")},
        [(FEES, 22, 16, "P030",
          "reference rate 'boe-base' has two rates from 2025-08-07: keep one")],
    ),
    (
        "P031 open band not last",
        {FEES: ('- {below: "10000.00", amount: "70.00"}', '- {amount: "70.00"}')},
        [(FEES, 16, 11, "P031",
          "interest 'statutory-uk': only the last compensation band may leave out 'below'; "
          "bands after an open band would never apply")],
    ),
    (
        "P031 last band closed",
        {FEES: ('- {amount: "100.00"}', '- {below: "20000.00", amount: "100.00"}')},
        [(FEES, 17, 19, "P031",
          "interest 'statutory-uk': the last compensation band must have no 'below', so that "
          "debts of 20000.00 or more get a compensation too")],
    ),
    (
        "P031 bands not ascending",
        {FEES: ('below: "10000.00"', 'below: "500.00"')},
        [(FEES, 16, 19, "P031",
          "interest 'statutory-uk': compensation bands must go up: 'below: 500.00' comes after "
          "'below: 1000.00'")],
    ),
    (
        "P032 four contacts within 7 days",
        {STANDARD: fixture(STANDARD).replace("due+14d", "due+2d").replace("due+21d", "due+3d")},
        [(STANDARD, 10, 20, "P032",
          "ladder 'standard' contacts the customer 4 times within 7 days ('courtesy' (due-3d), "
          "'first-reminder' (due+1bd), 'second-reminder' (due+2d), 'call' (due+3d)): "
          "guardrails.max_contacts_per_7_days allows 3; space the steps out")],
    ),
    (
        "P032 a step repeated too often",
        {STRATEGIC: ("repeat: 14d", "repeat: 2d")},
        [(STRATEGIC, 8, 30, "P032",
          "ladder 'strategic' contacts the customer 4 times within 7 days ('final-reminder' "
          "(due+60d, repeated every 2d)): guardrails.max_contacts_per_7_days allows 3; space "
          "the steps out")],
    ),
    (
        "P033 calendar country unknown",
        {POLICY: ("country: GB, subdivision: ENG", "country: XX")},
        [(POLICY, 7, 21, "P033",
          "calendar country 'XX' has no public holidays in the `holidays` package: use an ISO "
          "3166-1 alpha-2 code such as GB, DE, FR or US")],
    ),
    (
        "P033 calendar subdivision unknown",
        {POLICY: ("subdivision: ENG", "subdivision: BAV")},
        [(POLICY, 7, 38, "P033",
          "calendar subdivision 'BAV' is not a subdivision of GB known to the `holidays` "
          "package; use one of ENG, NIR, SCT, WLS")],
    ),
    (
        "P034 time zone misspelt",
        {POLICY: ("timezone: Europe/London", "timezone: Europe/Londn")},
        [(POLICY, 6, 11, "P034",
          "time zone 'Europe/Londn' is not known: write an IANA time zone such as "
          "Europe/London; did you mean 'Europe/London'?")],
    ),
    (
        "P035 unknown placeholder",
        {TEMPLATE: ("{total_due} is due", "{total_du} is due")},
        [(TEMPLATE, 9, 11, "P035",
          "template 'reminder' (standard, en) body: unknown placeholder {total_du}; the "
          "placeholders are customer_name, customer_id, invoice_numbers, invoice_table, "
          "total_overdue, oldest_due_date, days_overdue, fee_amount, interest_amount, "
          "total_due, company_name, step_name, discount_deadline, discount_amount, "
          "payment_options, payment_link, payment_reference; did you mean {total_due}?")],
    ),
    (
        "P035 positional and attribute placeholders",
        {TEMPLATE: ("{total_due} is due", "{} and {customer_name.upper} is due")},
        [
            (TEMPLATE, 9, 11, "P035",
             "template 'reminder' (standard, en) body: '{customer_name.upper}' is not a plain "
             "placeholder; write only a name such as {customer_name}"),
            (TEMPLATE, 9, 11, "P035",
             "template 'reminder' (standard, en) body: '{}' has no name; write a placeholder "
             "such as {customer_name}, or {{ and }} for literal braces"),
        ],
    ),
    (
        "P036 unclosed brace",
        {TEMPLATE: ('subject: "Invoice {invoice_numbers}"', 'subject: "Invoice {invoice_numbers"')},
        [(TEMPLATE, 8, 14, "P036",
          "template 'reminder' (standard, en) subject: the braces do not match (expected '}' "
          "before end of string); placeholders are written {customer_name}, a literal brace "
          "{{ or }}")],
    ),
    (
        "P037 no standard variant in the policy language",
        {TEMPLATE: ("  - tone: standard\n", "  - tone: sympathetic\n")},
        [(TEMPLATE, 6, 3, "P037",
          "template 'reminder' (used by step 'discount-nudge' of ladder 'standard') has no "
          "variant with tone: standard and language: en, the policy language: customers whose "
          "tone or language has no variant would get no message; add that variant")],
    ),
    (
        "P038 two variants for one tone and language",
        {TEMPLATE: ("  - tone: firm\n", "  - tone: standard\n")},
        [(TEMPLATE, 10, 5, "P038",
          "template 'reminder' has two variants with tone: standard and language: en (the "
          "first on line 6): keep one")],
    ),
    (
        "P039 policy test expects an unknown customer",
        {TEST: ("- {customer: GAMMA-0003, step", "- {customer: GAMA-0003, step")},
        [(TEST, 12, 16, "P039",
          "customer 'GAMA-0003' is neither in the test's ledger nor in customers/; did you mean "
          "'GAMMA-0003'?")],
    ),
    (
        "P040 policy test expects a step the customer's ladder lacks",
        {TEST: ("step: first-reminder", "step: first-remind")},
        [(TEST, 12, 34, "P040",
          f"step 'first-remind' is not a step of ladder 'standard', which customer 'GAMMA-0003' "
          f"is on: the steps are {STANDARD_STEPS}; did you mean 'first-reminder'?")],
    ),
    (
        "P041 policy test expects an invoice its ledger lacks",
        {TEST: ("invoices: [INV-1]}", "invoices: [INV-2]}")},
        [(TEST, 12, 61, "P041",
          "invoice 'INV-2' is not in the test's ledger; did you mean 'INV-1'?")],
    ),
    (
        "P041 policy test invoice for a customer not in its ledger",
        {TEST: ("{id: INV-1, customer: GAMMA-0003", "{id: INV-1, customer: GAMMA-0004")},
        [(TEST, 9, 29, "P041",
          "invoice 'INV-1' is for customer 'GAMMA-0004', who is not in the test's ledger "
          "customers: add the customer; did you mean 'GAMMA-0003'?")],
    ),
    (
        "P042 percentage fee minimum above maximum",
        {FEES: ('min: {GBP: "5.00"}', 'min: {GBP: "55.00"}')},
        [(FEES, 6, 37, "P042",
          "fee 'admin-fee': the GBP minimum 55.00 is above the maximum 50.00")],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_semantic_check_reports_the_exact_place(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Change],
    expected: list[Expected],
) -> None:
    """Each broken rule gives exactly its problem, at the file, line and column to fix."""
    root = policy_tree(tmp_path / "repo", changes)
    assert_problems(problems_in(root, monkeypatch), expected)


def test_fixture_policy_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture every case breaks is itself free of problems."""
    assert problems_in(policy_tree(tmp_path / "repo"), monkeypatch) == []


def test_every_semantic_code_has_a_case() -> None:
    """Every P-code of engine.check.validate is exercised by a case above."""
    covered = {code for _, _, expected in CASES for *_, code, _ in expected}
    # The payment file's codes have their cases in tests/engine/test_payment.py.
    assert set(CODES) - set(PAYMENT_CODES) <= covered


def test_references_to_a_broken_file_stay_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ladder with a schema problem is reported once, not again at every customer using it."""
    root = policy_tree(tmp_path / "repo", {STRATEGIC: ("channel: phone", "chanel: phone")})
    codes = [p.code for p in problems_in(root, monkeypatch)]
    assert codes == ["S003", "S002"]


def test_unreadable_terms_file_silences_terms_references(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When terms.yaml cannot be read at all, references to terms are not also reported."""
    root = policy_tree(tmp_path / "repo", {TERMS: "terms: [\n"})
    assert [p.code for p in problems_in(root, monkeypatch)] == ["Y009"]


def test_semantic_problems_only_for_the_files_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Naming single files reports their problems only, though the whole policy is read."""
    root = policy_tree(
        tmp_path / "repo",
        {ACME: ("skip: [call]", "skip: [cal]"), BETA: ("skip: [owner-call]", "skip: [call]")},
    )
    monkeypatch.chdir(root)
    result = load_policy([BETA])
    assert result.files == (BETA,)
    assert [(p.file, p.code) for p in check(result)] == [(BETA, "P027")]


def test_placeholders_are_the_documented_ones() -> None:
    """The placeholders checked (the renderer's) are those docs/policy-format.md lists."""
    docs = (FIXTURE.parents[2] / "docs" / "policy-format.md").read_text(encoding="utf-8")
    section = docs.split("Placeholders (", 1)[1].split("Fallback", 1)[0]
    listed = re.findall(r"`([a-z_]+)`", section)
    assert listed == list(PLACEHOLDERS)


def test_checks_have_readable_names() -> None:
    """The checks are a named list, each name unique."""
    names = [name for name, _ in CHECKS]
    assert len(names) == len(set(names))
    assert all(name and name == name.strip() for name in names)


def _policy(**ladders: Ladder) -> Policy:
    return Policy(
        name="Built in code",
        timezone="UTC",
        base_currency="GBP",
        defaults=Defaults(terms="net30", ladder="standard"),
        ladders=ladders,
    )


def test_records_built_in_code_are_checked_without_files() -> None:
    """validate() works on a Policy built in code: problems point at '<built in code>'."""
    ladder = Ladder(
        "standard",
        (Step("a", Offset("due", 5)), Step("b", Offset("due", 3))),
    )
    problems = validate(_policy(standard=ladder))
    assert [(p.code, p.file) for p in problems] == [
        ("P010", "<built in code>"),
        ("P020", "<built in code>"),
    ]


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        (("strategic", "GB", None), ["strategic"]),
        ((None, "GB", None), ["standard"]),
        (("strategic", "GB", "standard"), ["standard"]),
    ],
    ids=["assigned by segment", "default", "customer file wins"],
)
def test_possible_ladders_follow_the_layers(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    customer: tuple[str | None, str | None, str | None],
    expected: list[str],
) -> None:
    """A customer's ladder: the file's, else the first matching rule's, else the default."""
    monkeypatch.chdir(policy_tree(tmp_path / "repo"))
    policy = load_policy(["."]).policy
    assert policy is not None
    assert possible_ladders(policy, *customer) == expected


def test_a_currency_rule_may_or_may_not_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule on currency depends on the invoices: both its ladder and the next are possible."""
    root = policy_tree(
        tmp_path / "repo",
        {POLICY: ("when: {segment: strategic}", "when: {currency: EUR}")},
    )
    monkeypatch.chdir(root)
    policy = load_policy(["."]).policy
    assert policy is not None
    assert possible_ladders(policy, None, "GB", None) == ["strategic", "standard"]
    assert policy.min_balance["GBP"] == Decimal("10.00")
