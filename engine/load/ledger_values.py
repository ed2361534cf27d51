"""Reading a ledger's records field by field: each value by its rule, each reference checked.

``LedgerValues`` reads the fields of ledger-file records (``engine.load.ledger_records`` builds the
engine's records from them) by the one set of rules in ``engine.model.ledger_fields``, and checks
what a record refers to (its customer, its invoice), collecting every problem located (file,
line, column, path) rather than raising.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal

from engine.model.ledger import Customer, invoice_of_part
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
    timestamp_hint,
)
from engine.model.source import DocPath, Problem, Source, format_path

# A locator gives the place of a path inside the ledger mapping.
Locator = Callable[[DocPath], Source]
# A record read from a section, by its place in the ledger.
Records = list[tuple[DocPath, dict[str, object]]]
# The ledger's invoices (their fields as read), by id, with their place.
ByInvoice = Mapping[str, tuple[DocPath, dict[str, object]]]


def origin(file: str) -> Locator:
    """Return a locator that places every path on line 1 of ``file``."""

    def locate(path: DocPath) -> Source:
        return Source(file, 1, 1, path)

    return locate


class LedgerValues:
    """Reads the fields of a ledger's records and checks what they refer to, collecting problems."""

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
        if isinstance(raw, str | date):
            read = read_date(raw)
        elif isinstance(raw, int):  # a bare number: a Unix timestamp gets the date it means
            read = timestamp_hint(raw) or NOT_A_DATE
        else:
            read = NOT_A_DATE
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
        by_invoice: ByInvoice,
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

    def matches(
        self,
        path: DocPath,
        f: Mapping[str, object],
        invoice: Mapping[str, object],
        noun: str = "invoice",
    ) -> bool:
        """Return whether a record's customer and currency are its invoice's (or the ``noun``
        it refers to: a payment a refund gives back), L011 otherwise."""
        ok = True
        for key in ("customer", "currency"):
            if key in f and key in invoice and f[key] != invoice[key]:
                self.problem(
                    (*path, key),
                    "L011",
                    f"{key} '{f[key]}' differs from {noun} {invoice.get('id')}'s '{invoice[key]}'",
                )
                ok = False
        return ok

    def covered(
        self,
        path: DocPath,
        f: Mapping[str, object],
        cid: str | None,
        by_invoice: ByInvoice,
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



def complete(fields: Mapping[str, object], spec: Mapping[str, FieldRule]) -> bool:
    """Return whether every required field of ``spec`` could be read (and so is in ``fields``)."""
    return all(key in fields for key, rule in spec.items() if rule.required)


def as_date(value: object) -> date:
    """Return a field read as a date (checked by its rule before)."""
    assert isinstance(value, date)
    return value


def as_money(value: object) -> Decimal:
    """Return a field read as an amount (checked by its rule before)."""
    assert isinstance(value, Decimal)
    return value


def text_of(value: object) -> str:
    """Return a text field, or "" when it is absent."""
    return value if isinstance(value, str) else ""


def optional_text(value: object) -> str | None:
    """Return a text field, or None when it is absent."""
    return value if isinstance(value, str) else None
