"""Rule "payment options" (docs/rules/payment-options.md) and the checks of policies/payment.yaml.

The reference, the link and the options text are computed from the action the engine produced,
so a message quotes the same amount as the list; the checks say what to fix at the exact line.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from stdnum import iso11649

from engine.check.payment import CODES as PAYMENT_CODES
from engine.model.actions import Action
from engine.model.payment import (
    BankAccount,
    Company,
    PaymentLink,
    PaymentOptions,
    ReferenceScheme,
)
from engine.model.policy import PLACEHOLDERS, Template
from engine.report.messages import render_message
from engine.rules.payment import (
    amounts_due,
    payment_link,
    payment_options_text,
    payment_placeholders,
    payment_reference,
)
from tests.engine.builders import account, invoice, make_policy, run, variant
from tests.engine.policy_tree import assert_problems, policy_tree, problems_in

OPTIONS = PaymentOptions(
    company=Company("Northwind Supplies Ltd", ("1 High Street", "Leeds"), email="cc@nw.example"),
    bank_accounts={
        "GBP": BankAccount(
            "GBP",
            "Northwind Supplies Ltd",
            "Barclays",
            sort_code="202015",
            account_number="73611837",
        ),
        "EUR": BankAccount(
            "EUR", "Northwind Supplies Ltd", iban="DE89370400440532013000", bic="COBADEFFXXX"
        ),
    },
    links={
        "GBP": PaymentLink(
            "GBP", "https://pay.example/i/{invoice}?amount={amount}&c={currency}&who={customer}"
        )
    },
)
TEMPLATE = Template(
    "second-reminder",
    (
        variant(
            "standard",
            "en",
            "Invoice {invoice_numbers}",
            "Pay {total_due}.\n{payment_options}\nLink: {payment_link}\nRef: {payment_reference}",
        ),
    ),
)


def second_reminder(customer_id: str = "C1", *, payment: PaymentOptions | None = OPTIONS) -> Action:
    """Return the second-reminder action (with its reminder fee) of one GBP invoice of 1,200."""
    policy = make_policy(templates=[TEMPLATE], payment=payment)
    ledger = account(customer_id, invoice("INV-1", "2026-09-01", "1200.00", customer=customer_id))
    evaluation = run(policy, ledger, on="2026-10-16")
    (action,) = evaluation.actions
    assert action.step == "second-reminder"
    return action


def test_amount_due_is_the_open_amount_plus_the_charges() -> None:
    """The amount a message asks for is what the list shows plus the step's fee."""
    action = second_reminder()
    assert action.totals == {"GBP": Decimal("1200.00")}
    assert amounts_due(action) == {"GBP": Decimal("1200.00") + action.charged()["GBP"]}


def test_rf_reference_is_a_valid_iso_11649_creditor_reference() -> None:
    """The reference is RF + check digits + the customer and invoice, and banks accept it."""
    reference = payment_reference(OPTIONS, second_reminder("ACME-0001"))
    assert reference.startswith("RF")
    assert reference[4:] == "ACME0001INV1"
    assert iso11649.is_valid(reference)


def test_a_long_rf_reference_keeps_its_last_21_letters_and_digits() -> None:
    """ISO 11649 allows 21 characters after the check digits: the invoice end is kept."""
    action = second_reminder("A-VERY-LONG-CUSTOMER-IDENTIFIER")
    reference = payment_reference(OPTIONS, action)
    assert len(reference) == 25
    assert reference.endswith("INV1")
    assert iso11649.is_valid(reference)


def test_text_reference_is_used_as_written() -> None:
    """A plain text scheme fills in the placeholders and keeps everything else."""
    options = replace(OPTIONS, reference=ReferenceScheme("text", "{customer}/{invoice}"))
    assert payment_reference(options, second_reminder("ACME-0001")) == "ACME-0001/INV-1"


def test_payment_link_is_filled_and_url_encoded() -> None:
    """Each placeholder is URL-encoded: an id with '&' or a space cannot break the link."""
    action = second_reminder("A&B CO")
    link = payment_link(OPTIONS, action, "GBP")
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/i/INV-1"
    assert query == {
        "amount": [f"{amounts_due(action)['GBP']:f}"],
        "c": ["GBP"],
        "who": ["A&B CO"],
    }
    assert payment_link(OPTIONS, action, "EUR") == ""


