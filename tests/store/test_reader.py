"""The reader turns the stored ledger into the engine's records, customer by customer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, Table

from engine.model.ledger import (
    ActionRecord,
    ActionStatus,
    CreditNote,
    Customer,
    CustomerLedger,
    Dispute,
    Instalment,
    Invoice,
    Payment,
    PaymentPlan,
    Promise,
    Settlement,
)
from store.models import (
    action_log,
    credit_notes,
    customers,
    disputes,
    instalments,
    invoices,
    payment_plans,
    payments,
    plan_invoices,
    promise_invoices,
    promises,
)
from store.reader import iter_customer_ledgers, load_snapshot

RECORDED = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _invoice(
    id_: str, customer: str, issued: str, amount: str, currency: str = "GBP", **extra: object
) -> dict[str, object]:
    return {
        "id": id_,
        "customer_id": customer,
        "number": None,
        "issued": date.fromisoformat(issued),
        "due": None,
        "terms": None,
        "amount": Decimal(amount),
        "currency": currency,
        **extra,
    }


def _cash(
    id_: str, customer: str, on: str, amount: str, invoice: str | None, *, currency: str = "GBP"
) -> dict[str, object]:
    return {
        "id": id_,
        "customer_id": customer,
        "date": date.fromisoformat(on),
        "amount": Decimal(amount),
        "currency": currency,
        "invoice_id": invoice,
    }


@pytest.fixture
def small_ledger(ledger_engine: Engine) -> Engine:
    """Return a database holding a small ledger with one of each kind of record."""
    rows: dict[Table, list[dict[str, Any]]] = {
        customers: [
            {
                "id": "ACME",
                "name": "Acme Trading Ltd",
                "country": "GB",
                "segment": "strategic",
                "email": "ap@acme.example",
                "language": "en",
            },
            {
                "id": "BETA",
                "name": "Beta GmbH",
                "country": "DE",
                "segment": None,
                "email": "",
                "language": "de",
            },
            {
                "id": "ZULU",
                "name": "Zulu Inc.",
                "country": "US",
                "segment": None,
                "email": "",
                "language": None,
            },
        ],
        invoices: [
            _invoice("INV-1", "ACME", "2026-09-01", "1200.00", terms="net30"),
            _invoice("INV-2", "ACME", "2026-09-15", "100.00"),  # paid in full: not returned
            _invoice("INV-3", "ACME", "2026-10-01", "100.00", due=date(2026, 10, 20)),
            _invoice("INV-4", "ACME", "2026-11-20", "50.00"),  # issued after the as_of date
            _invoice("INV-5", "ACME", "2026-09-20", "100.00"),  # overpaid: not returned
            _invoice("INV-B1", "BETA", "2026-08-01", "999.99", "EUR"),
            _invoice("INV-Z1", "ZULU", "2026-09-01", "100.00", "JPY"),
        ],
        payments: [
            _cash("PAY-1", "ACME", "2026-10-05", "200.00", "INV-1"),
            _cash("PAY-2", "ACME", "2026-10-10", "33.33", "INV-2"),
            _cash("PAY-3", "ACME", "2026-10-11", "33.33", "INV-2"),
            _cash("PAY-4", "ACME", "2026-10-12", "33.34", "INV-2"),
            _cash("PAY-5", "ACME", "2026-11-15", "100.00", "INV-3"),  # after the as_of date
            _cash("PAY-6", "ACME", "2026-10-20", "150.00", "INV-5"),
            _cash("PAY-U", "ACME", "2026-10-30", "75.50", None),
            _cash("PAY-B", "BETA", "2026-08-20", "0.99", "INV-B1", currency="EUR"),
        ],
        credit_notes: [
            _cash("CN-1", "ACME", "2026-10-01", "50.00", "INV-1"),
            _cash("CN-U", "BETA", "2026-09-01", "10.00", None, currency="EUR"),
        ],
        disputes: [
            {
                "id": "D-1",
                "customer_id": "ACME",
                "invoice_id": "INV-1",
                "opened": date(2026, 10, 10),
                "resolved": date(2026, 10, 20),
                "reason": "Wrong quantity",
            },
            {
                "id": "D-2",
                "customer_id": "BETA",
                "invoice_id": "INV-B1",
                "opened": date(2026, 9, 1),
                "resolved": None,
                "reason": "",
            },
        ],
        promises: [
            {
                "id": "PTP-1",
                "customer_id": "ACME",
                "made": date(2026, 10, 15),
                "pay_by": date(2026, 10, 30),
                "amount": Decimal("1000.00"),
                "currency": "GBP",
            },
        ],
        promise_invoices: [
            {"promise_id": "PTP-1", "invoice_id": "INV-3"},
            {"promise_id": "PTP-1", "invoice_id": "INV-1"},
        ],
        payment_plans: [
            {"id": "PLAN-1", "customer_id": "BETA", "agreed": date(2026, 9, 5), "currency": "EUR"},
        ],
        plan_invoices: [{"plan_id": "PLAN-1", "invoice_id": "INV-B1"}],
        instalments: [
            {"plan_id": "PLAN-1", "seq": 2, "due": date(2026, 12, 1), "amount": Decimal("599.00")},
            {"plan_id": "PLAN-1", "seq": 1, "due": date(2026, 11, 1), "amount": Decimal("400.00")},
        ],
        action_log: [
            {
                "action_id": "a-1",
                "customer_id": "ACME",
                "step": "first-reminder",
                "invoice_ids": ["INV-1"],
                "date": date(2026, 10, 2),
                "status": "done",
                "outcome": None,
                "note": "",
                "who": "jane",
                "recorded_at": RECORDED,
                "fee": None,
                "interest": None,
                "currency": None,
            },
            {
                "action_id": "a-2",
                "customer_id": "ACME",
                "step": "second-reminder",
                "invoice_ids": ["INV-1", "INV-3"],
                "date": date(2026, 10, 16),
                "status": "done",
                "outcome": "sent",
                "note": "",
                "who": "jane",
                "recorded_at": RECORDED,
                "fee": Decimal("15.00"),
                "interest": Decimal("3.2876"),
                "currency": "GBP",
            },
            {
                "action_id": "a-3",
                "customer_id": "ACME",
                "step": "call",
                "invoice_ids": ["INV-1"],
                "date": date(2026, 11, 30),
                "status": "failed",
                "outcome": None,
                "note": "",
                "who": "omar",
                "recorded_at": RECORDED,
                "fee": None,
                "interest": None,
                "currency": None,
            },
        ],
    }
    with ledger_engine.begin() as conn:
        for table, values in rows.items():
            conn.execute(table.insert(), values)
    return ledger_engine


AS_OF = date(2026, 11, 1)

ACME = CustomerLedger(
    customer=Customer("ACME", "Acme Trading Ltd", "GB", "strategic", "ap@acme.example", "en"),
    invoices=(
        Invoice(
            "INV-1",
            "ACME",
            date(2026, 9, 1),
            Decimal("1200.00"),
            "GBP",
            "net30",
            None,
            (
                Settlement(date(2026, 10, 1), Decimal("50.00"), "credit_note", "CN-1"),
                Settlement(date(2026, 10, 5), Decimal("200.00"), "payment", "PAY-1"),
            ),
        ),
        Invoice(
            "INV-3", "ACME", date(2026, 10, 1), Decimal("100.00"), "GBP", None, date(2026, 10, 20)
        ),
    ),
    unapplied=(Payment("PAY-U", "ACME", date(2026, 10, 30), Decimal("75.50"), "GBP", None),),
    disputes=(Dispute("D-1", "INV-1", date(2026, 10, 10), date(2026, 10, 20), "Wrong quantity"),),
    promises=(
        Promise(
            "PTP-1",
            "ACME",
            date(2026, 10, 15),
            date(2026, 10, 30),
            Decimal("1000.00"),
            "GBP",
            ("INV-1", "INV-3"),
        ),
    ),
    history=(
        ActionRecord("a-1", "ACME", "first-reminder", ("INV-1",), date(2026, 10, 2)),
        ActionRecord(
            "a-2",
            "ACME",
            "second-reminder",
            ("INV-1", "INV-3"),
            date(2026, 10, 16),
            ActionStatus.DONE,
            Decimal("15.00"),
            Decimal("3.2876"),
            "GBP",
        ),
    ),
)
BETA = CustomerLedger(
    customer=Customer("BETA", "Beta GmbH", "DE", None, "", "de"),
    invoices=(
        Invoice(
            "INV-B1",
            "BETA",
            date(2026, 8, 1),
            Decimal("999.99"),
            "EUR",
            None,
            None,
            (Settlement(date(2026, 8, 20), Decimal("0.99"), "payment", "PAY-B"),),
        ),
    ),
    unapplied=(CreditNote("CN-U", "BETA", date(2026, 9, 1), Decimal("10.00"), "EUR", None),),
    disputes=(Dispute("D-2", "INV-B1", date(2026, 9, 1), None, ""),),
    plans=(
        PaymentPlan(
            "PLAN-1",
            "BETA",
            date(2026, 9, 5),
            "EUR",
            ("INV-B1",),
            (
                Instalment(date(2026, 11, 1), Decimal("400.00")),
                Instalment(date(2026, 12, 1), Decimal("599.00")),
            ),
        ),
    ),
)
ZULU = CustomerLedger(
    customer=Customer("ZULU", "Zulu Inc.", "US", None, "", None),
    invoices=(Invoice("INV-Z1", "ZULU", date(2026, 9, 1), Decimal("100"), "JPY"),),
)


def test_reads_each_customer_as_the_engine_sees_it(small_ledger: Engine) -> None:
    assert list(iter_customer_ledgers(small_ledger, as_of=AS_OF)) == [ACME, BETA, ZULU]


def test_amounts_come_back_in_the_currency_minor_units(small_ledger: Engine) -> None:
    ledgers = load_snapshot(small_ledger, as_of=AS_OF).customers
    shown = [str(inv.amount) for ledger in ledgers for inv in ledger.invoices]
    assert shown == ["1200.00", "100.00", "999.99", "100"]
    assert str(ledgers[0].history[1].interest) == "3.2876"  # finer than pence: kept exactly


def test_paid_in_full_to_the_penny_is_not_open(small_ledger: Engine) -> None:
    # 33.33 + 33.33 + 33.34 = 100.00 exactly: a binary float sum would leave it open.
    ids = [inv.id for inv in load_snapshot(small_ledger, ["ACME"], AS_OF).customers[0].invoices]
    assert "INV-2" not in ids
    assert "INV-5" not in ids  # overpaid


def test_without_a_date_everything_recorded_counts(small_ledger: Engine) -> None:
    acme = load_snapshot(small_ledger, ["ACME"]).customers[0]
    # INV-3 was paid on 2026-11-15, and is read back: action a-2 charged a fee and interest on
    # its invoices, which are owed while the charges are (rule "charges owed").
    assert [(inv.id, inv.settled) for inv in acme.invoices] == [
        ("INV-1", Decimal("250.00")), ("INV-3", Decimal("100.00")), ("INV-4", Decimal(0))
    ]
    assert [r.action_id for r in acme.history] == ["a-1", "a-2", "a-3"]
    assert acme.history[2].status is ActionStatus.FAILED


def test_a_range_of_days_reads_every_invoice_open_on_one_of_them(small_ledger: Engine) -> None:
    """A plan over 2026-10-11..2026-11-20: INV-2 was open until its last part came on 10-12,
    INV-5 until 10-20 and INV-3 until 11-15; each comes with all its cash up to the last day
    (the evaluation of each day leaves out what is dated later)."""
    acme = next(
        iter_customer_ledgers(
            small_ledger, ["ACME"], date(2026, 11, 20), open_from=date(2026, 10, 11)
        )
    )
    assert [(inv.id, [s.ref for s in inv.settlements]) for inv in acme.invoices] == [
        ("INV-1", ["CN-1", "PAY-1"]),
        ("INV-2", ["PAY-2", "PAY-3", "PAY-4"]),
        ("INV-5", ["PAY-6"]),
        ("INV-3", ["PAY-5"]),
        ("INV-4", []),
    ]
    later = next(
        iter_customer_ledgers(
            small_ledger, ["ACME"], date(2026, 11, 20), open_from=date(2026, 10, 13)
        )
    )
    assert "INV-2" not in [inv.id for inv in later.invoices]  # settled in full on 10-12
    with pytest.raises(ValueError, match="open_from needs an as_of on or after it"):
        next(iter_customer_ledgers(small_ledger, open_from=date(2026, 10, 11)))


@pytest.mark.parametrize("chunk_size", [1, 2, 1000], ids=["chunk-1", "chunk-2", "chunk-1000"])
def test_chunking_never_changes_what_is_read(small_ledger: Engine, chunk_size: int) -> None:
    read = list(iter_customer_ledgers(small_ledger, as_of=AS_OF, chunk_size=chunk_size))
    assert read == [ACME, BETA, ZULU]


def test_named_customers_only_and_unknown_ids_skipped(small_ledger: Engine) -> None:
    read = list(iter_customer_ledgers(small_ledger, ["ZULU", "NOPE", "BETA", "BETA"], AS_OF))
    assert read == [BETA, ZULU]


def test_every_record_read_has_all_its_fields(small_ledger: Engine) -> None:
    # The reader builds invoices with tuple.__new__: a field added to Invoice must be read too
    # (as of a date, the engine copies each invoice with _replace, which counts them).
    read = list(iter_customer_ledgers(small_ledger, as_of=AS_OF))
    invoices = [invoice for ledger in read for invoice in ledger.invoices]
    assert invoices
    assert {len(invoice) for invoice in invoices} == {len(Invoice._fields)}


@pytest.mark.parametrize("chunk_size", [1, 1000], ids=["chunk-1", "chunk-1000"])
def test_a_range_of_ids_reads_those_customers_whole(small_ledger: Engine, chunk_size: int) -> None:
    def read(first: str, last: str) -> list[CustomerLedger]:
        return list(
            iter_customer_ledgers(
                small_ledger, as_of=AS_OF, chunk_size=chunk_size, id_range=(first, last)
            )
        )

    assert read("ACME", "ZULU") == [ACME, BETA, ZULU]
    assert read("B", "BETA") == [BETA]  # both ends included
    assert read("ACME", "BETA") + read("BETA~", "ZZZZ") == [ACME, BETA, ZULU]
    assert read("C", "Y") == []
    with pytest.raises(ValueError, match="not both"):
        next(iter_customer_ledgers(small_ledger, ["ACME"], id_range=("A", "Z")))


def test_reads_inside_a_callers_connection(small_ledger: Engine) -> None:
    with small_ledger.connect() as conn:
        assert load_snapshot(conn, ["BETA"], AS_OF).customers == (BETA,)


def test_a_customer_without_anything_is_still_listed(ledger_engine: Engine) -> None:
    with ledger_engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "NEW", "name": "New Ltd"}])
    assert load_snapshot(ledger_engine).customers == (
        CustomerLedger(Customer("NEW", "New Ltd", None, None, "", None)),
    )
