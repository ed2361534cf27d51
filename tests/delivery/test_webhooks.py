"""Webhooks against a real HTTP receiver that checks every signature: outcomes delivered signed,
a tampered body refused, failures retried with backoff, nothing lost or doubled under load, and
a crash after the POST answered by sending the same event again (at least once)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, insert, select

from delivery.webhook_signature import HEADER, SignatureError, sign, verify
from delivery.webhooks import WebhookReport, deliver_due, http_post
from store import webhooks
from store.connection import create_store_engine
from store.migrate import upgrade
from store.models import customers, webhook_deliveries
from store.outcomes import record_outcome

DAY = date(2026, 11, 23)


@dataclass
class Receiver:
    """An HTTP server that accepts only requests signed with ``secret``."""

    url: str = ""
    secret: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses to answer first (e.g. 500)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> list[str]:
        return [e["id"] for e in self.events]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with found.lock:
                try:
                    verify(found.secret, self.headers.get(HEADER, ""), body)
                except SignatureError as error:
                    found.refused.append(str(error))
                    status = 400
                else:
                    status = found.answers.pop(0) if found.answers else 200
                    if status == 200:
                        event = json.loads(body)
                        assert self.headers["Dunning-Event-Id"] == event["id"]
                        found.events.append(event)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def engine(db_url: str, receiver: Receiver) -> Iterator[Engine]:
    """A migrated database with one endpoint: the receiver, which knows its secret."""
    store = create_store_engine(db_url)
    upgrade(store)
    with store.begin() as conn:
        conn.execute(insert(customers), {"id": "TEST-0001", "name": "Test One Ltd",
                                         "country": "GB", "email": "ap@one.example"})  # fmt: skip
    with store.connect() as conn:
        _, receiver.secret = webhooks.add_endpoint(conn, receiver.url)
    yield store
    store.dispose()


def outcome(engine: Engine, number: int, status: str = "done") -> None:
    with engine.connect() as conn, conn.begin():
        record_outcome(
            conn, action_id=f"act_{number:04d}", customer_id="TEST-0001", step="call",
            invoice_ids=[f"INV-{number}"], date=DAY, status=status, note="Spoke to Ann",
            who="ann", outcome=None,
        )  # fmt: skip


def deliver(engine: Engine, **options: Any) -> WebhookReport:
    with httpx.Client(timeout=10) as client:
        return deliver_due(engine, http_post(client), **options)


def states(engine: Engine) -> list[tuple[str, int]]:
    d = webhook_deliveries.c
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(d.state, d.attempts).order_by(d.id))]


def test_a_signature_is_checked_over_timestamp_and_body() -> None:
    body = b'{"id":"evt_1"}'
    header = sign("whsec_test", body, timestamp=1_764_000_000)
    assert verify("whsec_test", header, body, now=1_764_000_100) == 1_764_000_000
    # A second signature (a secret being rolled) does not hide the good one.
    assert verify("whsec_test", "v1=00," + header, body, now=1_764_000_000)
    refusals = [
        ("whsec_test", header, b'{"id":"evt_2"}', 1_764_000_000, "does not match"),
        ("whsec_other", header, body, 1_764_000_000, "does not match"),
        ("whsec_test", header, body, 1_764_000_301, "more than 300"),
        ("whsec_test", "v1=abc", body, 1_764_000_000, "no t= timestamp"),
    ]
    for secret, said, sent, now, why in refusals:
        with pytest.raises(SignatureError, match=why):
            verify(secret, said, sent, now=now)


def test_an_outcome_is_delivered_signed_and_a_tampered_body_is_refused(
    engine: Engine, receiver: Receiver
) -> None:
    outcome(engine, 1)
    report = deliver(engine)
    assert (report.delivered, report.retrying, report.failed) == (1, 0, 0)
    (event,) = receiver.events
    assert event["type"] == "outcome.recorded"
    assert event["id"].startswith("evt_")
    assert event["data"] == {
        "action_id": "act_0001", "customer": {"id": "TEST-0001"}, "step": "call",
        "invoices": ["INV-1"], "date": "2026-11-23", "status": "done", "outcome": None,
        "note": "Spoke to Ann", "who": "ann", "recorded_at": event["data"]["recorded_at"],
        "fee": None, "interest": None, "currency": None,
    }  # fmt: skip
    assert states(engine) == [("delivered", 1)]

    # The same request with one character of the body changed: the receiver refuses it.
    body = json.dumps(event).encode()
    header = sign(receiver.secret, body)
    tampered = body.replace(b"Spoke to Ann", b"Spoke to Bob")
    answer = httpx.post(receiver.url, content=tampered,
                        headers={HEADER: header, "Dunning-Event-Id": event["id"]})  # fmt: skip
    assert answer.status_code == 400
    assert receiver.refused == ["the signature does not match the body: refused"]
    assert len(receiver.events) == 1
    # Recording the same outcome again queues nothing new.
    outcome(engine, 1)
    assert deliver(engine).delivered == 0


def test_a_refusing_receiver_is_retried_with_backoff_then_given_up(
    engine: Engine, receiver: Receiver
) -> None:
    outcome(engine, 1)
    outcome(engine, 2)
    receiver.answers = [500, 503]
    start = datetime.now(UTC)
    first = deliver(engine, clock=lambda: start)
    assert (first.delivered, first.retrying) == (0, 2)
    # Not yet due: the first wait is 30 seconds.
    assert deliver(engine, clock=lambda: start + timedelta(seconds=29)).delivered == 0
    later = deliver(engine, clock=lambda: start + timedelta(seconds=31))
    assert later.delivered == 2
    assert states(engine) == [("delivered", 2), ("delivered", 2)]
    assert sorted(e["data"]["action_id"] for e in receiver.events) == ["act_0001", "act_0002"]

    # With one retry allowed, a receiver that keeps refusing ends in ``failed``.
    outcome(engine, 3)
    receiver.answers = [500, 500]
    once = (timedelta(0),)
    assert deliver(engine, backoff=once).retrying == 1
    assert deliver(engine, backoff=once).failed == 1
    assert states(engine)[-1] == ("failed", 2)
    # The receiver is back: the operator queues the failed delivery again, and it arrives.
    with engine.connect() as conn:
        assert webhooks.requeue_failed(conn) == 1
    assert deliver(engine, backoff=once).delivered == 1
    assert states(engine)[-1] == ("delivered", 1)


def test_an_endpoint_gets_only_the_events_it_asked_for(engine: Engine, receiver: Receiver) -> None:
    with engine.connect() as conn:
        webhooks.add_endpoint(conn, receiver.url + "/listed", ["action.listed"])
        stopped, _ = webhooks.add_endpoint(conn, receiver.url + "/stopped")
        assert webhooks.disable_endpoint(conn, stopped)
        assert not webhooks.disable_endpoint(conn, stopped)
    outcome(engine, 1)
    assert len(states(engine)) == 1  # the receiver's endpoint only
    with engine.connect() as conn, pytest.raises(ValueError, match="unknown event type"):
        webhooks.add_endpoint(conn, receiver.url, ["action.deleted"])


def test_a_crash_after_the_post_sends_the_same_event_again(
    engine: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At least once: the receiver had it, the record was lost; the event comes again, same id."""
    outcome(engine, 1)

    def crash(*args: object, **kwargs: object) -> bool:
        raise KeyboardInterrupt

    real = webhooks.settle
    monkeypatch.setattr(webhooks, "settle", crash)
    with pytest.raises(KeyboardInterrupt):
        deliver(engine)
    monkeypatch.setattr(webhooks, "settle", real)
    assert len(receiver.events) == 1
    assert deliver(engine).delivered == 0  # still within the lease: nobody sends it twice now
    again = deliver(engine, lease=timedelta(0))
    assert (again.requeued, again.delivered) == (1, 1)
    assert receiver.ids() == [receiver.events[0]["id"]] * 2
    assert states(engine) == [("delivered", 2)]


def test_many_writers_and_dispatchers_at_once_deliver_each_event_once(
    engine: Engine, receiver: Receiver
) -> None:
    """Outcomes recorded from 8 threads while 4 dispatchers run: every event arrives once."""
    errors: list[BaseException] = []
    start = threading.Barrier(12)

    def write(first: int) -> None:
        try:
            start.wait()
            for number in range(first, first + 5):
                outcome(engine, number)
        except BaseException as error:
            errors.append(error)

    def dispatch() -> None:
        try:
            start.wait()
            for _ in range(3):
                deliver(engine)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i * 5,)) for i in range(8)]
    threads += [threading.Thread(target=dispatch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    deliver(engine)  # what the dispatchers' last pass missed
    assert len(receiver.ids()) == 40
    assert len(set(receiver.ids())) == 40
    assert {s for s, _ in states(engine)} == {"delivered"}
    assert receiver.refused == []
