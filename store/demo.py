"""The demo ledger: a seeded, realistic ledger of about 500 customers and 5,000 invoices.

Eighteen months of invoices before the demo date, mostly in GBP with EUR and USD customers; about
70 % paid on time or late, partial payments, unapplied cash, credit notes, disputes open and
resolved, promises to pay kept, pending and broken, one payment plan, and the reminders already
sent. The example customers of the policy repository (``customers/*.yaml``) are in it under their
own ids, names, countries and segments, so their overrides show in the demo's action list.

The same seed and date always give the same ledger.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, Engine, delete, func, select

from store.connection import begin_write
from store.migrate import upgrade
from store.models import api_tokens, customers, imports, metadata

DEMO_CUSTOMERS = 500
DEMO_INVOICES = 5000
DEMO_MARK = "demo"  # the ``imports.kind`` that marks a database built by ``build_demo``
HISTORY_DAYS = 548  # eighteen months
_OFFSET = re.compile(r"^(invoice|due)([+-])(\d+)(?:bd|d)$")
# The example policy's standard ladder (policies/ladders/standard.yaml), for a demo built
# without the policy's ladder files.
_STANDARD_LADDER = (
    ("delivery-check", "invoice", 2),
    ("courtesy", "due", -3),
    ("first-reminder", "due", 1),
    ("second-reminder", "due", 14),
    ("call", "due", 21),
    ("credit-hold", "due", 30),
    ("final-notice", "due", 45),
    ("agency", "due", 75),
    ("write-off-review", "due", 180),
)

EURO_COUNTRIES = ("DE", "FR", "NL", "IE", "BE", "ES", "IT", "AT")
_PREFIXES = (
    "Northgate",
    "Riverside",
    "Oakfield",
    "Harbour",
    "Summit",
    "Ashdown",
    "Beacon",
    "Kingsway",
    "Meridian",
    "Foxglove",
    "Highland",
    "Westbrook",
    "Larkspur",
    "Greystone",
    "Cobalt",
    "Juniper",
    "Saltmarsh",
    "Redwood",
    "Elmstead",
    "Thornbury",
    "Marlow",
    "Brightwater",
    "Copperfield",
    "Hawthorn",
    "Silverdale",
)
_TRADES = (
    "Catering",
    "Engineering",
    "Print",
    "Logistics",
    "Builders",
    "Dental",
    "Interiors",
    "Media",
    "Florists",
    "Electrical",
    "Joinery",
    "Software",
    "Opticians",
    "Bakery",
    "Plumbing",
    "Events",
    "Garden Centre",
    "Pharmacy",
    "Motors",
    "Textiles",
)
_SUFFIX = {
    "GB": "Ltd",
    "IE": "Ltd",
    "US": "Inc.",
    "DE": "GmbH",
    "AT": "GmbH",
    "FR": "SARL",
    "BE": "BV",
    "NL": "B.V.",
    "ES": "S.L.",
    "IT": "S.r.l.",
}
_LANGUAGE = {"DE": "de", "AT": "de", "FR": "fr", "NL": "nl", "BE": "nl", "ES": "es", "IT": "it"}
_DISPUTE_REASONS = (
    "Goods damaged on delivery",
    "Quantity short of the order",
    "Price differs from the quote",
    "Invoice sent to the wrong entity",
    "Service not completed",
)


class NotADemoDatabaseError(RuntimeError):
    """The database holds a ledger that the demo did not build; it is left untouched."""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """How much the demo ledger holds."""

    as_of: date
    seed: int
    customers: int
    invoices: int
    payments: int
    credit_notes: int
    disputes: int
    promises: int
    payment_plans: int
    actions: int

    def describe(self) -> str:
        """Return one line describing the ledger, for the demo command."""
        return (
            f"Demo ledger for {self.as_of} (seed {self.seed}): {self.customers} customers,"
            f" {self.invoices} invoices, {self.payments} payments, {self.credit_notes} credit"
            f" notes, {self.disputes} disputes, {self.promises} promises to pay,"
            f" {self.payment_plans} payment plan, {self.actions} actions already worked"
        )


@dataclass(slots=True)
class _Customer:
    id: str
    name: str
    country: str
    segment: str | None
    email: str
    language: str | None
    currency: str
    net_days: int
    habit: str  # prompt | late | struggling
    ladder: str = "standard"


def read_customer_files(folder: Path) -> list[dict[str, Any]]:
    """Return the id, name, country, segment, language, email, terms and currency of each file.

    Files that cannot be read or lack an id are skipped: the demo shows what it can.
    """
    found = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            continue
        contacts = document.get("contacts") or []
        email = next(
            (c.get("email") for c in contacts if isinstance(c, dict) and c.get("email")), ""
        )
        limit = document.get("credit_limit")
        found.append(
            {
                "id": document["id"],
                "name": str(document.get("name") or document["id"]),
                "country": document.get("country"),
                "segment": document.get("segment"),
                "language": document.get("language"),
                "email": email,
                "terms": document.get("terms"),
                "currency": limit.get("currency") if isinstance(limit, dict) else None,
            }
        )
    return found


def read_ladders(folder: Path) -> dict[str, list[tuple[str, str, int]]]:
    """Return each ladder's steps as (step id, anchor, days), for the steps anchored on a date.

    Steps before the discount deadline are left out (the demo's invoices have no discount), and
    business days are counted as calendar days: the demo only needs plausible history.
    """
    ladders: dict[str, list[tuple[str, str, int]]] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        steps = document.get("steps") if isinstance(document, dict) else None
        if not isinstance(steps, list):
            continue
        found = []
        for step in steps:
            match = _OFFSET.match(str(step.get("at", ""))) if isinstance(step, dict) else None
            if match is not None:
                days = int(match.group(3)) * (1 if match.group(2) == "+" else -1)
                found.append((str(step.get("id")), match.group(1), days))
        ladders[str(document.get("name") or path.stem)] = found
    return ladders


def build_demo(
    engine: Engine, as_of: date, seed: int = 1, policy_root: Path | None = None
) -> DemoSummary:
    """Return the summary of the demo ledger written to ``engine`` (created or replaced).

    With ``policy_root`` (a folder holding ``customers/`` and ``policies/ladders/``), the example
    customers are in the ledger and the history follows the ladders' steps. The database is
    migrated first. A database that holds a ledger or API tokens the demo did not build is refused
    (``NotADemoDatabaseError``), never emptied; a demo database is replaced whole, tokens included.
    """
    upgrade(engine)
    files = read_customer_files(policy_root / "customers") if policy_root is not None else []
    ladders = read_ladders(policy_root / "policies" / "ladders") if policy_root else {}
    tables = _generate(as_of, seed, files, ladders or {"standard": list(_STANDARD_LADDER)})
    with engine.connect() as conn, begin_write(conn):
        _clear(conn)
        for table in metadata.sorted_tables:
            rows = tables.get(table.name)
            if rows:
                conn.execute(table.insert(), rows)
        conn.execute(
            imports.insert().values(
                digest=hashlib.sha256(f"{seed}:{as_of}".encode()).hexdigest(),
                kind=DEMO_MARK,
                source=f"dunning demo --seed {seed} --date {as_of}",
                rows=sum(len(rows) for rows in tables.values()),
                inserted=len(tables["invoices"]),
                updated=0,
                unchanged=0,
                imported_at=datetime.now(UTC),
            )
        )
    return DemoSummary(
        as_of,
        seed,
        len(tables["customers"]),
        len(tables["invoices"]),
        len(tables["payments"]),
        len(tables["credit_notes"]),
        len(tables["disputes"]),
        len(tables["promises"]),
        len(tables["payment_plans"]),
        len(tables["action_log"]),
    )


def _clear(conn: Connection) -> None:
    """Empty a previous demo database, its API tokens too; refuse a database holding anything else.

    A demo database is rebuilt whole: a token issued for an earlier demo does not outlive it.
    A database that is not the demo's is left alone if it holds a ledger or a token (an admin may
    issue tokens before the first import).
    """
    is_demo = (
        conn.execute(
            select(func.count()).select_from(imports).where(imports.c.kind == DEMO_MARK)
        ).scalar_one()
        > 0
    )
    if not is_demo:
        for table, what in ((customers, "a ledger"), (api_tokens, "API tokens")):
            if conn.execute(select(func.count()).select_from(table)).scalar_one() > 0:
                raise NotADemoDatabaseError(
                    f"this database holds {what} that the demo did not create; the demo only"
                    " replaces its own database (use a new file, e.g. --database dunning-demo.db)"
                )
    for table in reversed(metadata.sorted_tables):
        conn.execute(delete(table))


def _money(rng: random.Random, median: int) -> Decimal:
    # Invoice values spread like a real book: many small, a few large (log-normal), drawn in
    # whole pence so that no binary fraction ever becomes an amount.
    pence = int(rng.lognormvariate(0, 0.9) * median * 100)
    return Decimal(max(pence, 2500)).scaleb(-2)


def _customers(rng: random.Random, files: Iterable[dict[str, Any]]) -> list[_Customer]:
    out: list[_Customer] = []
    for file in files:
        country = str(file.get("country") or "GB")
        currency = file.get("currency") or _currency_of(country)
        terms = str(file.get("terms") or "net30")
        net = int(terms[3:]) if terms.startswith("net") and terms[3:].isdigit() else 30
        out.append(
            _Customer(
                file["id"],
                file["name"],
                country,
                file.get("segment"),
                file["email"],
                file.get("language"),
                currency,
                net,
                rng.choice(("prompt", "late", "late", "struggling")),
            )
        )
    used = {c.id for c in out}
    n = 0
    while len(out) < DEMO_CUSTOMERS:
        n += 1
        country = rng.choices(("GB", "US", *EURO_COUNTRIES), weights=(70, 8, *[3] * 8))[0]
        name = f"{rng.choice(_PREFIXES)} {rng.choice(_TRADES)} {_SUFFIX[country]}"
        cid = f"C-{n:05d}"
        if cid in used:
            continue
        segment = rng.choices(("smb", "mid-market", "strategic", "public"), (70, 20, 4, 6))[0]
        slug = name.split(maxsplit=1)[0].lower()
        out.append(
            _Customer(
                cid,
                name,
                country,
                segment,
                f"accounts@{slug}{n}.example",
                _LANGUAGE.get(country),
                _currency_of(country),
                rng.choice((30, 30, 30, 14, 45, 60)),
                rng.choices(("prompt", "late", "struggling"), (50, 35, 15))[0],
            )
        )
    return out


def _currency_of(country: str) -> str:
    if country == "US":
        return "USD"
    return "EUR" if country in EURO_COUNTRIES else "GBP"


def _ladder_of(c: _Customer, named: str | None) -> str:
    # As the shipped policy assigns them: a customer file's ladder, strategic accounts, the EU.
    if named:
        return named
    if c.segment == "strategic":
        return "strategic"
    return "eu-statutory" if c.country in EURO_COUNTRIES else "standard"


def _generate(
    as_of: date,
    seed: int,
    files: list[dict[str, Any]],
    ladders: dict[str, list[tuple[str, str, int]]],
) -> dict[str, list[dict[str, Any]]]:
    """Return the demo ledger's rows, table by table."""
    rng = random.Random(seed)  # noqa: S311 - seeded demo data, never a secret
    people = _customers(rng, files)
    named = {f["id"]: f.get("ladder") for f in files}
    for c in people:
        c.ladder = _ladder_of(c, named.get(c.id))
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in metadata.tables}
    tables["customers"] = [
        {
            "id": c.id,
            "name": c.name,
            "country": c.country,
            "segment": c.segment,
            "email": c.email,
            "language": c.language,
        }
        for c in people
    ]
    # The example customers always trade; the others by a weight, big accounts more.
    weights = [
        (6.0 if i < len(files) else 1.0)
        * (4.0 if c.segment == "strategic" else 1.0)
        * rng.uniform(0.3, 2.0)
        for i, c in enumerate(people)
    ]
    start = as_of - timedelta(days=HISTORY_DAYS)
    days = sorted(rng.randrange(HISTORY_DAYS) for _ in range(DEMO_INVOICES))
    open_overdue: dict[str, list[dict[str, Any]]] = {}
    pay = tables["payments"]
    for n, offset in enumerate(days, 1):
        c = rng.choices(people, weights)[0]
        issued = start + timedelta(days=offset)
        due = issued + timedelta(days=c.net_days)
        amount = _money(rng, 4000 if c.segment == "strategic" else 900)
        invoice = {
            "id": f"INV-{issued.year}-{n:05d}",
            "customer_id": c.id,
            "number": None,
            "issued": issued,
            "due": None,
            "terms": None,
            "amount": amount,
            "currency": c.currency,
        }
        tables["invoices"].append(invoice)
        roll = rng.random()
        if c.habit == "prompt":
            paid_on, part = due + timedelta(days=rng.randint(-10, 4)), 1.0 if roll < 0.97 else 0
        elif c.habit == "late":
            paid_on, part = due + timedelta(days=rng.randint(3, 60)), 1.0 if roll < 0.9 else 0
        else:
            paid_on = due + timedelta(days=rng.randint(15, 120))
            part = 1.0 if roll < 0.5 else (rng.randint(30, 70) / 100 if roll < 0.75 else 0)
        paid_on = max(paid_on, issued)
        paid = Decimal(0)
        if part and paid_on <= as_of:
            share = Decimal(round(part * 100)) / 100
            paid = amount if part == 1.0 else (amount * share).quantize(Decimal("0.01"))
            pay.append(
                {
                    "id": f"PAY-{len(pay) + 1:06d}",
                    "customer_id": c.id,
                    "date": paid_on,
                    "amount": paid,
                    "currency": c.currency,
                    "invoice_id": invoice["id"],
                }
            )
        if paid < amount and due < as_of:
            open_overdue.setdefault(c.id, []).append(invoice)
        _maybe_credit(rng, tables, invoice, as_of, paid)
        _maybe_dispute(rng, tables, invoice, as_of)
        _history(
            rng,
            tables,
            c,
            invoice,
            ladders.get(c.ladder) or ladders.get("standard") or [],
            due=due,
            paid_on=paid_on if paid == amount else None,
            as_of=as_of,
        )
    _unapplied(rng, tables, people, as_of)
    _promises(rng, tables, people, open_overdue, as_of)
    _plan(tables, people, open_overdue, as_of)
    return tables


