"""Delivery test fixtures: a ledger database with reminders due, and a real SMTP server.

The SMTP server is aiosmtpd running in the test process on a free loopback port; its mailbox
keeps every message it accepted and can be told to answer a recipient or a message with a
temporary (4xx) or permanent (5xx) refusal.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, insert

from dunning.inputs import LoadedPolicy, load_valid_policy
from store.connection import create_store_engine
from store.migrate import upgrade
from store.models import customers, invoices

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 23)  # a Monday

# Each customer is at one step on DAY under the example policy's standard ladder (net 30).
LEDGER: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (  # first reminder, due 2026-11-20 (Friday), the next business day is DAY
        {"id": "TEST-0001", "name": "Test One Ltd", "country": "GB", "email": "ap@one.example"},
        {"id": "INV-1001", "issued": date(2026, 10, 21), "amount": Decimal("1200.00")},
    ),
    (  # second reminder (statement attached, reminder fee), due 2026-11-09
        {"id": "TEST-0002", "name": "Test Two Ltd", "country": "GB", "email": "ap@two.example"},
        {"id": "INV-2001", "issued": date(2026, 10, 10), "amount": Decimal("480.50")},
    ),
    (  # final notice (a letter), due 2026-10-09
        {"id": "TEST-0003", "name": "Test Three Ltd", "country": "GB", "email": "ap@three.example"},
        {"id": "INV-3001", "issued": date(2026, 9, 9), "amount": Decimal("2500.00")},
    ),
    (  # first reminder, but nobody to email
        {"id": "TEST-0004", "name": "Test Four Ltd", "country": "GB", "email": ""},
        {"id": "INV-4001", "issued": date(2026, 10, 21), "amount": Decimal("99.00")},
    ),
]


def seed(engine: Engine) -> None:
    """Fill a migrated database with the ledger above."""
    with engine.begin() as conn:
        for customer, invoice in LEDGER:
            conn.execute(
                insert(customers), {"segment": None, "language": "en", **customer}
            )
            conn.execute(
                insert(invoices),
                {
                    "customer_id": customer["id"],
                    "number": invoice["id"],
                    "due": None,
                    "terms": None,
                    "currency": "GBP",
                    **invoice,
                },
            )


@pytest.fixture
def ledger_url(db_url: str) -> Iterator[str]:
    """Return the URL of a migrated database holding ``LEDGER``."""
    engine = create_store_engine(db_url)
    upgrade(engine)
    seed(engine)
    engine.dispose()
    yield db_url


@pytest.fixture(scope="session")
def loaded() -> LoadedPolicy:
    """Return the example policy of this repository (with its payment options)."""
    return load_valid_policy(ROOT)


@dataclass
class Mailbox:
    """An SMTP handler that keeps what it accepted and refuses on request."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    rcpt_answers: dict[str, list[str]] = field(default_factory=dict)
    data_answers: list[str] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        answers = self.rcpt_answers.get(address)
        if answers:
            return answers.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_answers:
            return self.data_answers.pop(0)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return f"250 2.0.0 Ok: queued as Q{len(self.messages)}"

    def parsed(self) -> list[EmailMessage]:
        """Return the accepted messages, parsed."""
        out = []
        for _, _, content in self.messages:
            message = message_from_bytes(content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            out.append(message)
        return out

    def to(self, address: str) -> list[EmailMessage]:
        """Return the accepted messages addressed to ``address``."""
        return [m for (_, rcpts, _), m in zip(self.messages, self.parsed(), strict=True)
                if address in rcpts]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, str]]:
    """Return a mailbox and the ``smtp://`` URL of a real SMTP server delivering into it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield mailbox, f"smtp://127.0.0.1:{controller.port}?timeout=10"
    finally:
        controller.stop()
