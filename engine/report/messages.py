"""The message of a contact action: its template's variant for the customer, filled in.

Rendered lazily, for the actions someone looks at, never by the evaluation itself. The variant is
chosen by the action's tone and language with a fallback (docs/policy-format.md, "Template"):
the tone in the customer's language, the tone in the policy language, ``standard`` in the
customer's language, ``standard`` in the policy language.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.model.actions import CONTACT_KINDS, Action
from engine.model.money import ZERO, format_money
from engine.model.policy import PORTAL_PLACEHOLDER, Policy, Template, TemplateVariant
from engine.rules.payment import amounts_due, payment_placeholders


@dataclass(frozen=True, slots=True)
class Message:
    """A rendered message: what to send, and which variant of which template it came from."""

    subject: str
    body: str
    tone: str  # of the variant used
    language: str  # of the variant used
    template: str
    fallback_note: str | None = None  # why another variant than the one asked for was used


def choose_variant(
    template: Template, tone: str, language: str, policy_language: str
) -> tuple[TemplateVariant | None, str | None]:
    """Return the variant for ``tone`` and ``language`` by the fallback order, and a note when
    another variant than the one asked for is used (None when none fits at all)."""
    wanted = [
        (tone, language),
        (tone, policy_language),
        ("standard", language),
        ("standard", policy_language),
    ]
    by_key = {(v.tone, v.language): v for v in template.variants}
    for choice in wanted:
        found = by_key.get(choice)
        if found is not None:
            if choice == (tone, language):
                return found, None
            return found, (
                f"template '{template.name}' has no {tone} variant in '{language}': "
                f"used the {found.tone} variant in '{found.language}'"
            )
    return None, None


def render_message(action: Action, policy: Policy, *, portal_link: str = "") -> Message | None:
    """Return the message of a contact action, or None (not a contact, or no template for it).

    ``portal_link`` is the customer's personal link to the payment portal for this message;
    without one (no portal set up, or a message shown to staff) every paragraph of the body
    that quotes ``{portal_link}`` is left out.
    """
    if action.kind not in CONTACT_KINDS or action.template is None:
        return None
    template = policy.templates.get(action.template)
    if template is None:
        return None
    variant, note = choose_variant(template, action.tone, action.language, policy.language)
    if variant is None:
        return None
    values = placeholder_values(action, policy, portal_link=portal_link)
    subject, subject_problem = _fill(variant.subject, values)
    body, body_problem = _fill(
        variant.body if portal_link else without_portal(variant.body), values
    )
    problem = subject_problem or body_problem
    if problem:
        note = f"{note}; {problem}" if note else problem
    return Message(subject, body, variant.tone, variant.language, template.name, note)


def without_portal(body: str) -> str:
    """Return ``body`` without the paragraphs that quote ``{portal_link}``."""
    marker = "{" + PORTAL_PLACEHOLDER + "}"
    if marker not in body:
        return body
    return "\n\n".join(p for p in body.split("\n\n") if marker not in p)


def placeholder_values(action: Action, policy: Policy, *, portal_link: str = "") -> dict[str, str]:
    """Return the text of every placeholder a template may use, for ``action``."""
    fee_by = _per_currency(action, lambda kind: kind == "fee")
    interest_by = _per_currency(action, lambda kind: kind in {"interest", "compensation"})
    total_due = amounts_due(action)
    deadlines = sorted(
        r.facts["discount_deadline"] for r in action.reasons if "discount_deadline" in r.facts
    )
    discounts: dict[str, Decimal] = {}
    for r in action.reasons:
        if "discount_amount" in r.facts and "currency" in r.facts:
            currency = r.facts["currency"]
            discounts[currency] = discounts.get(currency, ZERO) + Decimal(
                r.facts["discount_amount"]
            )
    first = sorted(action.totals) or [policy.base_currency]
    return {
        "customer_name": action.customer_name,
        "customer_id": action.customer_id,
        "invoice_numbers": ", ".join(action.invoice_ids),
        "invoice_table": invoice_table(action),
        "total_overdue": _amounts(action.totals, first),
        "oldest_due_date": min((i.due for i in action.invoices), default=action.date).isoformat(),
        "days_overdue": str(max((i.days_overdue for i in action.invoices), default=0)),
        "fee_amount": _amounts(fee_by, first),
        "interest_amount": _amounts(interest_by, first),
        "total_due": _amounts(total_due, first),
        "company_name": policy.name,
        "step_name": action.step,
        "discount_deadline": deadlines[0] if deadlines else "",
        "discount_amount": _amounts(discounts, first) if discounts else "",
        **payment_placeholders(policy.payment, action),
        PORTAL_PLACEHOLDER: portal_link,
    }


def invoice_table(action: Action) -> str:
    """Return the action's invoices as a plain-text table (fixed-width columns)."""
    header = ("Invoice", "Issued", "Due", "Open", "Days overdue")
    rows = [
        (
            inv.id,
            inv.issued.isoformat(),
            inv.due.isoformat(),
            format_money(inv.open, inv.currency),
            str(inv.days_overdue),
        )
        for inv in action.invoices
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        left = [cells[i].ljust(widths[i]) for i in range(3)]
        right = [cells[i].rjust(widths[i]) for i in range(3, len(cells))]
        return "  ".join(left + right).rstrip()

    return "\n".join([line(header), *(line(row) for row in rows)])


def _per_currency(action: Action, wanted: Callable[[str], bool]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for charge in action.charges:
        if wanted(charge.kind):
            out[charge.currency] = out.get(charge.currency, ZERO) + charge.amount
    return out


def _amounts(amounts: Mapping[str, Decimal], currencies: Sequence[str]) -> str:
    """Return ``GBP 1,200.00`` (and ``EUR 40.00`` ...), or zero in the first currency."""
    shown = [format_money(amounts[c], c) for c in sorted(amounts)]
    if not shown:
        return format_money(ZERO, currencies[0])
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


class _Formatter(string.Formatter):
    """``str.format_map`` limited to plain names: ``{a.b}`` or ``{a[0]}`` would let a template
    reach into Python objects."""

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if not field_name.isidentifier():
            raise KeyError(field_name)
        return (self.get_value(field_name, args, kwargs), field_name)


def _fill(text: str, values: Mapping[str, str]) -> tuple[str, str | None]:
    """Return ``text`` with its placeholders filled in, or as written and why it could not be."""
    try:
        return _Formatter().vformat(text, (), values), None
    except KeyError as error:
        name = error.args[0] if error.args else "?"
        return text, f"unknown placeholder {{{name}}}: the text is shown unfilled"
    except (ValueError, IndexError) as error:
        return text, f"the template text cannot be filled in ({error}): shown unfilled"