def test_options_text_names_the_amount_link_account_and_reference() -> None:
    """The options block shows, per currency, the amount, the link, the account, the reference."""
    action = second_reminder("ACME-0001")
    text = payment_options_text(OPTIONS, action)
    due = amounts_due(action)["GBP"]
    assert text.splitlines()[0] == f"To pay GBP {due:,}:"
    assert "  Pay online: https://pay.example/i/INV-1?" in text
    assert "  Bank transfer to Northwind Supplies Ltd, Barclays" in text
    assert "    Sort code 20-20-15, account 73611837" in text
    reference = payment_reference(OPTIONS, action)
    assert f"    Reference {' '.join(reference[i : i + 4] for i in range(0, 16, 4))}" in text


def test_message_placeholders_are_filled_from_the_payment_options() -> None:
    """A template's payment placeholders carry the options, the link and the reference."""
    action = second_reminder("ACME-0001")
    policy = make_policy(templates=[TEMPLATE], payment=OPTIONS)
    message = render_message(action, policy)
    assert message is not None
    assert message.fallback_note is None
    values = payment_placeholders(OPTIONS, action)
    assert values["payment_link"] in message.body
    assert values["payment_link"].startswith("https://pay.example/i/INV-1?amount=")
    assert f"Ref: {values['payment_reference']}" in message.body
    assert values["payment_options"] in message.body
    assert {"payment_options", "payment_link", "payment_reference"} <= set(PLACEHOLDERS)


def test_without_payment_options_the_placeholders_are_empty() -> None:
    """No payment file: nothing to show (validate reports templates that ask for it, P055)."""
    action = second_reminder(payment=None)
    assert payment_placeholders(None, action) == {
        "payment_options": "",
        "payment_link": "",
        "payment_reference": "",
    }


# -- dunning validate: policies/payment.yaml -----------------------------------------------------

PAYMENT = "policies/payment.yaml"
HEAD = """apiVersion: dunning/v1
kind: Payment
company:
  name: Fixture Trading Ltd
  address: [1 High Street, London EC1A 1AA]
  email: credit.control@fixture.example
"""
GBP = '  GBP: {account_name: Fixture Ltd, sort_code: "20-20-15", account_number: "73611837"}\n'
EUR = "  EUR: {account_name: Fixture Ltd, iban: DE89 3704 0044 0532 0130 00, bic: COBADEFFXXX}\n"
LINK = "https://pay.fixture.example/i/{invoice}?amount={amount}"

