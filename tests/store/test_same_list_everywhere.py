"""Properties: a ledger gives one list for a day, whether read from a file or the database, and
records dated after the day never change it (docs/rules/as-of.md).

Each example is a small random ledger (invoices, payments applied or not, credit notes,
write-offs, refunds and chargebacks, cancelled invoices, disputes, a promise, logged actions),
written once as a ledger file and once imported into the database (CSV-style rows through
``store.imports``, the promise and the log through ``store.outcomes``). The list for a random
day D is computed from both; then records dated after D are added to both and the list for D is
computed again.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from engine.evaluate import evaluate
from engine.load.ledger_file import ledger_from_data
from engine.model.actions import Evaluation
from engine.model.ledger import ActionStatus
from store.imports import import_rows
from store.outcomes import record_outcome, record_promise
from store.reader import iter_customer_ledgers
from tests.engine.builders import VERSION, make_policy

START = date(2026, 8, 1)
POLICY = make_policy()
_EXAMPLE = itertools.count()
# Sections of a ledger file and the import kind that fills each.
IMPORTED = (
    ("customers", "customers"), ("invoices", "invoices"), ("payments", "payments"),
    ("credit_notes", "credit-notes"), ("disputes", "disputes"), ("write_offs", "write-offs"),
    ("reversals", "reversals"), ("cancellations", "cancellations"),
)  # fmt: skip


def day(offset: int) -> str:
    """Return the ISO date ``offset`` days after 2026-08-01."""
    return (START + timedelta(days=offset)).isoformat()


@st.composite
def ledgers(draw: st.DrawFn, customer: str, after: int | None = None) -> dict[str, list[Any]]:
    """Return one customer's records (ledger-file sections); every date is ``after`` or later
    when given (records added after the day asked about)."""
    lo = 0 if after is None else after + 1
    first = lo + 150
    tag = "L" if after is not None else ""
    out: dict[str, list[Any]] = {name: [] for name, _ in IMPORTED}
    out["history"] = []
    out["promises"] = []
    if after is None:
        out["customers"].append({"id": customer})
    for n in range(draw(st.integers(1 if after is None else 0, 3))):
        iid = f"{customer}-I{tag}{n}"
        issued = draw(st.integers(lo, first))
        amount = draw(st.sampled_from([100, 480, 1200]))
        out["invoices"].append({"id": iid, "customer": customer, "issued": day(issued),
                                "amount": f"{amount}.00", "currency": "GBP"})  # fmt: skip
        if draw(st.booleans()):
            paid = draw(st.sampled_from([amount, amount // 2]))
            pid = f"{iid}-P"
            out["payments"].append({"id": pid, "customer": customer, "currency": "GBP",
                                    "date": day(draw(st.integers(issued, issued + 90))),
                                    "amount": f"{paid}.00", "invoice": iid})  # fmt: skip
            if draw(st.booleans()):
                kind = draw(st.sampled_from(["refund", "chargeback", "reversal"]))
                back = draw(st.sampled_from([paid, paid // 4]))
                when = out["payments"][-1]["date"]
                out["reversals"].append({"id": f"{pid}-R", "customer": customer, "kind": kind,
                                         "date": draw(st.sampled_from([when, day(issued + 100)])),
                                         "amount": f"{back}.00", "currency": "GBP",
                                         "payment": pid})  # fmt: skip
        if draw(st.booleans()):
            out["credit_notes"].append({"id": f"{iid}-C", "customer": customer, "currency": "GBP",
                                        "date": day(draw(st.integers(issued, issued + 60))),
                                        "amount": f"{amount // 10}.00",
                                        "invoice": iid})  # fmt: skip
        if draw(st.booleans()):
            out["write_offs"].append({"id": f"{iid}-W", "customer": customer, "invoice": iid,
                                      "date": day(draw(st.integers(issued + 30, issued + 200))),
                                      "amount": f"{draw(st.sampled_from([amount, 50]))}.00",
                                      "currency": "GBP", "reason": "Uneconomic to chase",
                                      "by": "credit-controller"})  # fmt: skip
        if not applied(out, iid) and draw(st.booleans()):
            out["cancellations"].append(
                cancellation(iid, customer, day(draw(st.integers(issued, issued + 120))))
            )
        if draw(st.booleans()):
            opened = draw(st.integers(issued, issued + 60))
            dispute: dict[str, Any] = {"id": f"{iid}-D", "invoice": iid, "opened": day(opened)}
            if draw(st.booleans()):
                dispute["resolved"] = day(opened + draw(st.integers(0, 40)))
            out["disputes"].append(dispute)
        if draw(st.booleans()):
            step = draw(st.sampled_from(["first-reminder", "second-reminder", "call"]))
            out["history"].append({"action_id": f"{iid}-A", "customer": customer, "step": step,
                                   "invoices": [iid], "status": "done",
                                   "date": day(draw(st.integers(issued + 31,
                                                                issued + 80)))})  # fmt: skip
    if after is None and draw(st.booleans()):
        made = draw(st.integers(30, 150))
        out["promises"].append({"id": f"{customer}-PTP", "customer": customer,
                                "made": day(made), "pay_by": day(made + draw(st.integers(0, 30))),
                                "amount": "300.00", "currency": "GBP"})  # fmt: skip
    if draw(st.booleans()):
        out["payments"].append({"id": f"{customer}-U{tag}", "customer": customer,
                                "currency": "GBP", "date": day(draw(st.integers(lo, first + 30))),
                                "amount": "250.00"})  # fmt: skip
    return out


def applied(records: dict[str, list[Any]], invoice_id: str) -> bool:
    """Return whether a payment, credit note or write-off of ``records`` is applied to the
    invoice (it can then not be cancelled: L019)."""
    money = (*records["payments"], *records["credit_notes"], *records["write_offs"])
    return any(r.get("invoice") == invoice_id for r in money)


def cancellation(invoice_id: str, customer: str, on: str) -> dict[str, str]:
    """Return the cancellation of ``invoice_id`` on ``on`` (a duplicate)."""
    return {"id": f"{invoice_id}-X", "customer": customer, "invoice": invoice_id, "date": on,
            "reason": "Duplicate", "cancelled_by": "ar-clerk"}  # fmt: skip


def merged(*parts: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Return the sections of ``parts`` joined."""
    out: dict[str, list[Any]] = {}
    for part in parts:
        for name, records in part.items():
            out.setdefault(name, []).extend(records)
    return out


