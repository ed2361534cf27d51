"""Rule "as of a date": the ledger as it stood at the end of a day.

Every list, report and page for a day D sees only what was recorded on or before D: invoices
issued, payments and credit notes dated, disputes opened (and resolved), promises made, plans
agreed and actions logged on or before D. A later record never changes the answer for D, so
yesterday's list can be reproduced from today's ledger, and a ledger file, the database and the
API give the same list for the same day (docs/rules/as-of.md).

The store already reads a ledger as of the day it is asked about; a ledger file, a policy test or
a plan over several days hands the evaluation everything. ``ledger_as_of`` cuts the later records
away in one place, and hands the ledger back untouched (no copy) when nothing is later.
"""

from __future__ import annotations

from datetime import date

from engine.model.ledger import CustomerLedger, Dispute, Invoice


def ledger_as_of(ledger: CustomerLedger, day: date) -> CustomerLedger:
    """Return the customer's ledger as it stood at the end of ``day`` (rule "as of a date")."""
    if not _has_later(ledger, day):
        return ledger
    return ledger._replace(
        invoices=tuple(_invoice_as_of(i, day) for i in ledger.invoices if i.issued <= day),
        unapplied=tuple(c for c in ledger.unapplied if c.date <= day),
        disputes=tuple(_dispute_as_of(d, day) for d in ledger.disputes if d.opened <= day),
        promises=tuple(p for p in ledger.promises if p.made <= day),
        plans=tuple(p for p in ledger.plans if p.agreed <= day),
        history=tuple(r for r in ledger.history if r.date <= day),
        waivers=tuple(w for w in ledger.waivers if w.date <= day),
    )


def _has_later(ledger: CustomerLedger, day: date) -> bool:
    # The usual case (a database read as of the day) has nothing later: one pass, no copy.
    for invoice in ledger.invoices:
        if invoice.issued > day:
            return True
        for settlement in invoice.settlements:
            if settlement.date > day:
                return True
    return (
        any(c.date > day for c in ledger.unapplied)
        or any(
            d.opened > day or (d.resolved is not None and d.resolved > day)
            for d in ledger.disputes
        )
        or any(p.made > day for p in ledger.promises)
        or any(p.agreed > day for p in ledger.plans)
        or any(r.date > day for r in ledger.history)
        or any(w.date > day for w in ledger.waivers)
    )


def _invoice_as_of(invoice: Invoice, day: date) -> Invoice:
    if all(s.date <= day for s in invoice.settlements):
        return invoice
    return invoice._replace(settlements=tuple(s for s in invoice.settlements if s.date <= day))


def _dispute_as_of(dispute: Dispute, day: date) -> Dispute:
    # Resolved after the day: still open on it.
    if dispute.resolved is not None and dispute.resolved > day:
        return dispute._replace(resolved=None)
    return dispute
