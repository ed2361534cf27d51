"""What goes out for an action: an email (plain text + HTML, statement attached) or a letter PDF.

The words come from the engine (``engine.report.messages.render_message``), and so do the
amounts, the payment link and the reference (``engine.rules.payment``): this module only lays
them out. HTML is Jinja2 with autoescaping; PDFs are WeasyPrint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from engine.model.actions import Action
from engine.model.ledger import Customer
from engine.model.money import format_money
from engine.model.payment import Company, PaymentOptions
from engine.model.policy import Contact, Policy
from engine.report.messages import Message, render_message
from engine.rules.charges_owed import logged_charges
from engine.rules.effective import effective_policy
from engine.rules.payment import amounts_due, payment_placeholders
from store.outbox import charge_facts

CHANNELS = ("email", "letter")
# The rows of a statement's table, each a mapping of its cells.
Rows = Sequence[Mapping[str, Any]]
# Contacts of this role get reminders when a customer has any; else every contact with an email.
BILLING_ROLE = "accounts_payable"


class CannotComposeError(Exception):
    """An action whose message cannot be made (no template, no payment file); said to staff."""


@dataclass(frozen=True, slots=True)
class Composed:
    """A message ready for the outbox."""

    action: Action
    channel: str
    recipients: tuple[str, ...]
    subject: str
    message_id: str
    content: bytes  # an RFC 5322 message (email) or a PDF (letter)
    text: str  # the plain text, for --dry-run
    needs_person: bool
    facts: Mapping[str, str]  # customer name, amount due, payment reference


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("delivery", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def needs_person(action: Action) -> bool:
    """Return whether a person still has work on ``action`` once its message went out.

    A step that names who does it (``assign:``) stays on that person's list; any other delivered
    message marks its action done.
    """
    return action.assign is not None


def recipients(policy: Policy, customer: Customer, action: Action) -> tuple[str, ...]:
    """Return the email addresses a reminder for ``action`` goes to (the billing contacts)."""
    currencies = frozenset(action.totals)
    contacts: Sequence[Contact] = effective_policy(policy, customer, currencies).contacts
    billing = [c for c in contacts if c.email and c.role == BILLING_ROLE]
    chosen = billing or [c for c in contacts if c.email]
    return tuple(dict.fromkeys(c.email for c in chosen))


def message_id(action: Action, company: Company) -> str:
    """Return the action's Message-ID: the same for every attempt, so a repeat can be recognised."""
    domain = (company.email or "dunning.invalid").rpartition("@")[2]
    digest = hashlib.sha256(action.id.encode()).hexdigest()[:32]
    return f"<reminder.{digest}@{domain}>"


def compose(
    action: Action,
    policy: Policy,
    customer: Customer,
    *,
    root: Path,
    now: datetime | None = None,
    with_content: bool = True,
    portal_link: str = "",
) -> Composed:
    """Return the email or letter for ``action``, or raise ``CannotComposeError`` saying why.

    Without ``with_content`` (a dry run) the MIME message and PDFs are not made. ``portal_link``
    is the customer's personal link to the payment portal (``store.portal_links``), quoted where
    the template says ``{portal_link}``.
    """
    if action.kind not in CHANNELS:
        raise CannotComposeError(f"a {action.kind} action is not sent by dunning send")
    payment = policy.payment
    if payment is None:
        raise CannotComposeError(
            "the policy has no policies/payment.yaml, so reminders have no sender or letterhead"
        )
    message = render_message(action, policy, portal_link=portal_link)
    if message is None:
        raise CannotComposeError(f"step '{action.step}' has no template to send")
    identity = message_id(action, payment.company)
    facts = {
        "customer_name": action.customer_name,
        "amount_due": ", ".join(format_money(a, c) for c, a in amounts_due(action).items()),
        "payment_reference": payment_placeholders(payment, action)["payment_reference"],
        # What the step charges, recorded with its done outcome (rule "charges owed").
        **charge_facts(logged_charges(action)),
    }
    if action.kind == "letter":
        pdf = letter_pdf(action, policy, payment, message, root=root) if with_content else b""
        return Composed(action, "letter", (), message.subject, identity, pdf, message.body,
                        needs_person(action), facts)  # fmt: skip
    to = recipients(policy, customer, action)
    if not to:
        raise CannotComposeError(
            "the customer has no email address: add a contact with an email to its customer "
            "file, or an email to the ledger"
        )
    content = b""
    if with_content:
        email = email_message(
            action, policy, payment, message, to=to, identity=identity, root=root, now=now
        )
        # CRLF line ends, as SMTP carries them (smtplib sends bytes as they are).
        content = email.as_bytes(policy=SMTP)
    return Composed(action, "email", to, message.subject, identity, content,
                    message.body, needs_person(action), facts)  # fmt: skip


