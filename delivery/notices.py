"""Emails to staff: the account owner told that a customer reported a problem with an invoice on
the payment portal.

A notice is queued in the outbox (``store.outbox``) in the transaction that records the dispute,
under an id made from the answer, so a form sent twice queues one notice; the next
``dunning send`` or ``dunning run`` delivers it like a reminder, at most once. The owner's
address is the policy's ``staff_emails`` entry for the customer's ``owner``; without an owner
or an address nobody is emailed, and the dispute still waits on the staff's portal page.
The notice names no invoice in the outbox row, so the report "what works" never counts it as a
step that reached an invoice.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from engine.model.payment import Company
from engine.model.policy import Policy
from store.outbox import Queued

# The outbox's step of an owner's notice (not a ladder step: the list never shows it).
NOTICE_STEP = "owner-notice"


def notice_id(customer_id: str, answer_key: str) -> str:
    """Return the outbox id of the notice of ``customer_id``'s portal answer ``answer_key``."""
    digest = hashlib.sha256(f"{customer_id}\x1f{answer_key}".encode()).hexdigest()[:24]
    return f"notice-{digest}"


def owner_address(policy: Policy, owner: str | None) -> str | None:
    """Return the email address of the account owner ``owner``, or None (none is known)."""
    return policy.staff_emails.get(owner) if owner else None


def dispute_notice(
    policy: Policy,
    *,
    owner: str | None,
    customer_id: str,
    customer_name: str,
    invoice_id: str,
    reason: str,
    text: str,
    day: date,
    answer_key: str,
    now: datetime | None = None,
) -> Queued | None:
    """Return the email telling the owner of ``customer_id`` of its dispute of ``invoice_id``
    (``reason`` in words, the customer's ``text``), or None when the owner has no address."""
    address = owner_address(policy, owner)
    if address is None:
        return None
    company = policy.payment.company if policy.payment else Company(policy.name)
    identity = notice_id(customer_id, answer_key)
    domain = (company.email or "dunning.invalid").rpartition("@")[2]
    subject = f"{customer_name} reports a problem with invoice {invoice_id}"
    body = "\n".join([
        f"{customer_name} (account {customer_id}) reported a problem with invoice {invoice_id}"
        f" on the payment portal on {day.isoformat()}.",
        "",
        f"Reason: {reason}",
        *(["", "In their words:", text] if text.strip() else []),
        "",
        "The invoice is disputed from today: it is not chased until the dispute is resolved.",
        "It waits on the workspace's Customer requests page (/portal/requests) until someone",
        "marks it handled.",
        "",
        f"-- {company.name} collections",
    ])  # fmt: skip
    email = EmailMessage()
    email["From"] = formataddr((company.name, company.email or ""))
    email["To"] = address
    email["Subject"] = subject
    email["Date"] = format_datetime(now or datetime.now(UTC))
    email["Message-ID"] = f"<{identity}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"
    email["X-Dunning-Action"] = identity
    email.set_content(body)
    return Queued(
        action_id=identity,
        date=day,
        customer_id=customer_id,
        step=NOTICE_STEP,
        invoice_ids=(),
        channel="email",
        recipients=(address,),
        subject=subject,
        message_id=email["Message-ID"],
        content=email.as_bytes(policy=SMTP),
        facts={"customer_name": customer_name},
    )
