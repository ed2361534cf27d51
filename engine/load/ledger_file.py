"""Ledger files: a ledger snapshot written as YAML or JSON (`kind: Ledger`), read and checked.

The format is documented in docs/policy-format.md ("Ledger") and is also the ``ledger:`` of a policy
test, so ``ledger_from_data`` reads an already-parsed mapping too. Like the policy loader it never
raises for a user's mistake: every problem comes back located (file, line, column, path) with a
code from ``CODES``, all of them at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path

from engine.load.yaml_reader import MAX_FILE_BYTES, load_yaml_file, load_yaml_text
from engine.model.ledger import (
    ActionRecord,
    ActionStatus,
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
    invoice_of_part,
)
from engine.model.ledger_fields import (
    INSTALMENT,
    LIST_ITEM,
    NOT_A_DATE,
    NOT_AN_AMOUNT,
    RECORDS,
    FieldRule,
    Invalid,
    ValueKind,
    check_record,
    check_text,
    read_amount,
    read_date,
    show,
)
from engine.model.source import DocPath, Problem, Source, format_path

API_VERSION = "dunning/v1"
KIND = "Ledger"

# A locator gives the place of a path inside the ledger mapping.
Locator = Callable[[DocPath], Source]

_SECTIONS = (
    "customers", "invoices", "payments", "credit_notes", "disputes", "promises", "payment_plans",
    "history",
)  # fmt: skip


def read_ledger_file(path: Path) -> tuple[LedgerSnapshot | None, list[Problem]]:
    """Return the ledger in a YAML or JSON file (by its suffix) and the problems found.

    The snapshot is None when the file cannot be used at all or has any problem: a ledger with a
    bad row is not evaluated, as a bad import imports nothing.
    """
    file = str(path)
    if path.suffix.lower() == ".json":
        return _read_json(path, file)
    # The YAML reader's own problems (codes Y0xx, documented with it) come first-hand.
    document, problems = load_yaml_file(path)
    if document is None:
        return None, problems
    snapshot, found = _from_document(document.data, file, document.source)
    problems += found
    return (snapshot if not problems else None), sorted(problems, key=Problem.sort_key)


def _read_json(path: Path, file: str) -> tuple[LedgerSnapshot | None, list[Problem]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [Problem(file, 1, 1, "L001", f"the file cannot be read: {reason}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [Problem(file, 1, 1, "L001", f"the file is not UTF-8 text: {error.reason}")]
    try:
        # Amounts are read exactly: a JSON number becomes a Decimal as written, never a float.
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        return None, [
            Problem(file, error.lineno, error.colno, "L001", f"not valid JSON: {error.msg}")
        ]
    except ValueError as error:
        return None, [Problem(file, 1, 1, "L001", f"not valid JSON: {error}")]
    snapshot, problems = _from_document(data, file, _origin(file))
    if problems and len(raw) <= MAX_FILE_BYTES:
        # Only when something is wrong: read the text again for the line of each problem.
        located, _ = load_yaml_text(text, file)
        if located is not None:
            snapshot, problems = _from_document(data, file, located.source)
    return (snapshot if not problems else None), problems


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def _origin(file: str) -> Locator:
    def locate(path: DocPath) -> Source:
        return Source(file, 1, 1, path)

    return locate


def _from_document(
    data: object, file: str, source: Locator
) -> tuple[LedgerSnapshot | None, list[Problem]]:
    if not isinstance(data, Mapping):
        return None, [Problem.at(source(()), "L001", _NOT_A_LEDGER)]
    problems: list[Problem] = []
    if data.get("apiVersion") != API_VERSION or data.get("kind") != KIND:
        problems.append(Problem.at(source(()), "L001", _NOT_A_LEDGER))
        return None, problems
    snapshot, found = ledger_from_data(data, file, source)
    return snapshot, problems + found


_NOT_A_LEDGER = (
    "this is not a ledger file: it must be a mapping starting with `apiVersion: dunning/v1` "
    "and `kind: Ledger`"
)


def ledger_from_data(
    data: Mapping[str, object], file: str, source: Locator | None = None
) -> tuple[LedgerSnapshot | None, list[Problem]]:
    """Return the ledger held in ``data`` (the mapping of a ledger file or a policy test's
    ``ledger:``) and the problems found, sorted; the snapshot is None when there is any.

    ``source`` locates a path inside ``data`` (by default: line 1 of ``file``). Customers that
    appear only through their invoices get a bare record, unless ``customers`` lists customers:
    then every reference must name a listed one.
    """
    reader = _Reader(file, source or _origin(file))
    snapshot = reader.read(data)
    problems = sorted(reader.problems, key=Problem.sort_key)
    return (snapshot if not problems else None), problems


class _Reader:
    """Reads the sections of a ledger mapping into records, collecting problems."""

    def __init__(self, file: str, source: Locator) -> None:
        self.file = file
        self.source = source
        self.problems: list[Problem] = []
        self.listed = False  # whether the ledger lists its customers (then every id must be there)

    def problem(self, path: DocPath, code: str, message: str) -> None:
        self.problems.append(Problem.at(self.source(path), code, message))

    # -- values --------------------------------------------------------------------------------

    def invalid(self, path: DocPath, raw: object, invalid: Invalid) -> None:
        """Report a value that breaks its field's rule, in the rule's own words."""
        self.problem(path, invalid.code, invalid.message(f"{format_path(path)} {show(raw)}"))

    def value(self, rule: FieldRule, raw: object, path: DocPath) -> object:
        """Return ``raw`` read by ``rule``, or None after reporting why it cannot be."""
        kind = rule.kind
        if kind is ValueKind.DATE:
            return self.day(raw, path)
        if kind in (ValueKind.AMOUNT, ValueKind.CHARGE):
            return self.money(raw, path)
        if kind is ValueKind.IDS:
            return self.ids(raw, path)
        if kind is ValueKind.INSTALMENTS:
            return self.instalments(raw, path)
        if not isinstance(raw, str):
            self.problem(path, "L004", f"{format_path(path)} must be text, not {show(raw)}")
            return None
        invalid = check_text(kind, raw, rule.max_length)
        if invalid is not None:
            self.invalid(path, raw, invalid)
            return None
        return raw

    def day(self, raw: object, path: DocPath) -> date | None:
        read = read_date(raw) if isinstance(raw, str | date) else NOT_A_DATE
        if isinstance(read, Invalid):
            self.invalid(path, raw, read)
            return None
        return read

    def money(self, raw: object, path: DocPath) -> Decimal | None:
        if isinstance(raw, bool | float):
            self.problem(
                path,
                "L006",
                f"{format_path(path)} {show(raw)} is not an exact amount: write it as a quoted"
                f' decimal, e.g. "15.00"',
            )
            return None
        read = read_amount(raw) if isinstance(raw, str | Decimal | int) else NOT_AN_AMOUNT
        if isinstance(read, Invalid):
            self.invalid(path, raw, read)
            return None
        return read

    def ids(self, raw: object, path: DocPath) -> tuple[str, ...] | None:
        if not isinstance(raw, list):
            self.problem(path, "L004", f"{format_path(path)} must be a list of ids")
            return None
        out = []
        for i, item in enumerate(raw):
            value = self.value(LIST_ITEM, item, (*path, i))
            if isinstance(value, str):
                out.append(value)
        return tuple(out)

    def instalments(self, raw: object, path: DocPath) -> tuple[tuple[date, Decimal], ...] | None:
        if not isinstance(raw, list) or not raw:
            self.problem(
                path, "L004", f"{format_path(path)} must be a list of {{due, amount}} instalments"
            )
            return None
        out = []
        for i, item in enumerate(raw):
            fields = self.record(item, (*path, i), INSTALMENT)
            if fields is not None and "due" in fields and "amount" in fields:
                due, amount = fields["due"], fields["amount"]
                assert isinstance(due, date) and isinstance(amount, Decimal)
                out.append((due, amount))
        return tuple(out)

    def record(
        self, raw: object, path: DocPath, spec: Mapping[str, FieldRule]
    ) -> dict[str, object] | None:
        """Return the fields of one record that could be read; None when it is not a mapping."""
        if not isinstance(raw, Mapping):
            self.problem(path, "L004", f"{format_path(path)} must be a mapping of fields")
            return None
        fields: dict[str, object] = {}
        for key, value in raw.items():
            if key not in spec:
                known = ", ".join(spec)
                self.problem(
                    (*path, key), "L002", f"'{key}' is not a field here: the fields are {known}"
                )
                continue
            read = self.value(spec[key], value, (*path, key))
            if read is not None:
                fields[key] = read
        for key, rule in spec.items():
            if rule.required and key not in raw:
                self.problem(path, "L003", f"{format_path(path)} needs `{key}`")
        return fields

    # -- sections ------------------------------------------------------------------------------

    def section(
        self, data: Mapping[str, object], name: str
    ) -> list[tuple[DocPath, dict[str, object]]]:
        raw = data.get(name)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.problem((name,), "L004", f"{name} must be a list")
            return []
        out: list[tuple[DocPath, dict[str, object]]] = []
        for i, item in enumerate(raw):
            fields = self.record(item, (name, i), RECORDS[name])
            if fields is not None:
                out.append(((name, i), fields))
        return out

    def read(self, data: Mapping[str, object]) -> LedgerSnapshot:
        for key in data:
            if key not in _SECTIONS and key not in {"apiVersion", "kind"}:
                known = ", ".join(_SECTIONS)
                self.problem((key,), "L002", f"'{key}' is not part of a ledger: use {known}")
        sections = {name: self.section(data, name) for name in _SECTIONS}
        listed = {
            f["id"]: (path, f) for path, f in self.unique(sections["customers"], "customer").items()
        }
        invoices = dict(self.unique(sections["invoices"], "invoice"))
        customers: dict[str, Customer] = {}
        for cid, (_, f) in listed.items():
            assert isinstance(cid, str)
            customers[cid] = Customer(
                cid,
                _str(f.get("name")),
                _opt(f.get("country")),
                _opt(f.get("segment")),
                _str(f.get("email")),
                _opt(f.get("language")),
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
        for name, kind in (("payments", "payment"), ("credit_notes", "credit note")):
            for path, f in self.unique(sections[name], kind).items():
                self.cash(name, path, f, customers, by_invoice, settlements, unapplied)
        disputes = self.disputes(sections["disputes"], by_invoice)
        promises = self.promises(sections["promises"], customers, by_invoice)
        plans = self.plans(sections["payment_plans"], customers, by_invoice)
        history = self.history(sections["history"], customers, by_invoice)
        built: dict[str, list[Invoice]] = {cid: [] for cid in customers}
        for iid, (_, f) in by_invoice.items():
            # An invoice with a field that could not be read was reported: it is not built.
            if not _complete(f, RECORDS["invoices"]) or str(f["customer"]) not in built:
                continue
            cid = str(f["customer"])
            built[cid].append(
                Invoice(
                    iid,
                    cid,
                    _date(f["issued"]),
                    _money(f["amount"]),
                    str(f["currency"]),
                    _opt(f.get("terms")),
                    _date(f["due"]) if "due" in f else None,
                    tuple(sorted(settlements.get(iid, ()), key=lambda s: (s.date, s.ref))),
                    _date(f["delivered"]) if "delivered" in f else None,
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
                )
                for cid in sorted(customers)
            )
        )

    def unique(
        self, records: Iterable[tuple[DocPath, dict[str, object]]], what: str
    ) -> dict[DocPath, dict[str, object]]:
        """Return the records whose id is new, reporting the repeats (L008)."""
        seen: dict[object, DocPath] = {}
        out: dict[DocPath, dict[str, object]] = {}
        for path, f in records:
            rid = f.get("id")
            if rid is None:
                continue
            if rid in seen:
                first = self.source(seen[rid])
                self.problem(
                    (*path, "id"),
                    "L008",
                    f"{what} '{rid}' appears twice: first at line {first.line}; ids must be unique",
                )
                continue
            seen[rid] = path
            out[path] = f
        return out

    def unknown_customer(self, path: DocPath, cid: str, listed: bool = True) -> None:
        where = "the ledger's customers" if listed else "the ledger (no customer or invoice has it)"
        self.problem(
            (*path, "customer"),
            "L009",
            f"customer '{cid}' is not in {where}: add it or correct the id",
        )

    def known_customer(
        self, path: DocPath, f: Mapping[str, object], customers: Mapping[str, Customer]
    ) -> str | None:
        cid = f.get("customer")
        if not isinstance(cid, str):
            return None
        if cid not in customers:
            self.unknown_customer(path, cid, self.listed)
            return None
        return cid

    def known_invoice(
        self,
        path: DocPath,
        iid: str,
        by_invoice: Mapping[str, tuple[DocPath, dict[str, object]]],
        parts: bool = False,
    ) -> dict[str, object] | None:
        found = by_invoice.get(iid)
        if found is None and parts:
            # The action log names the parts of invoices on split terms: INV-1001_2of3.
            invoice = invoice_of_part(iid)
            found = by_invoice.get(invoice) if invoice is not None else None
        if found is None:
            self.problem(
                path, "L010", f"invoice '{iid}' is not in the ledger: add it or correct the number"
            )
            return None
        return found[1]

    def record_rules(self, section: str, path: DocPath, f: Mapping[str, object]) -> bool:
        """Report the rules a record's fields break together; return whether it keeps them all."""
        found = check_record(section, f)
        for key, invalid in found:
            self.invalid((*path, key), f[key], invalid)
        return not found

    def cash(  # noqa: PLR0917 - one record and the indexes it is filed into
        self,
        section: str,
        path: DocPath,
        f: dict[str, object],
        customers: Mapping[str, Customer],
        by_invoice: Mapping[str, tuple[DocPath, dict[str, object]]],
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
        if cid is None or not _complete(f, RECORDS[section]):
            return
        if isinstance(iid, str):
            if invoice is None:
                return
            if not self.matches(path, f, invoice):
                return
            kind = "payment" if section == "payments" else "credit_note"
            settlements.setdefault(iid, []).append(
                Settlement(_date(f["date"]), _money(f["amount"]), kind, str(f["id"]))
            )
            return
        record = Payment if section == "payments" else CreditNote
        unapplied.setdefault(cid, []).append(
            record(str(f["id"]), cid, _date(f["date"]), _money(f["amount"]), str(f["currency"]))
        )

    def matches(
        self, path: DocPath, f: Mapping[str, object], invoice: Mapping[str, object]
    ) -> bool:
        """Return whether a record's customer and currency are its invoice's (L011 otherwise)."""
        ok = True
        for key in ("customer", "currency"):
            if key in f and key in invoice and f[key] != invoice[key]:
                self.problem(
                    (*path, key),
                    "L011",
                    f"{key} '{f[key]}' differs from invoice {invoice.get('id')}'s '{invoice[key]}'",
                )
                ok = False
        return ok

    def disputes(
        self,
        records: list[tuple[DocPath, dict[str, object]]],
        by_invoice: Mapping[str, tuple[DocPath, dict[str, object]]],
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
            if not _complete(f, RECORDS["disputes"]):
                continue
            out.setdefault(str(invoice["customer"]), []).append(
                Dispute(
                    str(f["id"]),
                    str(iid),
                    _date(f["opened"]),
                    _date(f["resolved"]) if "resolved" in f else None,
                    _str(f.get("reason")),
                )
            )
        return out

    def covered(
        self,
        path: DocPath,
        f: Mapping[str, object],
        cid: str | None,
        by_invoice: Mapping[str, tuple[DocPath, dict[str, object]]],
        parts: bool = False,
    ) -> bool:
        """Return whether every invoice a promise, plan or history entry (``parts``: or part of
        an invoice on split terms) names exists and is its customer's."""
        ok = True
        ids = f.get("invoices", ())
        assert isinstance(ids, tuple)
        for i, iid in enumerate(ids):
            invoice = self.known_invoice((*path, "invoices", i), iid, by_invoice, parts)
            if invoice is None:
                ok = False
            elif cid is not None and invoice.get("customer") != cid:
                self.problem(
                    (*path, "invoices", i),
                    "L011",
                    f"invoice {iid} belongs to customer '{invoice.get('customer')}', not '{cid}'",
                )
                ok = False
        return ok

    def promises(
        self,
        records: list[tuple[DocPath, dict[str, object]]],
        customers: Mapping[str, Customer],
        by_invoice: Mapping[str, tuple[DocPath, dict[str, object]]],
    ) -> dict[str, list[Promise]]:
        out: dict[str, list[Promise]] = {}
        for path, f in self.unique(records, "promise").items():
            cid = self.known_customer(path, f, customers)
            if not self.record_rules("promises", path, f):
                continue
            if not self.covered(path, f, cid, by_invoice) or cid is None:
                continue
            if not _complete(f, RECORDS["promises"]):
                continue
            ids = f.get("invoices", ())
            assert isinstance(ids, tuple)
            out.setdefault(cid, []).append(
                Promise(
                    str(f["id"]),
                    cid,
                    _date(f["made"]),
                    _date(f["pay_by"]),
                    _money(f["amount"]),
                    str(f["currency"]),
                    ids,
                )
            )
        return out

    def plans(
        self,
        records: list[tuple[DocPath, dict[str, object]]],
        customers: Mapping[str, Customer],
        by_invoice: Mapping[str, tuple[DocPath, dict[str, object]]],
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
            if not _complete(f, RECORDS["payment_plans"]):
                continue
            instalments = f["instalments"]
            assert isinstance(instalments, tuple)
            currency = str(f["currency"])
            agreed = _date(f["agreed"])
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
        records: list[tuple[DocPath, dict[str, object]]],
        customers: Mapping[str, Customer],
        by_invoice: Mapping[str, tuple[DocPath, dict[str, object]]],
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
            if not ok or cid is None or not _complete(f, RECORDS["history"]):
                continue
            ids = f.get("invoices", ())
            assert isinstance(ids, tuple)
            out.setdefault(cid, []).append(
                ActionRecord(
                    _str(f.get("action_id")),
                    cid,
                    str(f["step"]),
                    ids,
                    _date(f["date"]),
                    ActionStatus(str(f["status"])),
                    _money(f["fee"]) if "fee" in f else None,
                    _money(f["interest"]) if "interest" in f else None,
                    _opt(f.get("currency")),
                )
            )
        return out


def _complete(fields: Mapping[str, object], spec: Mapping[str, FieldRule]) -> bool:
    return all(key in fields for key, rule in spec.items() if rule.required)


def _date(value: object) -> date:
    assert isinstance(value, date)
    return value


def _money(value: object) -> Decimal:
    assert isinstance(value, Decimal)
    return value


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) else None
