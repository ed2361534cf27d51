"""Rule "messages" (docs/rules/ladder.md): the template variant by tone and language with a
fallback, filled in with the placeholders of docs/policy-format.md."""

from __future__ import annotations

import pytest

from engine.model.actions import Action
from engine.model.policy import PLACEHOLDERS, Guardrails, Template
from engine.report.messages import invoice_table, render_message
from tests.engine.builders import (
    account,
    customer_file,
    done,
    invoice,
    m,
    make_policy,
    run,
    variant,
)

SECOND = Template(
    "second-reminder",
    (
        variant("standard", "en", "Invoice {invoice_numbers} is overdue", "Dear {customer_name}"),
        variant("firm", "en", "Overdue: {invoice_numbers}", "Pay {total_due} now"),
        variant("standard", "de", "Rechnung {invoice_numbers}", "Sehr geehrte {customer_name}"),
        variant("sympathetic", "de", "Rechnung {invoice_numbers}", "Liebe {customer_name}"),
    ),
)


def action_for(tone: str | None = None, language: str | None = None, **options: object) -> Action:
    file = {k: v for k, v in (("tone", tone), ("language", language)) if v}
    policy = make_policy(
        templates=[SECOND],
        customers=[customer_file("C1", name="Acme Trading Ltd", **file)],
        **options,  # type: ignore[arg-type]
    )
    ledger = account("C1", invoice("INV-1", "2026-09-01", "1200.00"))
    evaluation = run(policy, ledger, on="2026-10-16")
    assert evaluation.actions[0].step == "second-reminder"
    return evaluation.actions[0]


FALLBACK_CASES = [
    ("exact-variant", "sympathetic", "de", ("sympathetic", "de"), None),
    ("tone-in-the-policy-language", "firm", "de", ("firm", "en"),
     "template 'second-reminder' has no firm variant in 'de': used the firm variant in 'en'"),
    ("standard-in-the-customer-language", "sympathetic", "fr", ("standard", "en"),
     "template 'second-reminder' has no sympathetic variant in 'fr': used the standard variant "
     "in 'en'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("tone", "language", "expected", "note"),
    [c[1:] for c in FALLBACK_CASES],
    ids=[c[0] for c in FALLBACK_CASES],
)
def test_variant_fallback(
    tone: str, language: str, expected: tuple[str, str], note: str | None
) -> None:
    """Rule "messages": tone+language, then tone in the policy language, then standard in the
    customer's language, then standard in the policy language."""
    message = render_message(action_for(tone, language), make_policy(templates=[SECOND]))
    assert message is not None
    assert (message.tone, message.language) == expected
    assert message.fallback_note == note


def test_standard_in_the_customer_language_before_the_policy_language() -> None:
    """Rule "messages": without the tone at all, standard in the customer's language comes first."""
    only_standard = Template(
        "second-reminder",
        (
            variant("standard", "en", "Invoice {invoice_numbers}", "Dear {customer_name}"),
            variant("standard", "de", "Rechnung {invoice_numbers}", "Sehr geehrte {customer_name}"),
        ),
    )
    policy = make_policy(templates=[only_standard])
    message = render_message(action_for("firm", "de"), policy)
    assert message is not None
    assert (message.tone, message.language, message.subject) == ("standard", "de", "Rechnung INV-1")


def test_placeholders_are_filled() -> None:
    """Rule "messages": every documented placeholder has a value, amounts as GBP 1,200.00."""
    body = "\n".join(f"{name}={{{name}}}" for name in PLACEHOLDERS)
    template = Template("second-reminder", (variant("standard", "en", "{step_name}", body),))
    policy = make_policy(templates=[template], name="Northwind Supplies Ltd")
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00"),
        invoice("INV-2", "2026-09-02", "300.50"),
    )
    action = run(policy, ledger, on="2026-10-16").actions[0]
    message = render_message(action, policy, portal_link="https://pay.example/pay/t0k")
    assert message is not None and message.fallback_note is None
    values = dict(line.split("=", 1) for line in message.body.split("\n") if "=" in line)
    assert values == {
        "customer_name": "Customer C1",
        "customer_id": "C1",
        "invoice_numbers": "INV-1, INV-2",
        "invoice_table": "Invoice  Issued      Due                 Open  Days overdue",
        "total_overdue": "GBP 1,500.50",
        "oldest_due_date": "2026-10-01",
        "days_overdue": "15",
        "fee_amount": "GBP 15.00",
        "interest_amount": "GBP 0.00",
        "total_due": "GBP 1,515.50",
        "company_name": "Northwind Supplies Ltd",
        "step_name": "second-reminder",
        "discount_deadline": "",
        "discount_amount": "",
        "payment_options": "",  # no policies/payment.yaml in this policy
        "payment_link": "",
        "payment_reference": "",
        "portal_link": "https://pay.example/pay/t0k",
    }
    assert message.subject == "second-reminder"