CHECK_CASES = [
    ("valid", HEAD + "bank_transfer:\n" + GBP + EUR, []),
    ("iban-check-digits", HEAD + "bank_transfer:\n" + GBP + EUR.replace("0130 00", "0130 01"),
     [(9, 42, "P050", "the IBAN of the EUR account is not valid (invalid checksum digits): copy it "
       "again from the bank's statement; a mistyped IBAN sends customers' money nowhere")]),
    ("bic-of-another-country", HEAD + "bank_transfer:\n" + GBP + EUR.replace("COBADEFFXXX",
                                                                             "BUKBGB22"),
     [(9, 76, "P051", "the BIC of the EUR account is of a bank in GB but the IBAN is of an "
       "account in DE: check that both are of the same account")]),
    ("bic-unknown-country", HEAD + "bank_transfer:\n" + GBP + EUR.replace("COBADEFF", "COBAXXFF"),
     [(9, 76, "P051", "the BIC of the EUR account is not valid (invalid country code 'xx'): write "
       "the bank's 8 or 11 character SWIFT code, e.g. BUKBGB22")]),
    ("link-unknown-placeholder",
     HEAD + "bank_transfer:\n" + GBP + EUR + "payment_link:\n  GBP: " + LINK + "&x={ref}\n",
     [(11, 8, "P052", "the GBP payment link uses {ref}, which is not a placeholder: the "
       "placeholders are {invoice}, {amount}, {currency} and {customer}")]),
    ("link-not-https",
     HEAD + "bank_transfer:\n" + GBP + EUR + "payment_link:\n  GBP: http://pay.example/{invoice}\n",
     [(11, 8, "P052", "the GBP payment link must be an https URL such as "
       "https://pay.example.com/i/{invoice}?amount={amount}: customers are asked to pay on it")]),
    ("reference-placeholder",
     HEAD + 'reference: {text: "{custmer}-{invoice}"}\nbank_transfer:\n' + GBP + EUR,
     [(7, 19, "P053", "the payment reference's text: {custmer} is not a placeholder; the "
       "placeholders are {customer} and {invoice}; did you mean 'customer'?")]),
    ("currency-without-a-way-to-pay", HEAD + "bank_transfer:\n" + GBP,
     [(1, 1, "P054", "customers are chased in EUR (min_balance in policies/policy.yaml) but there "
       "is no way to pay in it: add a EUR account under bank_transfer or a EUR link under "
       "payment_link")]),
    ("currency-not-iso", HEAD + "bank_transfer:\n" + GBP + EUR + GBP.replace("GBP", "GBX"),
     [(10, 8, "P024", "'GBX' under bank_transfer is not an ISO 4217 currency code, e.g. GBP, "
       "EUR, USD")]),
    ("statement-step-unknown",
     HEAD + "bank_transfer:\n" + GBP + EUR + "attach_statement: [secnd-reminder]\n",
     [(10, 20, "P056", "attach_statement names step 'secnd-reminder', which no ladder has; did "
       "you mean 'second-reminder'?")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in CHECK_CASES], ids=[c[0] for c in CHECK_CASES]
)
def test_payment_file_checks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    expected: list[tuple[int, int, str, str]],
) -> None:
    """Each rule of the payment file gives one problem at the field to fix, saying what to do."""
    root = policy_tree(tmp_path / "repo", {PAYMENT: text})
    assert_problems(problems_in(root, monkeypatch), [(PAYMENT, *problem) for problem in expected])


def test_a_template_asking_for_payment_details_needs_the_payment_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without policies/payment.yaml, {payment_link} in a template is P055 at that text."""
    template = "policies/templates/reminder.yaml"
    root = policy_tree(
        tmp_path / "repo", {template: ("{total_due} is due.", "{total_due}: {payment_link}")}
    )
    problems = problems_in(root, monkeypatch)
    assert [(p.file, p.line, p.code) for p in problems] == [(template, 9, "P055")]
    assert "uses {payment_link} but the policy has no payment options" in problems[0].message


def test_a_payment_file_elsewhere_is_misplaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The payment options live in policies/payment.yaml and nowhere else."""
    root = policy_tree(
        tmp_path / "repo", {"policies/pay.yaml": HEAD + "bank_transfer:\n" + GBP + EUR}
    )
    problems = problems_in(root, monkeypatch)
    assert [(p.file, p.code) for p in problems] == [("policies/pay.yaml", "P003")]


def test_the_loader_builds_the_payment_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example's records arrive typed on the policy, with their origins."""
    from engine.load.policy_loader import load_policy

    root = policy_tree(
        tmp_path / "repo",
        {PAYMENT: HEAD + "bank_transfer:\n" + GBP + EUR + f"payment_link:\n  GBP: {LINK}\n"},
    )
    monkeypatch.chdir(root)
    policy = load_policy(["."]).policy
    assert policy is not None and policy.payment is not None
    payment = policy.payment
    assert payment.company.name == "Fixture Trading Ltd"
    assert payment.reference == ReferenceScheme(
        "rf", "{customer}{invoice}", payment.reference.origin
    )
    assert sorted(payment.bank_accounts) == ["EUR", "GBP"]
    assert payment.bank_accounts["GBP"].sort_code == "20-20-15"
    assert payment.links["GBP"].url == LINK
    assert payment.bank_accounts["EUR"].origin.source.line == 9


def test_every_payment_code_has_a_case() -> None:
    """Every code of engine.check.payment is exercised here (P055 by its own test above)."""
    covered = {code for _, _, expected in CHECK_CASES for _, _, code, _ in expected}
    assert set(PAYMENT_CODES) <= covered | {"P055"}
