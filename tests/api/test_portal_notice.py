"""A dispute sent from the payment portal tells the account owner by email (issue 18).

Kestrel Hotels (KEST-0003, owner sales-priya, whose address the policy's `staff_emails` gives)
reports on the portal that invoice INV-3001 was never received. The notice is queued in the
outbox with the dispute and delivered, once, by the next `dunning send` to a real SMTP server
(aiosmtpd, as the other sending tests). A customer without an owner notifies nobody.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.settings import ApiSettings
from delivery.notices import NOTICE_STEP
from dunning.cli import main
from store.models import action_log, outbox
from tests.api.ledger_data import DAY, seed
from tests.api.test_portal import form_of, path_of, portal_client
from tests.delivery.conftest import (
    Mailbox,
    smtp_server,  # noqa: F401 - the real SMTP server (aiosmtpd) of the sending tests
)

OWNER = "priya.shah@northwind.example"


@pytest.fixture
def portal(settings: ApiSettings, engine: Engine) -> Iterator[TestClient]:
    seed(engine)
    with portal_client(settings) as started:
        yield started


def _notices(engine: Engine) -> list[tuple[str, str, str]]:
    o = outbox.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(o.customer_id, o.recipients, o.subject).where(o.step == NOTICE_STEP)
        ).all()
    return [tuple(row) for row in rows]


def test_a_dispute_from_the_portal_emails_the_account_owner_once(
    portal: TestClient,
    engine: Engine,
    settings: ApiSettings,
    smtp_server: tuple[Mailbox, str],  # noqa: F811 - the fixture imported above
) -> None:
    path = path_of(portal, "KEST-0003")
    fields = form_of(portal.get(path).text, "dispute", invoice="INV-3001", reason="not_received",
                     text="Delivery note KH-77 was never signed")  # fmt: skip
    for _ in range(2):  # a double click: one dispute, one notice
        sent = portal.post(f"{path}/answer", data=fields, follow_redirects=False)
        assert sent.status_code == 303
    subject = "Kestrel Hotels Group plc reports a problem with invoice INV-3001"
    assert _notices(engine) == [("KEST-0003", OWNER, subject)]

    mailbox, url = smtp_server
    args = ["send", "--ledger", settings.database_url, "--policy", str(settings.repo),
            "--date", DAY.isoformat()]  # fmt: skip
    for _ in range(2):  # a second run sends nothing new
        result = CliRunner().invoke(main, args, env={"DUNNING_SMTP_URL": url},
                                    catch_exceptions=False)  # fmt: skip
        assert result.exit_code == 0, result.output
    received = mailbox.to(OWNER)
    assert len(received) == 1
    notice: EmailMessage = received[0]
    assert notice["Subject"] == subject
    body = notice.get_content()
    assert "Reason: We did not receive the goods or the invoice" in body
    assert "Delivery note KH-77 was never signed" in body
    assert "account KEST-0003" in body
    with engine.connect() as conn:
        delivered = conn.execute(
            select(action_log.c.status, action_log.c.invoice_ids)
            .where(action_log.c.step == NOTICE_STEP)
        ).all()  # fmt: skip
    # Delivered means done (nobody has work left on it); it names no invoice, so the report
    # "what works" never counts it as a step that reached one.
    assert sorted(tuple(row) for row in delivered) == [("done", []), ("sent", [])]


def test_a_customer_without_an_owner_notifies_nobody(portal: TestClient, engine: Engine) -> None:
    path = path_of(portal, "TEST-0001")
    fields = form_of(portal.get(path).text, "dispute", invoice="INV-1002", reason="other")
    assert portal.post(f"{path}/answer", data=fields, follow_redirects=False).status_code == 303
    assert _notices(engine) == []
