"""The list for a past day is the same from a ledger file, the database and the API.

The IBM Watson Analytics sample "Accounts Receivable" data set holds 2,466 invoices of 100
customers from 2012-2013, every one of them settled since. Evaluated on 2013-06-30 the ledger
must be seen as it stood that day: an invoice settled in August was open in June. Xero's
receivables report works the same way ("As at: show payments as at a certain date", Xero Help,
"Accounts Receivable Invoices report", https://help.xero.com/us/Report_AgedreceivableInvoices).
The store once dropped every invoice ever paid in full, so `dunning actions --date 2013-06-30` on
the imported database said "Nothing to do today" while the API listed 48 actions.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dunning.cli import main
from store.imports import import_csv
from store.mapping import load_mapping
from tests.api.conftest import Tokens

ROOT = Path(__file__).resolve().parents[2]
# The IBM sample data, committed with its source and licence (tests/fixtures/ibm-ar/README.md).
IBM_AR = ROOT / "tests" / "fixtures" / "ibm-ar" / "WA_Fn-UseC_-Accounts-Receivable.csv"
DAY = date(2013, 6, 30)



def us_date(text: str) -> date:
    """Return the data set's US date (``1/26/2013``) as a date."""
    month, day, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def ibm_rows() -> list[dict[str, str]]:
    """Return the rows of the IBM sample."""
    with IBM_AR.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def ibm_ledger_file(path: Path) -> Path:
    """Write the IBM sample as a ledger file, read as the shipped ``ibm-ar`` mapping reads it."""
    rows = ibm_rows()
    ledger: dict[str, Any] = {
        "apiVersion": "dunning/v1",
        "kind": "Ledger",
        "customers": [
            {"id": cid, "name": cid} for cid in sorted({row["customerID"] for row in rows})
        ],
        "invoices": [
            {
                "id": row["invoiceNumber"],
                "customer": row["customerID"],
                "issued": us_date(row["InvoiceDate"]).isoformat(),
                "due": us_date(row["DueDate"]).isoformat(),
                "amount": row["InvoiceAmount"],
                "currency": "USD",
            }
            for row in rows
        ],
        "payments": [
            {
                "id": f"PAY-{row['invoiceNumber']}",
                "customer": row["customerID"],
                "date": us_date(row["SettledDate"]).isoformat(),
                "amount": row["InvoiceAmount"],
                "currency": "USD",
                "invoice": row["invoiceNumber"],
            }
            for row in rows
        ],
        "disputes": [
            {
                "id": f"D-{row['invoiceNumber']}",
                "invoice": row["invoiceNumber"],
                "opened": us_date(row["InvoiceDate"]).isoformat(),
                "resolved": us_date(row["SettledDate"]).isoformat(),
                "reason": "Disputed (IBM sample data)",
            }
            for row in rows
            if row["Disputed"] == "Yes"
        ],
    }
    path.write_text(json.dumps(ledger), encoding="utf-8")
    return path


def import_ibm(engine: Engine) -> None:
    """Import the sample with the shipped mapping, as the mapping's own comment says."""
    mapping = load_mapping("ibm-ar")
    with engine.connect() as conn:
        for kind in ("customers", "invoices", "payments", "disputes"):
            result = import_csv(conn, kind, IBM_AR, mapping=mapping)
            assert not result.problems, result.problems
        conn.commit()


def cli_list(ledger: str, day: date) -> dict[str, Any]:
    """Return `dunning actions --date DAY --format json` on ``ledger``."""
    args = ["actions", "--policy", str(ROOT), "--ledger", ledger, "--date", day.isoformat(),
            "--format", "json", "--no-messages"]  # fmt: skip
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    listed: dict[str, Any] = json.loads(result.stdout)
    return listed


