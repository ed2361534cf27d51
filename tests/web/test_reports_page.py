"""The reports page: aging with its chart, DSO, CEI, the overdue trend, what works, CSV exports.

The ledger of tests/api/ledger_data.py on 23 Nov 2026 (GBP 8,400.00 open, all overdue; DSO
168.00 days), with the day's snapshot written as the daily job does.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from engine.load.policy_loader import load_policy
from store.snapshots import write_daily_snapshot
from tests.api.conftest import ROOT
from tests.api.ledger_data import DAY, seed_week_of_work
from tests.web.conftest import SignedIn


def test_the_reports_page_shows_every_report_with_its_definition(
    signed_in: SignedIn, engine: Engine
) -> None:
    policy = load_policy([ROOT]).policy
    assert policy is not None
    write_daily_snapshot(engine, policy, DAY)
    client = signed_in("viewer")
    page = client.get("/reports", params={"date": DAY.isoformat()})
    assert page.status_code == 200
    text = page.text
    assert "<h1>Reports: " in text
    assert "Aged by days past the due date (Credit Research Foundation)" in text
    assert "GBP 8,400.00" in text
    assert '<td class="num">168.00</td>' in text  # the DSO
    assert "Kestrel Hotels Group plc" in text  # the largest overdue customer
    assert re.search(r'<polyline points="[0-9, ]+" class="line-overdue">', text)
    assert 'aria-current="page">Reports</a>' in text
    csv = client.get("/reports/aging.csv", params={"date": DAY.isoformat()})
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1].startswith("(all),4 customers,GBP,")
    assert client.get("/reports/nothing.csv").status_code == 422


def test_the_reports_page_needs_a_session(client: TestClient) -> None:
    response = client.get("/reports", params={"date": DAY.isoformat()}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Freports%3Fdate%3D2026-11-23"


def test_the_reports_page_shows_collectors_exposure_and_the_step_chart(
    signed_in: SignedIn, engine: Engine
) -> None:
    """The week of work of tests/api/ledger_data.py: Ann's call and broken promise, the sender's
    reminder that 200.00 followed; Hollins and Kestrel against their credit limits."""
    seed_week_of_work(engine)
    client = signed_in("viewer")
    text = client.get("/reports", params={"date": DAY.isoformat()}).text
    assert '<h2 id="collectors">Collector activity, 2026-11-01 to 2026-11-23</h2>' in text
    assert re.search(r'<th scope="row">ann</th><td class="num">1</td>', text)
    assert '<h2 id="exposure">Credit exposure</h2>' in text
    assert "GBP 246,000.00" in text  # Kestrel's headroom
    assert "No credit limit is due for review." in text
    # The step chart: the reminder of 10 Nov reached INV-2001, paid in part only.
    assert re.search(r"<title id=\"effect-title\">Share of invoices paid within 14 days", text)
    assert "standard/first-reminder @ current" in text
    for name in ("collectors", "exposure"):
        csv = client.get(f"/reports/{name}.csv", params={"date": DAY.isoformat()})
        assert csv.status_code == 200, name
