"""Handing actions to colleagues: the newest hand-over wins, a form sent twice is one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import Engine

from store.assignments import (
    AssignmentError,
    assign_action,
    current_assignees,
    customer_assignments,
)
from store.models import customers
from store.outcomes import Recorded

DAY = date(2026, 11, 23)


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    with ledger_engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "ACME", "name": "Acme Trading Ltd"}])
    return ledger_engine


def _assign(engine: Engine, key: str, assignee: str, action: str = "act_1") -> Recorded:
    with engine.connect() as conn:
        return assign_action(conn, key=key, action_id=action, customer_id="ACME", step="call",
                             day=DAY, assignee=assignee, who="jane", note="Speaks German")


def test_the_newest_hand_over_names_who_has_the_action(ledger: Engine) -> None:
    _assign(ledger, "k1", "omar")
    _assign(ledger, "k2", "ann")
    _assign(ledger, "k3", "lee", action="act_2")
    with ledger.connect() as conn:
        assert current_assignees(conn) == {"act_1": "ann", "act_2": "lee"}
        assert current_assignees(conn, ["act_2"]) == {"act_2": "lee"}
        history = customer_assignments(conn, "ACME")
    assert [(a.action_id, a.assignee, a.who, a.note) for a in history] == [
        ("act_1", "omar", "jane", "Speaks German"),
        ("act_1", "ann", "jane", "Speaks German"),
        ("act_2", "lee", "jane", "Speaks German"),
    ]


def test_the_same_form_twice_is_one_hand_over(ledger: Engine) -> None:
    assert _assign(ledger, "k1", "omar").created
    assert not _assign(ledger, "k1", "omar").created
    with ledger.connect() as conn:
        assert len(customer_assignments(conn, "ACME")) == 1


def test_a_hand_over_to_nobody_is_refused(ledger: Engine) -> None:
    with pytest.raises(AssignmentError) as refused:
        _assign(ledger, "k1", "  ")
    assert refused.value.field == "assignee"


def test_many_clients_handing_over_at_once_lose_and_duplicate_nothing(ledger: Engine) -> None:
    clients = 8
    barrier = threading.Barrier(clients)

    def hand_over(n: int) -> Recorded:
        barrier.wait(timeout=30)
        return _assign(ledger, f"form-{n // 2}", f"user{n // 2}")

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(hand_over, range(clients)))
    assert sum(r.created for r in results) == clients // 2
    with ledger.connect() as conn:
        history = customer_assignments(conn, "ACME")
        holder = current_assignees(conn)["act_1"]
    assert sorted(a.assignee for a in history) == [f"user{n}" for n in range(clients // 2)]
    assert holder == history[-1].assignee