def _maybe_credit(
    rng: random.Random,
    tables: dict[str, list[dict[str, Any]]],
    invoice: dict[str, Any],
    as_of: date,
    paid: Decimal,
) -> None:
    if rng.random() >= 0.02 or paid >= invoice["amount"]:
        return
    on = invoice["issued"] + timedelta(days=rng.randint(3, 25))
    if on > as_of:
        return
    share = Decimal(rng.choice(("0.10", "0.25", "1")))
    left = invoice["amount"] - paid
    notes = tables["credit_notes"]
    notes.append(
        {
            "id": f"CN-{len(notes) + 1:05d}",
            "customer_id": invoice["customer_id"],
            "date": on,
            "amount": min(left, (invoice["amount"] * share).quantize(Decimal("0.01"))),
            "currency": invoice["currency"],
            "invoice_id": invoice["id"],
        }
    )


def _maybe_dispute(
    rng: random.Random,
    tables: dict[str, list[dict[str, Any]]],
    invoice: dict[str, Any],
    as_of: date,
) -> None:
    if rng.random() >= 0.03:
        return
    opened = invoice["issued"] + timedelta(days=rng.randint(5, 40))
    if opened > as_of:
        return
    resolved = opened + timedelta(days=rng.randint(7, 45))
    found = tables["disputes"]
    found.append(
        {
            "id": f"DSP-{len(found) + 1:04d}",
            "customer_id": invoice["customer_id"],
            "invoice_id": invoice["id"],
            "opened": opened,
            "resolved": resolved if resolved <= as_of and rng.random() < 0.6 else None,
            "reason": rng.choice(_DISPUTE_REASONS),
        }
    )