def api_list(client: TestClient, tokens: Tokens, day: date) -> list[dict[str, Any]]:
    """Return every action of the API's list for ``day``, page after page."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"date": day.isoformat(), "limit": 100}
    while True:
        response = client.get("/v1/actions", params=params, headers=tokens.headers("viewer"))
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items
        params = {**params, "cursor": cursor}


def api_held_back(client: TestClient, tokens: Tokens, customer: str, day: date) -> list[Any]:
    """Return what the API's customer view says is held back for ``customer`` on ``day``."""
    response = client.get(
        f"/v1/customers/{customer}", params={"date": day.isoformat()},
        headers=tokens.headers("viewer"),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    held: list[Any] = response.json()["suppressions"]
    return held


def listed(actions: list[dict[str, Any]]) -> list[tuple[str, str, tuple[str, ...], str]]:
    """Return what an action list says to do: customer, step, invoices and their total."""
    return sorted(
        (
            a["customer"]["id"],
            a["step"],
            tuple(i["id"] for i in a["invoices"]),
            json.dumps(a["totals"], sort_keys=True),
        )
        for a in actions
    )


def first_reminder_reached(due: date, day: date) -> bool:
    """Return whether the first reminder (one business day after the due date) is on or before
    ``day``; Monday to Friday are business days (no English holiday falls in these weeks)."""
    reminder = due + timedelta(days=1)
    while reminder.weekday() >= 5:
        reminder += timedelta(days=1)
    return reminder <= day


def overdue_undisputed_customers(day: date) -> set[str]:
    """Return the customers with an invoice past its first reminder and not under dispute on
    ``day``, straight from the CSV (a reference reading, not the engine's)."""
    return {
        row["customerID"]
        for row in ibm_rows()
        if us_date(row["InvoiceDate"]) <= day < us_date(row["SettledDate"])
        and first_reminder_reached(us_date(row["DueDate"]), day)
        and row["Disputed"] != "Yes"
    }


BEFORE_DUE = {"delivery-check", "discount-nudge", "courtesy"}


def test_the_ibm_sample_gives_one_list_for_a_past_day_from_file_database_and_api(
    tmp_path: Path, db_url: str, engine: Engine, client: TestClient, tokens: Tokens
) -> None:
    import_ibm(engine)
    file = str(ibm_ledger_file(tmp_path / "ibm.json"))
    from_file = cli_list(file, DAY)
    from_database = cli_list(db_url, DAY)

    # 2013-06-30 is a Sunday: every contact waits for Monday, each held back and named.
    assert from_file["held_back"], "the file ledger holds nothing back on 2013-06-30"
    assert from_database["actions"] == from_file["actions"] == []
    assert from_database["held_back"] == from_file["held_back"]
    assert from_database["totals"] == {**from_file["totals"], "invoices_evaluated": ANY_COUNT}
    assert api_list(client, tokens, DAY) == []
    for customer in sorted({h["customer"]["id"] for h in from_file["held_back"]}):
        mine = [h for h in from_file["held_back"] if h["customer"]["id"] == customer]
        assert api_held_back(client, tokens, customer, DAY) == mine, customer
    # Exactly the overdue, undisputed customers are chased.
    chased = {
        h["customer"]["id"]
        for h in from_file["held_back"]
        if h["code"] == "closed_day" and h["step"] not in BEFORE_DUE
    }
    assert chased == overdue_undisputed_customers(DAY)

    # The Monday after: the same contacts go out, from all three sources alike.
    monday = DAY + timedelta(days=1)
    on_monday = cli_list(file, monday)["actions"]
    assert listed(cli_list(db_url, monday)["actions"]) == listed(on_monday)
    assert listed(api_list(client, tokens, monday)) == listed(on_monday)
    assert {
        a["customer"]["id"] for a in on_monday if a["step"] not in BEFORE_DUE
    } == overdue_undisputed_customers(monday)


class _AnyCount:
    """Equal to any count: a database reads only the invoices open on the day, a file all."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, int)

    def __hash__(self) -> int:
        return 0


ANY_COUNT = _AnyCount()
