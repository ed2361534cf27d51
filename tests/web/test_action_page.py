"""An action's page: the message, reasons and version, and recording outcomes through forms."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from store.models import action_log, disputes, payment_plans, promises
from tests.api.conftest import Tokens
from tests.web.conftest import DATE, SignedIn, csrf_of
from tests.web.conftest import browsers as signed_in_browsers


def action_of(client: TestClient, customer: str, step: str) -> str:
    page = client.get("/", params=DATE).text
    section = page[page.index(f'id="c-{customer}"'):]
    found = re.search(
        rf'id="a-([^"]+)">\s*<td class="step"><a href="[^"]*">{re.escape(step)}</a>', section
    )
    assert found is not None, f"{customer} {step} is not on the list"
    return found.group(1)


def record(client: TestClient, action_id: str, **fields: Any) -> Any:
    page = client.get(f"/actions/{action_id}", params=DATE)
    key = re.search(r'name="key" value="([^"]+)"', page.text)
    data = {"csrf": csrf_of(page.text), "back": "/?date=2026-11-23#c-TEST-0001",
            "key": key.group(1) if key else "", **fields}
    return client.post(f"/actions/{action_id}/record", params=DATE, data=data,
                       follow_redirects=False)


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_action_page_shows_message_reasons_and_version(signed_in: SignedIn) -> None:
    client = signed_in("collector")
    action_id = action_of(client, "TEST-0002", "first-reminder")
    page = client.get(f"/actions/{action_id}", params=DATE)
    assert page.status_code == 200
    html = page.text
    assert 'id="message-body"' in html and "Copy the message" in html
    assert "Why it is on the list" in html
    assert "Content digest" in html
    for button in ("Record the promise", "Record the dispute", "Record the payment plan",
                   "Skip this action", "Hand over"):
        assert button in html
    letter = client.get(f"/actions/{action_id}/letter", params=DATE)
    assert letter.status_code == 200
    assert "Print the letter" in letter.text and "INV-2001" in letter.text


def test_done_leaves_the_list_and_returns_to_the_same_place(
    signed_in: SignedIn, engine: Engine
) -> None:
    client = signed_in("collector")
    action_id = action_of(client, "TEST-0002", "first-reminder")
    done = record(client, action_id, outcome="done", note="Sent by hand")
    assert done.status_code == 303
    assert done.headers["location"] == (
        "/?date=2026-11-23&recorded=done&recorded_for=TEST-0002#c-TEST-0001"
    )
    page = client.get(done.headers["location"])
    assert "TEST-0002" not in re.findall(r'id="c-([^"]+)"', page.text)
    assert "Action for TEST-0002 marked done" in page.text
    assert count(engine, action_log) == 1


def test_called_no_answer_keeps_the_action_and_notes_the_call(signed_in: SignedIn) -> None:
    client = signed_in("collector")
    action_id = action_of(client, "TEST-0001", "call")
    assert record(client, action_id, outcome="no_answer", note="Rang twice").status_code == 303
    assert action_of(client, "TEST-0001", "call") == action_id
    timeline = client.get("/customers/TEST-0001", params=DATE).text
    assert "Called – no answer. Rang twice" in timeline
    assert "by test-collector" in timeline


def test_a_promise_and_a_dispute_through_the_forms(signed_in: SignedIn, engine: Engine) -> None:
    client = signed_in("collector")
    call = action_of(client, "TEST-0001", "call")
    promised = record(client, call, outcome="promise", amount="1,200.00", currency="GBP",
                      pay_by="2026-12-04", note="Ann will pay Friday")
    assert promised.status_code == 303, promised.text
    assert count(engine, promises) == 1
    reminder = action_of(client, "TEST-0002", "first-reminder")
    disputed = record(client, reminder, outcome="dispute", invoices="INV-2001",
                      reason="Goods damaged")
    assert disputed.status_code == 303
    assert count(engine, disputes) == 1
    listed = re.findall(r'id="c-([^"]+)"', client.get("/", params=DATE).text)
    assert "TEST-0002" not in listed


def test_a_payment_plan_through_the_form(signed_in: SignedIn, engine: Engine) -> None:
    client = signed_in("collector")
    reminder = action_of(client, "TEST-0002", "first-reminder")
    planned = record(client, reminder, outcome="plan", invoices="INV-2001",
                     due_1="2026-12-01", amount_1="250.00", due_2="2027-01-01",
                     amount_2="250.00", note="Two instalments")
    assert planned.status_code == 303, planned.text
    assert count(engine, payment_plans) == 1
    timeline = client.get("/customers/TEST-0002", params=DATE).text
    assert "Payment plan agreed: 2 instalments" in timeline


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"outcome": "promise", "amount": "", "pay_by": "2026-12-04"}, "amount"),
        ({"outcome": "promise", "amount": "10", "pay_by": "2026-11-01"}, "before 2026-11-23"),
        ({"outcome": "dispute", "reason": "x"}, "Tick the invoices"),
        ({"outcome": "skip", "note": ""}, "Say why"),
        ({"outcome": "plan", "invoices": "INV-2001"}, "at least one instalment"),
        ({"outcome": "reassign", "assignee": ""}, "Name the colleague"),
    ],
    ids=["promise-no-amount", "promise-in-the-past", "dispute-no-invoice", "skip-no-reason",
         "plan-no-instalment", "hand-over-to-nobody"],
)
def test_a_bad_form_records_nothing_and_says_why(
    signed_in: SignedIn, engine: Engine, fields: dict[str, str], message: str
) -> None:
    client = signed_in("collector")
    action_id = action_of(client, "TEST-0002", "first-reminder")
    response = record(client, action_id, **fields)
    assert response.status_code == 422
    assert "Nothing was recorded" in response.text
    assert message in response.text
    assert count(engine, action_log) == 0


def test_a_forged_form_is_refused_and_records_nothing(
    signed_in: SignedIn, engine: Engine
) -> None:
    client = signed_in("collector")
    action_id = action_of(client, "TEST-0002", "first-reminder")
    for csrf in (None, "forged-key"):
        data = {"outcome": "done"} | ({"csrf": csrf} if csrf else {})
        response = client.post(f"/actions/{action_id}/record", params=DATE, data=data,
                               follow_redirects=False)
        assert response.status_code == 403
        assert "not sent from your workspace" in response.text
    assert count(engine, action_log) == 0


def test_a_viewer_sees_no_record_buttons_and_cannot_post(
    signed_in: SignedIn, engine: Engine
) -> None:
    client = signed_in("viewer")
    page = client.get("/", params=DATE).text
    assert ">Done</button>" not in page
    action_id = re.search(r'id="a-([^"]+)"', page)
    assert action_id is not None
    detail = client.get(f"/actions/{action_id.group(1)}", params=DATE).text
    assert "Record what happened" not in detail and "<textarea" not in detail
    forged = client.post(f"/actions/{action_id.group(1)}/record", params=DATE,
                         data={"csrf": csrf_of(page), "outcome": "done"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "Not allowed for your role" in forged.text
    assert count(engine, action_log) == 0


def test_an_action_recorded_elsewhere_is_explained(signed_in: SignedIn) -> None:
    client = signed_in("collector")
    action_id = action_of(client, "TEST-0002", "first-reminder")
    record(client, action_id, outcome="done")
    again = client.get(f"/actions/{action_id}", params=DATE)
    assert again.status_code == 404
    assert "no longer on the list" in again.text


def test_many_browsers_recording_the_same_action_at_once(
    client: TestClient, tokens: Tokens, ledger: None, engine: Engine
) -> None:
    browsers = 6
    clients = signed_in_browsers(client, tokens.collector, browsers)
    action_id = action_of(clients[0], "TEST-0002", "first-reminder")
    forms = [each.get(f"/actions/{action_id}", params=DATE).text for each in clients]
    barrier = threading.Barrier(browsers)

    def send(n: int) -> int:
        barrier.wait(timeout=30)
        response = clients[n].post(
            f"/actions/{action_id}/record", params=DATE,
            data={"csrf": csrf_of(forms[n]), "outcome": "done", "back": "/"},
            follow_redirects=False,
        )
        return int(response.status_code)

    with ThreadPoolExecutor(browsers) as pool:
        codes = list(pool.map(send, range(browsers)))
    # The first records it; the others find it recorded (the same outcome) or gone from the
    # list they computed: never a server error, and one record.
    assert all(code in (303, 404) for code in codes), codes
    assert 303 in codes
    assert count(engine, action_log) == 1