def _history(
    rng: random.Random,
    tables: dict[str, list[dict[str, Any]]],
    c: _Customer,
    invoice: dict[str, Any],
    steps: list[tuple[str, str, int]],
    *,
    due: date,
    paid_on: date | None,
    as_of: date,
) -> None:
    """Record the steps already worked for an invoice, up to the day before the demo date.

    A quarter of the invoices still overdue miss their latest step: the demo's list then has
    steps falling due today and a few caught up, as a real morning has.
    """
    until = min(paid_on or as_of, as_of - timedelta(days=1))
    reached = [
        (step, on)
        for step, anchor, days in steps
        if (on := (invoice["issued"] if anchor == "invoice" else due) + timedelta(days=days))
        <= until
    ]
    if paid_on is None and reached and rng.random() < 0.25:
        reached.pop()
    log = tables["action_log"]
    for step, on in reached:
        roll = rng.random()
        status = "done" if roll < 0.9 else ("failed" if roll < 0.95 else "skipped")
        key = f"{c.id}\x1f{step}\x1f{invoice['id']}"
        log.append(
            {
                "action_id": "demo_" + hashlib.sha256(key.encode()).hexdigest()[:20],
                "customer_id": c.id,
                "step": step,
                "invoice_ids": [invoice["id"]],
                "date": on,
                "status": status,
                "outcome": "spoke to accounts" if step.endswith("call") else "done",
                "note": "",
                "who": rng.choice(("jane", "omar", "system")),
                "recorded_at": datetime(on.year, on.month, on.day, 10, 0, tzinfo=UTC),
                "fee": None,
                "interest": None,
                "currency": None,
            }
        )


