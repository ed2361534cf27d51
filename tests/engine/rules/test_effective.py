"""Rule "effective policy" (docs/rules/ladder.md): defaults, then the first matching assignment
rule, then the customer file; each value remembers the layer that set it."""

from __future__ import annotations

from typing import Any

import pytest

from engine.model.ledger import Customer
from engine.model.policy import AssignmentRule, Contact, Pause
from engine.rules.effective import EffectivePolicies, effective_policy
from tests.engine.builders import customer_file, d, ladder, m, make_policy

RULES = (
    AssignmentRule({"segment": ("strategic",)}, ladder="strategic", tone="sympathetic"),
    AssignmentRule({"country": ("DE", "FR")}, ladder="eu", terms="net14"),
    AssignmentRule({"currency": ("USD",)}, terms="2-10-net30"),
)


def policy(*files: Any) -> Any:
    return make_policy(
        ladders=[ladder("standard"), ladder("strategic"), ladder("eu")],
        assignment=RULES,
        customers=files,
    )


CASES = [
    # (id, ledger customer, customer file or None, currencies, expected values, expected decided_by)
    (
        "defaults-when-nothing-matches",
        Customer("C1", "Small Ltd", "GB"),
        None,
        ["GBP"],
        {"ladder": "standard", "terms": "net30", "tone": "standard"},
        {"ladder": "policy defaults", "terms": "policy defaults", "tone": "policy defaults"},
    ),
    (
        "rule-matches-the-ledger-segment",
        Customer("C1", "Big plc", "GB", "strategic"),
        None,
        ["GBP"],
        {"ladder": "strategic", "terms": "net30", "tone": "sympathetic"},
        {
            "ladder": "assignment rule 1 (segment: strategic)",
            "tone": "assignment rule 1 (segment: strategic)",
            "terms": "policy defaults",
        },
    ),
    (
        "country-list-rule",
        Customer("C1", "Gmbh", "DE"),
        None,
        ["EUR"],
        {"ladder": "eu", "terms": "net14"},
        {"ladder": "assignment rule 2 (country: DE/FR)"},
    ),
    (
        "first-matching-rule-wins",
        Customer("C1", "Big SA", "FR", "strategic"),
        None,
        ["EUR"],
        {"ladder": "strategic", "terms": "net30"},
        {"ladder": "assignment rule 1 (segment: strategic)"},
    ),
    (
        "currency-rule-matches-an-invoice-currency",
        Customer("C1", "Inc", "US"),
        None,
        ["GBP", "USD"],
        {"ladder": "standard", "terms": "2-10-net30"},
        {"terms": "assignment rule 3 (currency: USD)"},
    ),
    (
        "customer-file-segment-overrides-the-ledger-for-matching",
        Customer("C1", "Big plc", "GB", "smb"),
        customer_file("C1", segment="strategic"),
        ["GBP"],
        {"ladder": "strategic"},
        {"ladder": "assignment rule 1 (segment: strategic)"},
    ),
    (
        "customer-file-overrides-the-rule",
        Customer("C1", "Big plc", "GB", "strategic"),
        customer_file("C1", ladder="standard", terms="net14", tone="firm", language="de"),
        ["GBP"],
        {"ladder": "standard", "terms": "net14", "tone": "firm", "language": "de"},
        {
            "ladder": "customer file customers/C1.yaml",
            "terms": "customer file customers/C1.yaml",
            "tone": "customer file customers/C1.yaml",
            "language": "customer file customers/C1.yaml",
        },
    ),
]


@pytest.mark.parametrize(
    ("customer", "file", "currencies", "values", "decided"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_effective_policy_layers(
    customer: Customer,
    file: Any,
    currencies: list[str],
    values: dict[str, str],
    decided: dict[str, str],
) -> None:
    """Rule "effective policy": defaults -> first matching rule -> customer file."""
    result = effective_policy(policy(*([file] if file else [])), customer, currencies)
    got = {
        "ladder": result.ladder.name,
        "terms": result.term.name,
        "tone": result.tone,
        "language": result.language,
    }
    assert {k: got[k] for k in values} == values
    assert {k: result.decided_by[k] for k in decided} == decided


def test_customer_file_sets_the_rest_and_says_so() -> None:
    """Rule "effective policy": pause, skips, delays, exemptions, limit, owner, contacts."""
    file = customer_file(
        "ACME-0001",
        name="Acme Trading Ltd",
        pause=("2027-01-15", "Restructuring"),
        skip=["call"],
        delay={"final-notice": 7},
        exempt=["fees"],
        credit_limit=("50000.00", "GBP"),
        owner="sales-jane",
        contacts=(Contact("Ann Payable", "ap@acme.example"),),
    )
    result = effective_policy(policy(file), Customer("ACME-0001", "ACME LTD"), ["GBP"])
    assert result.customer_name == "Acme Trading Ltd"
    assert result.pause == Pause(d("2027-01-15"), "Restructuring")
    assert result.skip == frozenset({"call"})
    assert dict(result.delay) == {"final-notice": 7}
    assert result.exempt == frozenset({"fees"})
    assert result.credit_limit == (m("50000.00"), "GBP")
    assert result.owner == "sales-jane"
    assert result.contacts == (Contact("Ann Payable", "ap@acme.example"),)
    for key in ("pause", "skip", "delay", "exempt", "credit_limit", "owner", "contacts"):
        assert result.decided_by[key] == "customer file customers/ACME-0001.yaml", key


def test_ledger_supplies_name_language_and_contact() -> None:
    """Rule "effective policy": without a file the ledger's name, language and e-mail apply."""
    customer = Customer("C9", "Nine Ltd", "GB", None, "ap@nine.example", "fr")
    result = effective_policy(policy(), customer, ["GBP"])
    assert (result.customer_name, result.language) == ("Nine Ltd", "fr")
    assert result.contacts == (Contact("Nine Ltd", "ap@nine.example"),)
    assert result.decided_by["language"] == "ledger"
    assert result.decided_by["contacts"] == "ledger"


def test_cached_policies_equal_the_uncached_ones() -> None:
    """Rule "effective policy": customers without a file share layers but keep their own name."""
    rules = policy(customer_file("C3", tone="firm"))
    cache = EffectivePolicies(rules)
    customers = [
        Customer("C1", "One", "GB", "strategic", "a@one.example"),
        Customer("C2", "Two", "GB", "strategic", "b@two.example"),
        Customer("C3", "Three", "DE"),
        Customer("C4", "", "FR", None, "", "de"),
    ]
    for customer in customers:
        for _ in range(2):
            got = cache.get(customer, frozenset({"GBP"}))
            assert got == effective_policy(rules, customer, ["GBP"]), customer.id
    assert cache.get(customers[3], frozenset()).customer_name == "C4"
