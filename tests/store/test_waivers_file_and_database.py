"""A ledger file and the database give the same list when charges were waived (rule "charges
owed", docs/rules/charges.md; "as of a date", docs/rules/as-of.md).

Worked example after the UK guidance "Late commercial payments: charging interest and debt
recovery" (https://www.gov.uk/late-commercial-payments-interest-debt-recovery): the fixed sum and
interest are claimed on top of the debt, so after ACME pays INV-1's GBP 1,200.00 the GBP 15.00
reminder fee charged on 15 October is still owed and chased, until it is waived on 1 November.
The same records go into a ledger file and into the database (`dunning waive` writes the
database's waiver); on every day around the waiver both give the same list and the same charges.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from engine.load.ledger_file import ledger_from_data
from engine.rules.charges_owed import charges_owed
from store.charge_waivers import record_waiver
from store.imports import import_rows
from store.outcomes import record_outcome
from store.reader import load_snapshot
from tests.engine.builders import make_policy
from tests.store.test_same_list_everywhere import from_database, from_file, said

WAIVED = date(2026, 11, 1)
LEDGER: dict[str, Any] = {
    "customers": [{"id": "ACME"}],
    "invoices": [{"id": "INV-1", "customer": "ACME", "issued": "2026-09-01",
                  "amount": "1200.00", "currency": "GBP"},
                 {"id": "INV-2", "customer": "ACME", "issued": "2026-09-20",
                  "amount": "300.00", "currency": "GBP"}],
    "payments": [{"id": "PAY-1", "customer": "ACME", "date": "2026-10-18",
                  "amount": "1200.00", "currency": "GBP", "invoice": "INV-1"}],
    "history": [{"action_id": "A-FEE", "customer": "ACME", "step": "second-reminder",
                 "invoices": ["INV-1"], "date": "2026-10-15", "status": "done",
                 "fee": "15.00", "currency": "GBP"}],
    "waivers": [{"id": "W-1", "customer": "ACME", "action_id": "A-FEE", "date": "2026-11-01",
                 "reason": "Goodwill: first late payment", "who": "ann"}],
}  # fmt: skip


@pytest.fixture
def stored(ledger_engine: Engine) -> Engine:
    """The database holding ``LEDGER``: imported as `dunning import` does, the fee recorded with
    its action's outcome and the waiver as `dunning waive` records it."""
    with ledger_engine.connect() as conn:
        for section, kind in (("customers", "customers"), ("invoices", "invoices"),
                              ("payments", "payments")):  # fmt: skip
            result = import_rows(conn, kind, LEDGER[section], "waivers")
            assert result.ok, result.problems
        conn.commit()
        record_outcome(
            conn, action_id="A-FEE", customer_id="ACME", step="second-reminder",
            invoice_ids=["INV-1"], date=date(2026, 10, 15), status="done",
            fee=Decimal("15.00"), currency="GBP",
        )  # fmt: skip
        conn.commit()
        record_waiver(
            conn, action_id="A-FEE", day=WAIVED, reason="Goodwill: first late payment", who="ann"
        )
        conn.commit()
    return ledger_engine


@pytest.mark.parametrize(
    "on",
    [date(2026, 10, 22), date(2026, 10, 31), WAIVED, date(2026, 11, 20)],
    ids=["fee-owed", "day-before-waiver", "waiver-day", "after"],
)
def test_a_ledger_file_and_the_database_give_one_list_with_a_waiver(
    stored: Engine, on: date
) -> None:
    from_the_file = from_file(LEDGER, on)
    assert said(from_database(stored, "ACME", on)) == said(from_the_file)
    # INV-1 is paid: it is chased for its fee until the fee is waived.
    chased = {i.id for action in from_the_file.actions for i in action.invoices}
    assert ("INV-1" in chased) == (on < WAIVED)
    snapshot, problems = ledger_from_data(LEDGER, "ledger.yaml")
    assert snapshot is not None, problems
    policy = make_policy()
    in_file = charges_owed(policy, snapshot.customers[0], on)
    in_database = charges_owed(policy, load_snapshot(stored, ["ACME"], on).customers[0], on)
    assert in_file.owed() == in_database.owed()
    assert in_file.owed() == ({} if on >= WAIVED else {"GBP": Decimal("15.00")})
