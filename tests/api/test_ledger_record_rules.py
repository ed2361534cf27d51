"""One set of ledger-record rules: a ledger file, a CSV import and the API give the same verdict.

The story: the same value (a customer id of ``../../etc/passwd``, a language of ``en-GB``, an
amount of ``12.345`` pounds, an invoice due before it was issued) is fed to each entry point, in
a record that is otherwise right. A good value is taken by all three; a bad one is refused by all
three with the same error code and the same words, each entry point naming the place in its own
way: ``invoices[0].amount 12.345 has …`` (ledger file), ``FILE:2: amount 12.345 has …`` (CSV),
``body.rows[0].amount`` with ``amount has …`` (API, which never echoes the value).

A CSV export may also write codes in lower case, pad its cells or group thousands; those forms
are read before the rules apply (docs/imports.md) and are tested in tests/store/test_imports.py.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.settings import ApiSettings
from engine.load.ledger_file import read_ledger_file
from engine.model.ledger_fields import label
from store.connection import create_store_engine
from store.imports import import_csv, import_rows
from store.migrate import upgrade
from store.tokens import Role, create_token
from tests.api.conftest import ROOT
from tests.git_repo import commit_all, git

CUSTOMER = {"id": "ACME-0001"}
INVOICE = {
    "id": "INV-1",
    "customer": "ACME-0001",
    "issued": "2026-09-01",
    "amount": "100.00",
    "currency": "GBP",
}
# The record each case changes one field of, by import kind; ids of their own so that good
# values can be imported again and again.
RECORDS: dict[str, dict[str, str]] = {
    "customers": {"id": "NEW-1"},
    "invoices": {**INVOICE, "id": "INV-9"},
    "payments": {
        "id": "PAY-9",
        "customer": "ACME-0001",
        "date": "2026-10-01",
        "amount": "10.00",
        "currency": "GBP",
    },
    "credit-notes": {
        "id": "CN-9",
        "customer": "ACME-0001",
        "date": "2026-10-01",
        "amount": "10.00",
        "currency": "GBP",
    },
    "disputes": {"id": "D-9", "invoice": "INV-1", "opened": "2026-09-10"},
}
SECTIONS = {"credit-notes": "credit_notes"}

ID_WORDS = (
    "is not an id: use letters, digits, '.', '_' or '-', starting with a letter or digit,"
    " at most 64 characters"
)
LANGUAGE_WORDS = (
    "is not an ISO 639-1 language code: write two lower-case letters without a region, e.g. en"
)
COUNTRY_WORDS = "is not an ISO 3166-1 alpha-2 country code: write two capital letters, e.g. GB"
DATE_WORDS = "is not a date written YYYY-MM-DD, e.g. 2026-11-23"
AMOUNT_WORDS = "is not a plain decimal amount (write it like 1234.56)"


@dataclass(frozen=True, slots=True)
class Case:
    """A value for one field of a record; ``code`` and ``words`` say how it is refused."""

    kind: str
    field: str
    value: str
    code: str | None = None  # None: the value is good
    words: str = ""

    @property
    def record(self) -> dict[str, str]:
        return {**RECORDS[self.kind], self.field: self.value}


CASES = {
    # ids: the API's rule and the ledger file's, now CSV's too
    "id": Case("customers", "id", "ACME-0002"),
    "id-dots-inside": Case("customers", "id", "acme.co.uk"),
    "id-path": Case("customers", "id", "../../etc/passwd", "L013", ID_WORDS),
    "id-slash": Case("customers", "id", "ACME/1", "L013", ID_WORDS),
    "id-space": Case("customers", "id", "ACME 1", "L013", ID_WORDS),
    "id-65-characters": Case("customers", "id", "A" * 65, "L013", ID_WORDS),
    "id-64-characters": Case("customers", "id", "A" * 64),
    "customer-ref-path": Case("invoices", "customer", "../x", "L013", ID_WORDS),
    "invoice-ref-space": Case("payments", "invoice", "INV 1", "L013", ID_WORDS),
    "segment": Case("customers", "segment", "strategic"),
    "segment-words": Case("customers", "segment", "key accounts", "L013", ID_WORDS),
    "terms": Case("invoices", "terms", "net30"),
    "terms-words": Case("invoices", "terms", "net 30", "L013", ID_WORDS),
    # codes
    "language": Case("customers", "language", "de"),
    "language-region": Case("customers", "language", "en-GB", "L007", LANGUAGE_WORDS),
    "language-three-letters": Case("customers", "language", "eng", "L007", LANGUAGE_WORDS),
    "language-capitals": Case("customers", "language", "EN", "L007", LANGUAGE_WORDS),
    "country": Case("customers", "country", "DE"),
    "country-three-letters": Case("customers", "country", "GBR", "L007", COUNTRY_WORDS),
    "currency": Case("invoices", "currency", "EUR"),
    "currency-unknown": Case(
        "invoices", "currency", "XYZ", "L007", "is not an ISO 4217 currency code such as GBP"
    ),
    # dates
    "date": Case("invoices", "issued", "2026-08-31"),
    "date-day-first": Case("invoices", "issued", "31/08/2026", "L005", DATE_WORDS),
    "date-without-dashes": Case("invoices", "issued", "20260831", "L005", DATE_WORDS),
    "date-iso-week": Case("invoices", "issued", "2026-W36-1", "L005", DATE_WORDS),
    "date-with-time": Case("payments", "date", "2026-10-01T00:00:00", "L005", DATE_WORDS),
    "date-30-february": Case(
        "payments",
        "date",
        "2026-02-30",
        "L005",
        "is not a real date: February 2026 has 28 days; write 2026-02-28 for its last day, or "
        "another real date",
    ),
    "date-day-and-month-swapped": Case(
        "invoices",
        "issued",
        "2026-31-08",
        "L005",
        "is not a real date: there is no month 31; dates are YYYY-MM-DD, month first: write "
        "2026-08-31 if that is the day meant",
    ),
    "due-before-issue": Case(
        "invoices", "due", "2026-08-01", "L012", "is before the invoice date 2026-09-01"
    ),
    "resolved-before-opened": Case(
        "disputes", "resolved", "2026-09-01", "L012", "is before the opening date 2026-09-10"
    ),
    # money
    "amount": Case("invoices", "amount", "1234.56"),
    "amount-exponent": Case("invoices", "amount", "1e3", "L006", AMOUNT_WORDS),
    "amount-symbol": Case("payments", "amount", "£10.00", "L006", AMOUNT_WORDS),
    "amount-too-many-decimals": Case(
        "invoices",
        "amount",
        "12.345",
        "L006",
        "has 3 decimals but GBP has 2 (amounts are taken exactly, never rounded)",
    ),
    "amount-negative-invoice": Case(
        "invoices",
        "amount",
        "-5.00",
        "L006",
        "must be more than zero (record a credit as a credit note)",
    ),
    "amount-zero-payment": Case("payments", "amount", "0.00", "L006", "must be more than zero"),
    "amount-13-digits": Case(
        "credit-notes",
        "amount",
        "1234567890123.00",
        "L006",
        "is too large for the ledger (up to 12 digits before the point)",
    ),
    "amount-12-digits": Case("credit-notes", "amount", "123456789012.00"),
    # the tax included in an invoice's amount (the base of a discount net of tax)
    "tax": Case("invoices", "tax", "16.67"),
    "tax-none": Case("invoices", "tax", "0.00"),
    "tax-the-whole-amount": Case("invoices", "tax", "100.00"),
    "tax-above-the-amount": Case(
        "invoices", "tax", "100.01", "L016", "is more than the amount 100.00 that includes it"
    ),
    "tax-negative": Case("invoices", "tax", "-1.00", "L006", "cannot be negative"),
    "tax-too-many-decimals": Case(
        "invoices",
        "tax",
        "16.667",
        "L006",
        "has 3 decimals but GBP has 2 (amounts are taken exactly, never rounded)",
    ),
    # free text
    "name": Case("customers", "name", "Müller & Söhne GmbH"),
    "name-201-characters": Case(
        "customers", "name", "N" * 201, "L014", "is longer than 200 characters"
    ),
    "name-nul": Case(
        "customers",
        "name",
        "Acme\x00Ltd",
        "L014",
        "holds a NUL character, which the ledger cannot store",
    ),
    "reason-2001-characters": Case(
        "disputes", "reason", "r" * 2001, "L014", "is longer than 2000 characters"
    ),
}


@dataclass(frozen=True, slots=True)
class Service:
    """A running app on a ledger holding ACME-0001 and its invoice INV-1, and an admin token."""

    client: TestClient
    engine: Engine
    headers: dict[str, str]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Return the app, started once for the whole table (SQLite: the rules need no backend)."""
    folder = tmp_path_factory.mktemp("rules")
    repo = folder / "policy-repo"
    repo.mkdir()
    for name in ("policies", "customers"):
        (repo / name).symlink_to(ROOT / name, target_is_directory=True)
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "Policy")
    url = f"sqlite:///{folder / 'ledger.db'}"
    engine = create_store_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        token = create_token(conn, "rules", Role.ADMIN).token
        assert import_rows(conn, "customers", [CUSTOMER], "setup").ok
        assert import_rows(conn, "invoices", [INVOICE], "setup").ok
    settings = ApiSettings(database_url=url, repo=repo, policy_ref="main", ref_check_seconds=0)
    with TestClient(create_app(settings)) as client:
        yield Service(client, engine, {"Authorization": f"Bearer {token}"})
    engine.dispose()