def test_without_a_portal_link_its_paragraphs_are_left_out() -> None:
    """Rule "messages": a paragraph quoting {portal_link} is dropped when there is no link."""
    body = "Dear {customer_name},\n\nSee your account:\n{portal_link}\n\nKind regards"
    template = Template("second-reminder", (variant("standard", "en", "{step_name}", body),))
    policy = make_policy(templates=[template])
    action = run(policy, account("C1", invoice("INV-1", "2026-09-01", "1200.00")),
                 on="2026-10-16").actions[0]  # fmt: skip
    without = render_message(action, policy)
    with_link = render_message(action, policy, portal_link="https://pay.example/pay/t0k")
    assert without is not None and with_link is not None
    assert without.body == "Dear Customer C1,\n\nKind regards"
    assert with_link.body == (
        "Dear Customer C1,\n\nSee your account:\nhttps://pay.example/pay/t0k\n\nKind regards"
    )


def test_invoice_table() -> None:
    """Rule "messages": invoice_table is a plain-text table, amounts right-aligned."""
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00"),
        invoice("INV-22", "2026-09-01", "5.00"),
    )
    action = run(make_policy(), ledger, on="2026-10-16").actions[0]
    assert invoice_table(action) == (
        "Invoice  Issued      Due                 Open  Days overdue\n"
        "INV-1    2026-09-01  2026-10-01  GBP 1,200.00            15\n"
        "INV-22   2026-09-01  2026-10-01      GBP 5.00            15"
    )


def test_interest_and_discount_placeholders() -> None:
    """Rule "messages": interest_amount adds interest and compensation; discount placeholders
    come from discount terms."""
    template = Template(
        "final-notice",
        (variant("standard", "en", "x", "{interest_amount}|{fee_amount}|{total_due}"),),
    )
    policy = make_policy(templates=[template])
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00"),
        history=[done("credit-hold", ["INV-1"], "2026-10-31")],
    )
    action = run(policy, ledger, on="2026-11-15").actions[0]
    message = render_message(action, policy)
    assert message is not None
    assert message.body == "GBP 87.75|GBP 0.00|GBP 1,287.75"

    nudge = Template(
        "courtesy", (variant("standard", "en", "x", "{discount_amount} by {discount_deadline}"),)
    )
    policy = make_policy(templates=[nudge])
    ledger = account("C1", invoice("INV-1", "2026-09-01", "1200.00", terms="2-10-net30"))
    action = run(policy, ledger, on="2026-09-29").actions[0]
    message = render_message(action, policy)
    assert message is not None
    assert message.body == "GBP 24.00 by 2026-09-11"


@pytest.mark.parametrize(
    ("body", "note"),
    [
        ("Dear {customer}", "unknown placeholder {customer}: the text is shown unfilled"),
        ("{customer_name.__class__}", "unknown placeholder {customer_name.__class__}: the text is "
         "shown unfilled"),
        ("{customer_name", "the template text cannot be filled in (expected '}' before end of "
         "string): shown unfilled"),
        ("Literal {{braces}} for {customer_id}", None),
    ],
    ids=["unknown-name", "no-attribute-access", "broken-format", "escaped-braces"],
)  # fmt: skip
def test_bad_placeholders_leave_the_text_unfilled(body: str, note: str | None) -> None:
    """Rule "messages": only plain placeholder names are filled; anything else is shown as
    written, with a note."""
    template = Template("second-reminder", (variant("standard", "en", "s", body),))
    policy = make_policy(templates=[template])
    action = run(policy, account("C1", invoice("INV-1", "2026-09-01", "1.00")), on="2026-10-16")
    message = render_message(action.actions[0], policy)
    assert message is not None
    assert message.fallback_note == note
    if note is None:
        assert message.body == "Literal {braces} for C1"
    else:
        assert message.body == body


def test_no_message_for_non_contact_actions() -> None:
    """Rule "messages": holds, escalations and reviews have no message; neither has a step
    without a template."""
    policy = make_policy(templates=[SECOND], guardrails=Guardrails(None, "any", m("0.10")))
    hold = run(policy, account("C1", invoice("INV-1", "2026-09-01", "1.00")), on="2026-10-31")
    assert hold.actions[0].kind == "credit_hold"
    assert render_message(hold.actions[0], policy) is None
    call = run(policy, account("C1", invoice("INV-1", "2026-09-01", "1.00")), on="2026-10-23")
    assert call.actions[0].kind == "phone"
    assert render_message(call.actions[0], policy) is None
