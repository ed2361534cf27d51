"""A reminder that could not be delivered is shown to staff: on the action's page, with the
mail server's words and what to do, and in the customer's list of emails and letters."""

from __future__ import annotations

from sqlalchemy import Engine

from store import outbox
from tests.api.ledger_data import DAY as DATE_DAY
from tests.web.conftest import DATE, SignedIn
from tests.web.test_action_page import action_of

REFUSED = "refused: 550 5.1.1 <ap@two.example>: user unknown"


def put_in_outbox(engine: Engine, action_id: str, *, refuse: bool) -> None:
    """Queue the action's email and deliver it as the sender does: refused, or accepted."""
    message = outbox.Queued(
        action_id, DATE_DAY, "TEST-0002", "first-reminder", ("INV-2001",), "email",
        ("ap@two.example",), "First reminder: invoice INV-2001", "<reminder.x@example>",
        b"Subject: First reminder\r\n\r\nPlease pay.\r\n",
    )  # fmt: skip
    with engine.connect() as conn:
        assert outbox.enqueue(conn, [message]) == 1
        claimed = outbox.claim(conn, action_id, "worker")
        assert claimed is not None
        if refuse:
            assert outbox.mark_failed(conn, claimed, "worker", REFUSED, outcome="email refused")
        else:
            assert outbox.mark_sent(conn, claimed, "worker", "accepted: 250 Ok",
                                    outcome="email sent")  # fmt: skip


def test_a_refused_email_is_shown_on_the_action_and_the_customer(
    signed_in: SignedIn, engine: Engine
) -> None:
    client = signed_in("collector")
    action_id = action_of(client, "TEST-0002", "first-reminder")
    put_in_outbox(engine, action_id, refuse=True)

    page = client.get(f"/actions/{action_id}", params=DATE)
    assert page.status_code == 200
    html = page.text
    assert 'class="problem" role="alert"' in html
    assert "The email could not be delivered" in html
    assert "user unknown" in html and "not delivered" in html
    assert f"dunning send --retry {action_id}" in html

    customer = client.get("/customers/TEST-0002", params=DATE).text
    assert "Emails and letters sent" in customer
    assert "Email &#39;first-reminder&#39;" in customer and "to ap@two.example" in customer
    assert "user unknown" in customer and "not delivered" in customer


def test_a_delivered_email_is_shown_as_sent(signed_in: SignedIn, engine: Engine) -> None:
    client = signed_in("viewer")
    action_id = action_of(client, "TEST-0002", "first-reminder")
    put_in_outbox(engine, action_id, refuse=False)

    customer = client.get("/customers/TEST-0002", params=DATE).text
    assert '<span class="badge status-sent">sent</span>' in customer
    assert "accepted: 250 Ok" in customer
    assert "not delivered" not in customer and "--retry" not in customer


def test_a_customer_without_messages_has_no_such_section(signed_in: SignedIn) -> None:
    customer = signed_in("viewer").get("/customers/TEST-0001", params=DATE).text
    assert "Emails and letters sent" not in customer