def _ledger_file(case: Case, folder: Path) -> list[tuple[str, str, str]]:
    """Return the problems (path, code, message) of a ledger file holding the case's record."""
    section = SECTIONS.get(case.kind, case.kind)
    data: dict[str, Any] = {"apiVersion": "dunning/v1", "kind": "Ledger"}
    if case.kind != "customers":  # what the record refers to
        data["customers"] = [CUSTOMER]
        if case.kind != "invoices":
            data["invoices"] = [INVOICE]
    data[section] = [case.record]
    path = folder / "ledger.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    _, problems = read_ledger_file(path)
    return [(p.path, p.code, p.message) for p in problems]


def _csv(case: Case, engine: Engine, folder: Path) -> list[tuple[str, str, str, str]]:
    """Return the problems (field, code, message, detail) of importing the record as CSV."""
    path = folder / f"{case.kind}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(case.record))
        writer.writeheader()
        writer.writerow(case.record)
    with engine.connect() as conn:
        result = import_csv(conn, case.kind, path)
        conn.commit()
    return [(p.field, p.code, p.message, p.detail) for p in result.problems]


def _api(case: Case, service: Service) -> tuple[int, list[dict[str, str]]]:
    """Return the status and the field errors of posting the record to the API."""
    response = service.client.post(
        f"/v1/ledger/{case.kind}", json={"rows": [case.record]}, headers=service.headers
    )
    return response.status_code, response.json().get("errors") or []


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_entry_point_gives_the_same_verdict_in_the_same_words(
    case: Case, service: Service, tmp_path: Path
) -> None:
    file_problems = _ledger_file(case, tmp_path)
    csv_problems = _csv(case, service.engine, tmp_path)
    status, api_errors = _api(case, service)
    if case.code is None:
        assert (file_problems, csv_problems, status, api_errors) == ([], [], 200, [])
        return
    section = SECTIONS.get(case.kind, case.kind)
    # The value as each place shows it: text quoted as written, a date or an amount as read
    # (the rules of a whole record, L012 and L016, see the values read).
    whole_record = case.code in ("L012", "L016")
    shown = (
        case.value
        if whole_record or case.words.startswith(("has", "must", "cannot"))
        else (repr(case.value))
    )
    where = f"{section}[0].{case.field}"
    assert file_problems == [(where, case.code, f"{where} {shown} {case.words}")]
    name = label(case.field)
    assert csv_problems == [
        (case.field, case.code, f"{name} {shown} {case.words}", f"{name} {case.words}")
    ]
    assert status == 422
    assert api_errors == [
        {
            "field": f"body.rows[0].{case.field}",
            "pointer": f"/rows/0/{case.field}",
            "code": case.code,
            "detail": f"{name} {case.words}",
        }
    ]
