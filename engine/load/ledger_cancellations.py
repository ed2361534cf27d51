"""Reading a ledger file's cancellations: each invoice cancelled at most once, with nothing paid.

A cancellation (``cancellations:`` in a ledger file) voids an invoice from its date: it is filed
with the invoice as a settlement of kind ``cancellation`` for the whole invoice amount, so the
invoice is open before that date and settled from it (rule "ledger records", cancellations).
An invoice is cancelled once (L018), and only while no money is applied to it: payments, credit
notes and write-offs are reversed first (L019), as accounting systems require.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from engine.load.ledger_values import ByInvoice, LedgerValues, Records, as_date, complete
from engine.model.ledger import Customer, Settlement
from engine.model.ledger_fields import RECORDS
from engine.model.money import ZERO

CANCELLATION = "cancellation"


class CancellationRecords(LedgerValues):
    """Reads the ``cancellations`` section into settlements of their invoices."""

    def cancellations(
        self,
        records: Records,
        customers: Mapping[str, Customer],
        by_invoice: ByInvoice,
        settlements: dict[str, list[Settlement]],
    ) -> None:
        """File each cancellation with its invoice (once ``settlements`` holds every other
        record applied to the invoices): from its date the invoice owes nothing."""
        cancelled: dict[str, str] = {}
        for path, f in self.unique(records, "cancellation").items():
            cid = self.known_customer(path, f, customers)
            ok = self.record_rules("cancellations", path, f)
            iid = f.get("invoice")
            invoice = (
                self.known_invoice((*path, "invoice"), iid, by_invoice)
                if isinstance(iid, str)
                else None
            )
            if cid is None or invoice is None or not ok:
                continue
            if not complete(f, RECORDS["cancellations"]) or not self.matches(path, f, invoice):
                continue
            iid, rid = str(iid), str(f["id"])
            other = cancelled.get(iid)
            if other is not None:
                self.problem(
                    (*path, "invoice"),
                    "L018",
                    f"invoice {iid} is already cancelled by {other}: an invoice is cancelled once",
                )
                continue
            applied = sum((s.amount for s in settlements.get(iid, ())), ZERO)
            if applied != 0:
                self.problem(
                    (*path, "invoice"),
                    "L019",
                    f"invoice {iid} has {applied} paid, credited or written off: reverse the"
                    " payments and credit notes applied to it before cancelling it",
                )
                continue
            amount = invoice.get("amount")
            if not isinstance(amount, Decimal):
                continue
            cancelled[iid] = rid
            settlements.setdefault(iid, []).append(
                Settlement(as_date(f["date"]), amount, CANCELLATION, rid)
            )
