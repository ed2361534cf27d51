"""The payment portal's PDFs: a statement of account and a copy of one open invoice.

Laid out by the delivery package's statement (the same letterhead as the reminders' statements,
``delivery.compose.statement_document``), in the customer's language; the amounts are the
portal's (``api.portal_view``), written by Babel. The logo is the policy's, as committed.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import Any

from api.policy_state import ServedPolicy
from api.portal_view import PortalAccount
from api.portal_words import Speaker
from delivery.compose import statement_document
from engine.load.policy_repo import file_at
from engine.rules.balances import OpenInvoice

MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg"}  # fmt: skip
# A logo larger than this is not served: a letterhead image is a few kilobytes.
MAX_LOGO_BYTES = 2_000_000


def logo_bytes(repo: Path, served: ServedPolicy | None) -> tuple[bytes, str] | None:
    """Return the company's logo as committed in the policy in force, and its media type."""
    if served is None or served.policy.payment is None:
        return None
    path = served.policy.payment.company.logo
    if not path:
        return None
    media_type = MEDIA_TYPES.get(Path(path).suffix.lower())
    if media_type is None:
        return None
    content = _logo_at(repo, served.version.commit, path)
    if content is None or len(content) > MAX_LOGO_BYTES:
        return None
    return content, media_type


@lru_cache(maxsize=8)
def _logo_at(repo: Path, commit: str | None, path: str) -> bytes | None:
    if commit:
        return file_at(repo, commit, path)
    found = (repo / path).resolve()
    if not found.is_file() or not found.is_relative_to(repo.resolve()):
        return None
    return found.read_bytes()


def statement_pdf(account: PortalAccount, logo: tuple[bytes, str] | None) -> bytes:
    """Return the customer's statement of account as a PDF."""
    say = account.speaker()
    return _document(account, logo, say, say("statement_title"),
                     list(account.statement.invoices), with_charges=True)  # fmt: skip


def invoice_pdf(account: PortalAccount, invoice_id: str, logo: tuple[bytes, str] | None) -> bytes:
    """Return a copy of the open invoice ``invoice_id`` of the customer as a PDF."""
    say = account.speaker()
    entries = [e for e in account.statement.invoices if e.invoice.id == invoice_id]
    title = f"{say('invoice')} {invoice_id}"
    return _document(account, logo, say, title, entries, with_charges=False)


def _document(
    account: PortalAccount,
    logo: tuple[bytes, str] | None,
    say: Speaker,
    title: str,
    entries: list[OpenInvoice],
    *,
    with_charges: bool,
) -> bytes:
    rows = [
        {
            "id": e.invoice.id,
            "issued": say.day(e.invoice.issued),
            "due": say.day(e.due),
            "days_overdue": max(e.days_overdue, 0),
            "amount": say.money(e.invoice.amount, e.invoice.currency),
            "open": say.money(e.open, e.invoice.currency),
        }
        for e in entries
    ]
    charges = [
        {
            "label": f"{say('charge_' + c.kind)} ({say.day(c.charged)})"
            + (f", {', '.join(c.invoice_ids)}" if c.invoice_ids else ""),
            "amount": say.money(c.owed, c.currency),
        }
        for c in (account.charges if with_charges else ())
    ]
    if with_charges:
        due = [(o.currency, say.money(o.amount, o.currency)) for o in account.options]
    else:
        due = [(e.invoice.currency, say.money(e.open, e.invoice.currency)) for e in entries]
    values: dict[str, Any] = {
        "company": account.company,
        "logo": _data_uri(logo),
        "customer_name": account.customer_name,
        "customer_id": account.customer_id,
        "date": say.day(account.day),
        "invoices": rows,
        "charges": charges,
        "due": due,
        "options": "",
        "words": {
            "lang": say.language,
            "title": title,
            "intro": say("intro", customer=account.customer_id, day=say.day(account.day))
            + f" · {account.customer_name}",
            **{key: say(key) for key in ("invoice", "issued", "due", "days_overdue", "amount",
                                         "open", "total_due", "how_to_pay")},
        },
    }  # fmt: skip
    return statement_document(values, root=Path(__file__).parent)


def _data_uri(logo: tuple[bytes, str] | None) -> str | None:
    if logo is None:
        return None
    content, media_type = logo
    return f"data:{media_type};base64,{base64.b64encode(content).decode()}"