def from_file(data: dict[str, list[Any]], on: date) -> Evaluation:
    """Return the list for ``on`` computed from ``data`` read as a ledger file."""
    snapshot, problems = ledger_from_data(data, "ledger.yaml")
    assert not problems, problems
    assert snapshot is not None
    return evaluate(POLICY, snapshot, on, VERSION)


def store(engine: Engine, data: dict[str, list[Any]]) -> None:
    """Import ``data`` into the database, as `dunning import` and the API would."""
    with engine.connect() as conn:
        for section, kind in IMPORTED:
            rows = [{k: str(v) for k, v in r.items() if v is not None} for r in data[section]]
            if rows:
                result = import_rows(conn, kind, rows, "property")
                assert result.ok, result.problems
        conn.commit()
        for p in data["promises"]:
            record_promise(conn, customer_id=p["customer"], made=date.fromisoformat(p["made"]),
                           pay_by=date.fromisoformat(p["pay_by"]), amount=Decimal(p["amount"]),
                           currency=p["currency"], promise_id=p["id"])  # fmt: skip
        for h in data["history"]:
            record_outcome(conn, action_id=h["action_id"], customer_id=h["customer"],
                           step=h["step"], invoice_ids=h["invoices"],
                           date=date.fromisoformat(h["date"]),
                           status=ActionStatus.DONE)  # fmt: skip
        conn.commit()


def from_database(engine: Engine, customer: str, on: date) -> Evaluation:
    """Return the list for ``on`` computed from the database read as of that day."""
    return evaluate(POLICY, iter_customer_ledgers(engine, [customer], as_of=on), on, VERSION)


def said(evaluation: Evaluation) -> list[tuple[Any, ...]]:
    """Return what a list says: each action with its invoices, open amounts and charges, and
    what is held back and why."""
    return [
        (a.customer_id, a.step, a.kind, tuple((i.id, i.open, i.days_overdue) for i in a.invoices),
         tuple((c.kind, c.invoice_id, c.amount) for c in a.charges))
        for a in evaluation.actions
    ] + [
        (s.customer_id, s.code, s.step, s.invoice_ids) for s in evaluation.suppressions
    ]  # fmt: skip


@pytest.fixture
def shared_engine(ledger_engine: Engine) -> Iterator[Engine]:
    """Return one migrated database for all the examples of a test (each its own customer)."""
    yield ledger_engine


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, dict[str, list[Any]], dict[str, list[Any]], int]:
    """Return a customer, its ledger, records dated after the day, and the day (an offset)."""
    customer = f"C{next(_EXAMPLE):05d}"
    base = draw(ledgers(customer))
    on = draw(st.integers(20, 260))
    later = draw(ledgers(customer, after=on))
    # Later records about what the day already had: cash, credits, write-offs, refunds,
    # cancellations and disputes of its invoices, dated after it.
    after = st.integers(on + 1, on + 60).map(day)
    cancelled = {c["invoice"] for c in base["cancellations"]}
    for invoice in base["invoices"]:
        iid = invoice["id"]
        if iid not in cancelled and draw(st.booleans()):
            later["payments"].append({"id": f"{iid}-PL", "customer": customer, "currency": "GBP",
                                      "date": draw(after), "amount": invoice["amount"],
                                      "invoice": iid})  # fmt: skip
        if iid not in cancelled and draw(st.booleans()):
            later["write_offs"].append({"id": f"{iid}-WL", "customer": customer, "invoice": iid,
                                        "date": draw(after), "amount": "10.00",
                                        "currency": "GBP", "reason": "Small balance",
                                        "by": "credit-controller"})  # fmt: skip
        both = merged(base, later)
        if iid not in cancelled and not applied(both, iid) and draw(st.booleans()):
            later["cancellations"].append(cancellation(iid, customer, draw(after)))
        if draw(st.booleans()):
            later["disputes"].append({"id": f"{iid}-DL", "invoice": iid, "opened": draw(after),
                                      "resolved": day(on + 90)})  # fmt: skip
    for payment in base["payments"]:
        given = sum(
            Decimal(r["amount"]) for r in base["reversals"] if r["payment"] == payment["id"]
        )
        if given < Decimal(payment["amount"]) and draw(st.booleans()):
            later["reversals"].append({"id": f"{payment['id']}-RL", "customer": customer,
                                       "kind": "refund", "date": draw(after), "currency": "GBP",
                                       "amount": str(Decimal(payment["amount"]) - given),
                                       "payment": payment["id"]})  # fmt: skip
    return customer, base, later, on


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_the_database_and_a_ledger_file_give_one_list_and_later_records_never_change_it(
    shared_engine: Engine, case: tuple[str, dict[str, list[Any]], dict[str, list[Any]], int]
) -> None:
    customer, base, later, offset = case
    on = START + timedelta(days=offset)
    store(shared_engine, base)
    expected = said(from_file(base, on))
    assert said(from_database(shared_engine, customer, on)) == expected
    store(shared_engine, later)
    everything = merged(base, later)
    assert said(from_file(everything, on)) == expected
    assert said(from_database(shared_engine, customer, on)) == expected
