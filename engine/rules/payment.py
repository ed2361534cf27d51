"""How a reminder tells the customer to pay: the amount due, the reference, the link, the options.

Rule "payment options" (docs/rules/payment-options.md). Pure: the payment file's records and
an action in, text out. The amount due per currency is the action's open amount plus what the
action charges (fees, interest, compensation), the one amount every message, link and letter
quotes.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import quote

from stdnum.iso7064 import mod_97_10

from engine.model.actions import Action
from engine.model.money import ZERO, format_money, round_money
from engine.model.payment import PAYMENT_PLACEHOLDERS, RF_BODY_MAX, PaymentOptions

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def amounts_due(action: Action) -> dict[str, Decimal]:
    """Return what the action asks the customer to pay, per currency: open plus charged."""
    due = dict(action.totals)
    for currency, amount in action.charged().items():
        due[currency] = due.get(currency, ZERO) + amount
    return {currency: round_money(amount, currency) for currency, amount in sorted(due.items())}


def payment_reference(options: PaymentOptions, action: Action) -> str:
    """Return the reference the customer quotes with a transfer for ``action``.

    ``{invoice}`` is the first of the action's invoices (they are sorted by id). For an ISO
    11649 reference the filled-in text is cut to its letters and digits in capitals; when more
    than 21 remain, the last 21 are kept (the invoice number ends the default text and is the
    part a payment is matched by).
    """
    return reference_for(options, action.customer_id, _first_invoice(action))


def reference_for(options: PaymentOptions, customer_id: str, invoice_id: str) -> str:
    """Return the reference of a transfer from ``customer_id`` paying ``invoice_id`` first (the
    rule ``payment_reference`` applies to an action's first invoice)."""
    text = _fill(options.reference.text, {"customer": customer_id, "invoice": invoice_id})
    if options.reference.scheme != "rf":
        return text
    body = _NOT_ALNUM.sub("", text.upper())[-RF_BODY_MAX:] or "0"
    return "RF" + mod_97_10.calc_check_digits(body + "RF") + body


def format_reference(reference: str) -> str:
    """Return an ISO 11649 reference in groups of four, as printed (other references as given)."""
    if not reference.startswith("RF"):
        return reference
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))


def payment_link(options: PaymentOptions, action: Action, currency: str) -> str:
    """Return the payment page for the action's amount due in ``currency`` ('' without one)."""
    due = amounts_due(action).get(currency)
    if due is None:
        return ""
    return link_for(options, action.customer_id, _first_invoice(action), due, currency)


def link_for(
    options: PaymentOptions, customer_id: str, invoice_id: str, amount: Decimal, currency: str
) -> str:
    """Return the payment page for ``amount`` in ``currency`` from ``customer_id``, naming
    ``invoice_id`` ('' when the currency has no payment link)."""
    link = options.links.get(currency)
    if link is None:
        return ""
    values = {
        "invoice": invoice_id,
        "amount": f"{amount:f}",
        "currency": currency,
        "customer": customer_id,
    }
    return _fill(link.url, {key: quote(value, safe="") for key, value in values.items()})


def payment_options_text(options: PaymentOptions, action: Action) -> str:
    """Return the ways to pay the action's amount due, per currency, as plain text lines."""
    reference = format_reference(payment_reference(options, action))
    blocks: list[str] = []
    for currency, due in amounts_due(action).items():
        lines = [f"To pay {format_money(due, currency)}:"]
        link = payment_link(options, action, currency)
        if link:
            lines.append(f"  Pay online: {link}")
        account = options.bank_accounts.get(currency)
        if account is not None:
            at_bank = f", {account.bank}" if account.bank else ""
            lines.append(f"  Bank transfer to {account.account_name}{at_bank}")
            if account.iban:
                bic = f", BIC {account.bic}" if account.bic else ""
                lines.append(f"    IBAN {group_iban(account.iban)}{bic}")
            else:
                lines.append(
                    f"    Sort code {format_sort_code(account.sort_code or '')}, "
                    f"account {account.account_number}"
                )
            lines.append(f"    Reference {reference}")
        if len(lines) == 1:
            lines.append(f"  Please contact us for how to pay in {currency}.")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def payment_placeholders(policy_payment: PaymentOptions | None, action: Action) -> dict[str, str]:
    """Return ``{payment_options}``, ``{payment_link}`` and ``{payment_reference}`` for ``action``.

    All three are empty without a payment file (``dunning validate`` says so when a template
    uses them). ``{payment_link}`` is the link of the first currency that has one.
    """
    if policy_payment is None:
        return dict.fromkeys(PAYMENT_PLACEHOLDERS, "")
    links = (payment_link(policy_payment, action, c) for c in amounts_due(action))
    return {
        "payment_options": payment_options_text(policy_payment, action),
        "payment_link": next((link for link in links if link), ""),
        "payment_reference": format_reference(payment_reference(policy_payment, action)),
    }


def group_iban(iban: str) -> str:
    """Return an IBAN in groups of four characters, as printed."""
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def format_sort_code(sort_code: str) -> str:
    """Return a UK sort code as ``20-32-06``."""
    digits = sort_code.replace("-", "")
    return "-".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def _first_invoice(action: Action) -> str:
    return min(action.invoice_ids, default="")


class _Formatter(string.Formatter):
    """Plain ``{name}`` placeholders only (the check refuses others before a message is made)."""

    def get_field(self, field_name: str, args: object, kwargs: Mapping[str, str]) -> object:
        return (kwargs.get(field_name, ""), field_name)


def _fill(text: str, values: Mapping[str, str]) -> str:
    try:
        return _Formatter().vformat(text, (), values)
    except (ValueError, IndexError):
        return text