def _unapplied(
    rng: random.Random,
    tables: dict[str, list[dict[str, Any]]],
    people: list[_Customer],
    as_of: date,
) -> None:
    pay, notes = tables["payments"], tables["credit_notes"]
    for c in rng.sample(people, 12):
        pay.append(
            {
                "id": f"PAY-{len(pay) + 1:06d}",
                "customer_id": c.id,
                "date": as_of - timedelta(days=rng.randint(1, 40)),
                "amount": Decimal(rng.choice(("150.00", "250.00", "480.00", "1000.00"))),
                "currency": c.currency,
                "invoice_id": None,
            }
        )
    for c in rng.sample(people, 5):
        notes.append(
            {
                "id": f"CN-{len(notes) + 1:05d}",
                "customer_id": c.id,
                "date": as_of - timedelta(days=rng.randint(5, 90)),
                "amount": Decimal(rng.choice(("45.00", "120.00", "300.00"))),
                "currency": c.currency,
                "invoice_id": None,
            }
        )


def _promises(
    rng: random.Random,
    tables: dict[str, list[dict[str, Any]]],
    people: list[_Customer],
    open_overdue: dict[str, list[dict[str, Any]]],
    as_of: date,
) -> None:
    """Promises to pay: kept (and the payment that kept them), pending, and broken."""
    by_id = {c.id: c for c in people}
    candidates = sorted(open_overdue)
    rng.shuffle(candidates)
    pay, made = tables["payments"], tables["promises"]
    for n, customer_id in enumerate(candidates[:21]):
        invoice = open_overdue[customer_id][0]
        kind = ("kept", "pending", "broken")[n % 3]
        made_on = as_of - timedelta(days=rng.randint(15, 30) if kind != "pending" else 3)
        pay_by = made_on + timedelta(days=10 if kind != "pending" else 14)
        promise_id = f"PTP-{n + 1:03d}"
        made.append(
            {
                "id": promise_id,
                "customer_id": customer_id,
                "made": made_on,
                "pay_by": pay_by,
                "amount": invoice["amount"],
                "currency": invoice["currency"],
            }
        )
        tables["promise_invoices"].append({"promise_id": promise_id, "invoice_id": invoice["id"]})
        if kind == "kept":
            already = sum(
                p["amount"]
                for p in (*pay, *tables["credit_notes"])
                if p["invoice_id"] == invoice["id"]
            )
            pay.append(
                {
                    "id": f"PAY-{len(pay) + 1:06d}",
                    "customer_id": customer_id,
                    "date": pay_by - timedelta(days=1),
                    "amount": invoice["amount"] - already,
                    "currency": by_id[customer_id].currency,
                    "invoice_id": invoice["id"],
                }
            )
            open_overdue[customer_id].remove(invoice)


