"""Notes on a customer's timeline: written once per key, refused when empty, safe under races."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select

from store.models import customer_notes, customers
from store.notes import MAX_NOTE_CHARS, NoteError, add_note, customer_notes_of
from store.outcomes import Recorded

DAY = date(2026, 11, 23)


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    with ledger_engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "ACME", "name": "Acme Trading Ltd"}])
    return ledger_engine


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(customer_notes)).scalar_one())


def test_a_note_is_kept_with_who_wrote_it_and_when(ledger: Engine) -> None:
    moment = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    with ledger.connect() as conn:
        recorded = add_note(conn, customer_id="ACME", text="  Spoke to Ann in AP.  ", who="jane",
                            day=DAY, now=moment)
        [note] = customer_notes_of(conn, "ACME")
    assert recorded.created
    assert (note.id, note.text, note.who, note.date, note.written_at) == (
        recorded.id, "Spoke to Ann in AP.", "jane", DAY, moment
    )


def test_the_same_key_twice_is_one_note(ledger: Engine) -> None:
    with ledger.connect() as conn:
        first = add_note(conn, customer_id="ACME", text="once", who="jane", day=DAY, key="k-1")
        again = add_note(conn, customer_id="ACME", text="twice", who="jane", day=DAY, key="k-1")
        texts = [n.text for n in customer_notes_of(conn, "ACME")]
    assert (first.created, again.created) == (True, False)
    assert texts == ["once"]


def test_notes_after_the_day_are_not_shown_for_it(ledger: Engine) -> None:
    with ledger.connect() as conn:
        add_note(conn, customer_id="ACME", text="later", who="jane", day=date(2026, 11, 30))
        assert customer_notes_of(conn, "ACME", DAY) == []


@pytest.mark.parametrize(
    ("customer", "text", "key", "field"),
    [
        ("ACME", "   ", None, "text"),
        ("ACME", "x" * (MAX_NOTE_CHARS + 1), None, "text"),
        ("ACME", "nul \x00", None, "text"),
        ("ACME", "fine", "has space", "key"),
        ("NOBODY", "fine", None, "customer"),
    ],
    ids=["blank", "too-long", "nul", "bad-key", "unknown-customer"],
)
def test_a_bad_note_is_refused_and_nothing_is_written(
    ledger: Engine, customer: str, text: str, key: str | None, field: str
) -> None:
    with ledger.connect() as conn, pytest.raises(NoteError) as refused:
        add_note(conn, customer_id=customer, text=text, who="jane", day=DAY, key=key)
    assert refused.value.field == field
    assert _count(ledger) == 0


def test_many_clients_writing_notes_at_once_lose_and_duplicate_nothing(ledger: Engine) -> None:
    clients = 8
    barrier = threading.Barrier(clients)

    def write(n: int) -> Recorded:
        barrier.wait(timeout=30)
        # Pairs of clients send the same form (same key): a double submit.
        with ledger.connect() as conn:
            return add_note(conn, customer_id="ACME", text=f"note {n // 2}", who=f"user{n}",
                            day=DAY, key=f"form-{n // 2}")

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(write, range(clients)))
    assert sum(r.created for r in results) == clients // 2
    with ledger.connect() as conn:
        texts = sorted(n.text for n in customer_notes_of(conn, "ACME"))
    assert texts == [f"note {n}" for n in range(clients // 2)]
