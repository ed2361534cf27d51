"""Building the engine's ledger records from the sections of a ledger mapping.

``LedgerRecords.read`` turns the sections of a ledger file (or of a policy test's ``ledger:``)
into a ``LedgerSnapshot``: customers, invoices with what settled them (payments, credit notes,
write-offs, the refunds, chargebacks and reversals that gave part of it back, and its
cancellation), unapplied cash,
disputes, promises, payment plans and the action history. Each field is read and each reference
checked by ``LedgerValues``; a record with a problem is reported and not built.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from engine.load.ledger_cancellations import CancellationRecords
from engine.load.ledger_values import (
    ByInvoice,
    Records,
    as_date,
    as_money,
    complete,
    optional_text,
    text_of,
)
from engine.model.ledger import (
    ActionRecord,
    ActionStatus,
    ChargeWaiver,
    CreditNote,
    Customer,
    CustomerLedger,
    Dispute,
    Instalment,
    Invoice,
    LedgerSnapshot,
    Payment,
    PaymentPlan,
    Promise,
    Settlement,
    has_charges,
)
from engine.model.ledger_fields import RECORDS
from engine.model.money import ZERO
from engine.model.source import DocPath, format_path

SECTIONS = (
    "customers", "invoices", "payments", "credit_notes", "disputes", "promises", "payment_plans",
    "history", "write_offs", "reversals", "waivers", "cancellations",
)  # fmt: skip
# Payments and credit notes (their fields as read) by section, then by id.
CashRecords = dict[str, dict[str, dict[str, object]]]


class LedgerRecords(CancellationRecords):
    """Reads the sections of a ledger mapping into records, collecting problems."""

    def read(self, data: Mapping[str, object]) -> LedgerSnapshot:
        for key in data:
            if key not in SECTIONS and key not in {"apiVersion", "kind"}:
                known = ", ".join(SECTIONS)
                self.problem((key,), "L002", f"'{key}' is not part of a ledger: use {known}")
        sections = {name: self.section(data, name) for name in SECTIONS}
        listed = {
            f["id"]: (path, f) for path, f in self.unique(sections["customers"], "customer").items()
        }
        invoices = dict(self.unique(sections["invoices"], "invoice"))
        customers: dict[str, Customer] = {}
        for cid, (_, f) in listed.items():
            assert isinstance(cid, str)
            customers[cid] = Customer(
                cid,
                text_of(f.get("name")),
                optional_text(f.get("country")),
                optional_text(f.get("segment")),
                text_of(f.get("email")),
                optional_text(f.get("language")),
            )
        strict = self.listed = bool(listed)
        by_invoice: dict[str, tuple[DocPath, dict[str, object]]] = {}
        for path, f in invoices.items():
            cid = f.get("customer")
            if isinstance(cid, str) and cid not in customers:
                if strict:
                    self.unknown_customer(path, cid)
                    continue
                customers[cid] = Customer(cid)
            self.record_rules("invoices", path, f)
            by_invoice[str(f.get("id"))] = (path, f)
        settlements: dict[str, list[Settlement]] = {}
        unapplied: dict[str, list[Payment | CreditNote]] = {}
        cash_records: CashRecords = {}
        for name, kind in (("payments", "payment"), ("credit_notes", "credit note")):
            unique = self.unique(sections[name], kind)
            cash_records[name] = {str(f.get("id")): f for f in unique.values()}
            for path, f in unique.items():
                self.cash(name, path, f, customers, by_invoice, settlements, unapplied)
        self.write_offs(sections["write_offs"], customers, by_invoice, settlements)
        self.reversals(sections["reversals"], customers, cash_records, settlements, unapplied)
        self.cancellations(sections["cancellations"], customers, by_invoice, settlements)
        disputes = self.disputes(sections["disputes"], by_invoice)
        promises = self.promises(sections["promises"], customers, by_invoice)
        plans = self.plans(sections["payment_plans"], customers, by_invoice)
        history = self.history(sections["history"], customers, by_invoice)
        waivers = self.waivers(sections["waivers"], customers, history)
        built: dict[str, list[Invoice]] = {cid: [] for cid in customers}
        for iid, (_, f) in by_invoice.items():
            # An invoice with a field that could not be read was reported: it is not built.
            if not complete(f, RECORDS["invoices"]) or str(f["customer"]) not in built:
                continue
            cid = str(f["customer"])
            built[cid].append(
                Invoice(
                    iid,
                    cid,
                    as_date(f["issued"]),
                    as_money(f["amount"]),
                    str(f["currency"]),
                    optional_text(f.get("terms")),
                    as_date(f["due"]) if "due" in f else None,
                    tuple(sorted(settlements.get(iid, ()), key=lambda s: (s.date, s.kind, s.ref))),
                    as_date(f["delivered"]) if "delivered" in f else None,
                    as_money(f["tax"]) if "tax" in f else None,
                )
            )
        return LedgerSnapshot(
            tuple(
                CustomerLedger(
                    customers[cid],
                    tuple(sorted(built[cid], key=lambda inv: inv.id)),
                    tuple(sorted(unapplied.get(cid, ()), key=lambda p: (p.date, p.id))),
                    tuple(sorted(disputes.get(cid, ()), key=lambda d: d.id)),
                    tuple(sorted(promises.get(cid, ()), key=lambda p: p.id)),
                    tuple(sorted(plans.get(cid, ()), key=lambda p: p.id)),
                    tuple(
                        sorted(
                            history.get(cid, ()),
                            key=lambda r: (r.date, r.step, r.action_id, r.invoice_ids),
                        )
                    ),
                    waivers=tuple(sorted(waivers.get(cid, ()), key=lambda w: (w.date, w.id))),
                )
                for cid in sorted(customers)
            )
        )

    def cash(  # noqa: PLR0917 - one record and the indexes it is filed into
        self,
        section: str,
        path: DocPath,
        f: dict[str, object],
        customers: Mapping[str, Customer],
        by_invoice: ByInvoice,
        settlements: dict[str, list[Settlement]],
        unapplied: dict[str, list[Payment | CreditNote]],
    ) -> None:
        cid = self.known_customer(path, f, customers)
        self.record_rules(section, path, f)
        iid = f.get("invoice")
        invoice = (
            self.known_invoice((*path, "invoice"), iid, by_invoice)
            if isinstance(iid, str)
            else None
        )
        if cid is None or not complete(f, RECORDS[section]):
            return
        if isinstance(iid, str):
            if invoice is None:
                return
            if not self.matches(path, f, invoice):
                return
            kind = "payment" if section == "payments" else "credit_note"
            settlements.setdefault(iid, []).append(
                Settlement(as_date(f["date"]), as_money(f["amount"]), kind, str(f["id"]))
            )
            return
        record = Payment if section == "payments" else CreditNote
        unapplied.setdefault(cid, []).append(
            record(str(f["id"]), cid, as_date(f["date"]), as_money(f["amount"]), str(f["currency"]))
        )

    def write_offs(
        self,
        records: Records,
        customers: Mapping[str, Customer],
        by_invoice: ByInvoice,
        settlements: dict[str, list[Settlement]],
    ) -> None:
        """File each write-off with its invoice: it reduces what the invoice owes from its date."""
        for path, f in self.unique(records, "write-off").items():
            cid = self.known_customer(path, f, customers)
            ok = self.record_rules("write_offs", path, f)
            iid = f.get("invoice")
            invoice = (
                self.known_invoice((*path, "invoice"), iid, by_invoice)
                if isinstance(iid, str)
                else None
            )
            if cid is None or invoice is None or not ok or not complete(f, RECORDS["write_offs"]):
                continue
            if not self.matches(path, f, invoice):
                continue
            amount = as_money(f["amount"])
            limit = invoice.get("amount")
            if isinstance(limit, Decimal) and amount > limit:
                self.problem(
                    (*path, "amount"),
                    "L016",
                    f"amount {amount} is more than invoice {iid}'s {limit}: a write-off is at"
                    " most what the invoice was for",
                )
                continue
            settlements.setdefault(str(iid), []).append(
                Settlement(as_date(f["date"]), amount, "write_off", str(f["id"]))
            )

    def reversals(
        self,
        records: Records,
        customers: Mapping[str, Customer],
        cash_records: CashRecords,
        settlements: dict[str, list[Settlement]],
        unapplied: dict[str, list[Payment | CreditNote]],
    ) -> None:
        """File each refund, chargeback or reversal with what its payment or credit note settled:
        it gives that much back (a negative settlement, or less cash on the account)."""
        given_back: dict[str, Decimal] = {}
        for path, f in self.unique(records, "reversal").items():
            cid = self.known_customer(path, f, customers)
            ok = self.record_rules("reversals", path, f)
            found = self.reversed_record(path, f, cash_records)
            if cid is None or found is None or not ok or not complete(f, RECORDS["reversals"]):
                continue
            section, original = found
            noun = "payment" if section == "payments" else "credit note"
            if not self.matches(path, f, original, noun):
                continue
            ref = str(original["id"])
            amount = as_money(f["amount"])
            total = given_back[ref] = given_back.get(ref, ZERO) + amount
            paid = original.get("amount")
            if isinstance(paid, Decimal) and total > paid:
                self.problem(
                    (*path, "amount"),
                    "L016",
                    f"amount {amount} brings what was given back of {noun} {ref} to {total},"
                    f" more than its {paid}",
                )
                continue
            on, rid = as_date(f["date"]), str(f["id"])
            iid = original.get("invoice")
            if isinstance(iid, str):
                kind = str(f["kind"]) if section == "payments" else "credit_note_reversal"
                settlements.setdefault(iid, []).append(Settlement(on, -amount, kind, rid))
            else:
                record = Payment if section == "payments" else CreditNote
                unapplied.setdefault(cid, []).append(
                    record(rid, cid, on, -amount, str(f["currency"]))
                )

    def reversed_record(
        self, path: DocPath, f: Mapping[str, object], cash_records: CashRecords
    ) -> tuple[str, dict[str, object]] | None:
        """Return the payment or credit note a reversal gives back, by section; None after
        saying why there is none."""
        named = [
            (section, f[key])
            for section, key in (("payments", "payment"), ("credit_notes", "credit_note"))
            if key in f
        ]
        if len(named) != 1:
            self.problem(
                path,
                "L003",
                f"{format_path(path)} needs either `payment` or `credit_note`: the one it gives"
                " back",
            )
            return None
        section, ref = named[0]
        key = "payment" if section == "payments" else "credit_note"
        if section == "credit_notes" and f.get("kind") not in (None, "reversal"):
            self.problem(
                (*path, "kind"),
                "L013",
                f"a credit note is reversed, not given back as a {f.get('kind')}: use kind"
                " reversal",
            )
            return None
        original = cash_records[section].get(str(ref))
        if original is None:
            self.problem(
                (*path, key),
                "L015",
                f"{key.replace('_', ' ')} '{ref}' is not in the ledger: add it or correct the id",
            )
            return None
        return section, original

    def disputes(
        self,
        records: Records,
        by_invoice: ByInvoice,
    ) -> dict[str, list[Dispute]]:
        out: dict[str, list[Dispute]] = {}
        for path, f in self.unique(records, "dispute").items():
            iid = f.get("invoice")
            invoice = (
                self.known_invoice((*path, "invoice"), iid, by_invoice)
                if isinstance(iid, str)
                else None
            )
            if not self.record_rules("disputes", path, f):
                continue
            if invoice is None or "customer" not in invoice:
                continue
            if not complete(f, RECORDS["disputes"]):
                continue
            out.setdefault(str(invoice["customer"]), []).append(
                Dispute(
                    str(f["id"]),
                    str(iid),
                    as_date(f["opened"]),
                    as_date(f["resolved"]) if "resolved" in f else None,
                    text_of(f.get("reason")),
                )
            )
        return out

    def promises(
        self,
        records: Records,
        customers: Mapping[str, Customer],
        by_invoice: ByInvoice,
    ) -> dict[str, list[Promise]]:
        out: dict[str, list[Promise]] = {}
        for path, f in self.unique(records, "promise").items():
            cid = self.known_customer(path, f, customers)
            if not self.record_rules("promises", path, f):
                continue
            if not self.covered(path, f, cid, by_invoice) or cid is None:
                continue
            if not complete(f, RECORDS["promises"]):
                continue
            ids = f.get("invoices", ())
            assert isinstance(ids, tuple)
            out.setdefault(cid, []).append(
                Promise(
                    str(f["id"]),
                    cid,
                    as_date(f["made"]),
                    as_date(f["pay_by"]),
                    as_money(f["amount"]),
                    str(f["currency"]),
                    ids,
                )
            )
        return out

    def plans(
        self,
        records: Records,
        customers: Mapping[str, Customer],
        by_invoice: ByInvoice,
    ) -> dict[str, list[PaymentPlan]]:
        out: dict[str, list[PaymentPlan]] = {}
        for path, f in self.unique(records, "payment plan").items():
            cid = self.known_customer(path, f, customers)
            ids = f.get("invoices", ())
            if isinstance(ids, tuple) and not ids:
                self.problem(
                    (*path, "invoices"), "L004", "a payment plan covers at least one invoice"
                )
            if not self.covered(path, f, cid, by_invoice) or cid is None:
                continue
            if not complete(f, RECORDS["payment_plans"]):
                continue
            instalments = f["instalments"]
            assert isinstance(instalments, tuple)
            currency = str(f["currency"])
            agreed = as_date(f["agreed"])
            ok = True
            for i, (due, amount) in enumerate(instalments):
                instalment = {"due": due, "amount": amount, "currency": currency, "agreed": agreed}
                ok &= self.record_rules("instalments", (*path, "instalments", i), instalment)
            if ok and isinstance(ids, tuple) and ids:
                out.setdefault(cid, []).append(
                    PaymentPlan(
                        str(f["id"]),
                        cid,
                        agreed,
                        currency,
                        ids,
                        tuple(Instalment(d, a) for d, a in sorted(instalments)),
                    )
                )
        return out

    def history(
        self,
        records: Records,
        customers: Mapping[str, Customer],
        by_invoice: ByInvoice,
    ) -> dict[str, list[ActionRecord]]:
        out: dict[str, list[ActionRecord]] = {}
        for path, f in records:
            cid = self.known_customer(path, f, customers)
            ok = self.covered(path, f, cid, by_invoice, parts=True)
            ok &= self.record_rules("history", path, f)
            if (("fee" in f) or ("interest" in f)) and "currency" not in f:
                self.problem(
                    path, "L003", f"{format_path(path)} needs `currency` with a fee or interest"
                )
                ok = False
            if not ok or cid is None or not complete(f, RECORDS["history"]):
                continue
            ids = f.get("invoices", ())
            assert isinstance(ids, tuple)
            out.setdefault(cid, []).append(
                ActionRecord(
                    text_of(f.get("action_id")),
                    cid,
                    str(f["step"]),
                    ids,
                    as_date(f["date"]),
                    ActionStatus(str(f["status"])),
                    as_money(f["fee"]) if "fee" in f else None,
                    as_money(f["interest"]) if "interest" in f else None,
                    optional_text(f.get("currency")),
                )
            )
        return out

    def waivers(
        self,
        records: Records,
        customers: Mapping[str, Customer],
        history: Mapping[str, list[ActionRecord]],
    ) -> dict[str, list[ChargeWaiver]]:
        """File each waiver with its customer: it takes the fees and interest its action charged
        off the account from its date (rule "charges owed"). As in the store, an action's charges
        are waived once, and only charges recorded done on or before the waiver's date."""
        out: dict[str, list[ChargeWaiver]] = {}
        first: dict[str, DocPath] = {}
        for path, f in self.unique(records, "waiver").items():
            cid = self.known_customer(path, f, customers)
            if cid is None or not complete(f, RECORDS["waivers"]):
                continue
            action_id, on, reason = str(f["action_id"]), as_date(f["date"]), str(f["reason"])
            if not reason.strip():
                self.problem(
                    (*path, "reason"),
                    "L003",
                    "a waiver needs a reason: say why the charges are taken off",
                )
                continue
            if action_id in first:
                line = self.source(first[action_id]).line
                self.problem(
                    (*path, "action_id"),
                    "L008",
                    f"the charges of action '{action_id}' are waived twice: first at line"
                    f" {line}; an action's charges are waived once",
                )
                continue
            first[action_id] = path
            own = [r for r in history.get(cid, ()) if r.action_id == action_id and r.date <= on]
            if not has_charges(own):
                self.problem(
                    (*path, "action_id"),
                    "L017",
                    f"action '{action_id}' of customer '{cid}' charged no fee or interest recorded"
                    f" done on or before {on.isoformat()}: there is nothing to waive",
                )
                continue
            who = text_of(f.get("who"))
            out.setdefault(cid, []).append(
                ChargeWaiver(str(f["id"]), cid, action_id, on, reason.strip(), who)
            )
        return out