def _plan(
    tables: dict[str, list[dict[str, Any]]],
    people: list[_Customer],
    open_overdue: dict[str, list[dict[str, Any]]],
    as_of: date,
) -> None:
    """One payment plan: the struggling customer with the most overdue invoices, one paid."""
    promised = {p["customer_id"] for p in tables["promises"]}
    struggling = [c for c in people if c.habit == "struggling" and c.id not in promised]
    if not struggling:
        return
    c = max(struggling, key=lambda c: (len(open_overdue.get(c.id, ())), c.id))
    covered = sorted(open_overdue.get(c.id, []), key=lambda i: i["issued"])[:4]
    if not covered:
        return
    paid = {p["invoice_id"]: p["amount"] for p in tables["payments"] if p["invoice_id"]}
    total = sum(i["amount"] - paid.get(i["id"], Decimal(0)) for i in covered)
    agreed = as_of - timedelta(days=40)
    share = (total / 3).quantize(Decimal("0.01"))
    amounts = (share, share, total - 2 * share)
    tables["payment_plans"].append(
        {"id": "PLAN-0001", "customer_id": c.id, "agreed": agreed, "currency": c.currency}
    )
    tables["plan_invoices"] += [{"plan_id": "PLAN-0001", "invoice_id": i["id"]} for i in covered]
    tables["instalments"] += [
        {
            "plan_id": "PLAN-0001",
            "seq": n + 1,
            "due": agreed + timedelta(days=15 + 30 * n),
            "amount": amount,
        }
        for n, amount in enumerate(amounts)
    ]
    # The first instalment was paid on time, against the oldest invoice of the plan.
    oldest = covered[0]
    first = min(amounts[0], oldest["amount"] - paid.get(oldest["id"], Decimal(0)))
    pay = tables["payments"]
    pay.append(
        {
            "id": f"PAY-{len(pay) + 1:06d}",
            "customer_id": c.id,
            "date": agreed + timedelta(days=14),
            "amount": first,
            "currency": c.currency,
            "invoice_id": oldest["id"],
        }
    )