def email_message(
    action: Action,
    policy: Policy,
    payment: PaymentOptions,
    message: Message,
    *,
    to: Sequence[str],
    identity: str,
    root: Path,
    now: datetime | None = None,
) -> EmailMessage:
    """Return the multipart email: text and HTML alternatives, and the statement when asked."""
    company = payment.company
    email = EmailMessage()
    email["From"] = formataddr((company.name, company.email or ""))
    email["To"] = ", ".join(to)
    email["Reply-To"] = company.reply_to or company.email or ""
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now or datetime.now(UTC))
    email["Message-ID"] = identity
    email["Content-Language"] = message.language
    # A transactional message: automatic (RFC 3834), so auto-responders answer to a person's
    # mailbox only, and without List-Unsubscribe: a reminder of a debt is not a mailing list.
    email["Auto-Submitted"] = "auto-generated"
    email["X-Dunning-Action"] = action.id
    email.set_content(message.body)
    email.add_alternative(email_html(action, payment, message), subtype="html")
    if action.step in payment.attach_statement:
        email.add_attachment(
            statement_pdf(action, policy, payment, root=root),
            maintype="application",
            subtype="pdf",
            filename=f"statement-{action.customer_id}-{action.date.isoformat()}.pdf",
        )
    return email


def email_html(action: Action, payment: PaymentOptions, message: Message) -> str:
    """Return the HTML part: the same words as the text part, with a pay button."""
    due = amounts_due(action)
    link = payment_placeholders(payment, action)["payment_link"]
    first = next(iter(due.items()), None)
    return _environment().get_template("email.html.j2").render(
        language=message.language,
        subject=message.subject,
        company=payment.company,
        blocks=_blocks(message.body),
        payment_link=link,
        amount_due=format_money(first[1], first[0]) if first else "",
    )


def letter_pdf(
    action: Action, policy: Policy, payment: PaymentOptions, message: Message, *, root: Path
) -> bytes:
    """Return the letter as a PDF on the company's letterhead."""
    reference = payment_placeholders(payment, action)["payment_reference"]
    html = _environment().get_template("letter.html.j2").render(
        language=message.language,
        subject=message.subject,
        company=payment.company,
        logo=_logo(payment.company, root),
        customer_name=action.customer_name,
        customer_id=action.customer_id,
        date=action.date.isoformat(),
        reference=reference,
        blocks=_blocks(message.body),
        footer=_css_string(payment.company.registration or payment.company.name),
    )
    return _pdf(html, root)


def statement_pdf(action: Action, policy: Policy, payment: PaymentOptions, *, root: Path) -> bytes:
    """Return a statement of the action's invoices and charges, with the amount due."""
    invoices = [
        {
            "id": inv.id,
            "issued": inv.issued.isoformat(),
            "due": inv.due.isoformat(),
            "days_overdue": inv.days_overdue,
            "amount": format_money(inv.amount, inv.currency),
            "open": format_money(inv.open, inv.currency),
        }
        for inv in action.invoices
    ]
    charges = [
        {
            "label": f"{charge.kind.capitalize()}: {charge.name}"
            + (f" ({charge.invoice_id})" if charge.invoice_id else ""),
            "amount": format_money(charge.amount, charge.currency),
        }
        for charge in action.charges
    ]
    return statement_document(
        {
            "company": payment.company,
            "logo": _logo(payment.company, root),
            "customer_name": action.customer_name,
            "customer_id": action.customer_id,
            "date": action.date.isoformat(),
            "invoices": invoices,
            "charges": charges,
            "due": [(c, format_money(a, c)) for c, a in amounts_due(action).items()],
            "options": payment_placeholders(payment, action)["payment_options"],
        },
        root=root,
    )


def statement_document(values: Mapping[str, Any], *, root: Path) -> bytes:
    """Return a statement PDF of the letterhead, invoices, charges and amounts due in
    ``values`` (already written as they are shown). ``words`` may name the headings in the
    reader's language; the payment portal's statement and invoice copies are made here too."""
    html = _environment().get_template("statement.html.j2").render(**values)
    return _pdf(html, root)


def account_statement_pdf(
    payment: PaymentOptions,
    customer_name: str,
    customer_id: str,
    day: str,
    rows: tuple[Rows, Rows, Sequence[tuple[str, str]]],
    *,
    options: str = "",
    root: Path,
) -> bytes:
    """Return a statement of account as a PDF: ``rows`` are the invoice rows (id, issued, due,
    days_overdue, amount, open), the other lines (label, amount) and the totals per currency
    (a hand-off's case file)."""
    invoices, charges, due = rows
    return statement_document(
        {
            "company": payment.company,
            "logo": _logo(payment.company, root),
            "customer_name": customer_name,
            "customer_id": customer_id,
            "date": day,
            "invoices": invoices,
            "charges": charges,
            "due": due,
            "options": options,
        },
        root=root,
    )


def _pdf(html: str, root: Path) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 - heavy: only for a PDF

    pdf: bytes = HTML(string=html, base_url=str(root)).write_pdf()
    return pdf


def _logo(company: Company, root: Path) -> str | None:
    """Return the logo as a file URL WeasyPrint can read, or None (no logo, or missing file)."""
    if company.logo is None:
        return None
    path = (root / company.logo).resolve()
    if not path.is_file() or not path.is_relative_to(root.resolve()):
        return None
    return path.as_uri()


def _blocks(body: str) -> list[dict[str, Any]]:
    """Return the paragraphs of a plain-text body; fixed-width tables are kept as tables."""
    blocks: list[dict[str, Any]] = []
    for paragraph in body.strip().split("\n\n"):
        lines = paragraph.split("\n")
        table = len(lines) > 1 and any("  " in line.strip() for line in lines)
        blocks.append({"text": paragraph, "table": table})
    return blocks


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
