"""A customer's page: balances, aging chart, timeline with who and note, effective policy."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from api.settings import ApiSettings
from store.models import customer_notes
from store.outcomes import record_outcome
from tests.api.conftest import Tokens
from tests.web.conftest import DATE, SignedIn, csrf_of, sign_in
from tests.web.conftest import browsers as signed_in_browsers


def note_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(customer_notes)).scalar_one())


def add_note(client: TestClient, customer: str, text: str) -> tuple[str, str]:
    page = client.get(f"/customers/{customer}", params=DATE).text
    key = re.search(r'name="key" value="([^"]+)"', page)
    assert key is not None
    return csrf_of(page), key.group(1)


def test_the_customer_page_shows_money_aging_and_policy(signed_in: SignedIn) -> None:
    page = signed_in("viewer").get("/customers/TEST-0001", params=DATE)
    assert page.status_code == 200
    html = page.text
    assert "<h1>Test One Ltd" in html
    assert "Exposure (open balance)" in html and "GBP 1,400.00" in html
    assert '<svg role="img"' in html and "1–30 GBP 1,400.00" in html
    assert "INV-1001" in html and "INV-1002" in html
    assert "Effective policy" in html
    assert "<code>policies/policy.yaml:" in html  # the default ladder's line
    assert "Add a note" not in html  # a viewer reads


def test_a_note_appears_on_the_timeline_with_who_wrote_it(
    signed_in: SignedIn, engine: Engine
) -> None:
    client = signed_in("collector")
    csrf, key = add_note(client, "TEST-0001", "")
    data = {"csrf": csrf, "key": key, "text": "AP moved to Leeds; ask for Priya"}
    first = client.post("/customers/TEST-0001/notes", params=DATE, data=data,
                        follow_redirects=False)
    again = client.post("/customers/TEST-0001/notes", params=DATE, data=data,
                        follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == "/customers/TEST-0001?date=2026-11-23#timeline"
    assert note_count(engine) == 1  # the same form sent twice is one note
    timeline = client.get(first.headers["location"]).text
    entry = timeline[timeline.index('<ol class="timeline">'):]
    assert "AP moved to Leeds; ask for Priya" in entry
    assert "by test-collector" in entry


def test_an_empty_note_is_refused_and_a_forged_one_too(
    signed_in: SignedIn, engine: Engine
) -> None:
    client = signed_in("collector")
    csrf, key = add_note(client, "TEST-0001", "")
    empty = client.post("/customers/TEST-0001/notes", params=DATE,
                        data={"csrf": csrf, "key": key, "text": "  "})
    assert "Write the note first." in empty.text
    forged = client.post("/customers/TEST-0001/notes", params=DATE,
                         data={"key": key, "text": "hello"}, follow_redirects=False)
    assert forged.status_code == 403
    assert note_count(engine) == 0


def test_an_unknown_customer_is_a_page_not_a_trace(signed_in: SignedIn) -> None:
    page = signed_in("viewer").get("/customers/NOBODY", params=DATE)
    assert page.status_code == 404
    assert "customer NOBODY is not in the ledger" in page.text


def test_settings_link_to_the_policy_repository_when_configured(
    settings: ApiSettings, tokens: Tokens, ledger: None
) -> None:
    linked = replace(settings, policy_url="https://git.example/policy/blob/{commit}/{file}#L{line}")
    with TestClient(create_app(linked)) as client:
        sign_in(client, tokens.viewer)
        html = client.get("/customers/KEST-0003", params=DATE).text
    link = re.search(
        r'<a href="https://git.example/policy/blob/([0-9a-f]{40})/customers/KEST-0003.yaml#L(\d+)">'
        r"customers/KEST-0003.yaml:\2</a>",
        html,
    )
    assert link is not None, "the customer file's settings link to their line"


def test_many_browsers_adding_notes_at_once(
    client: TestClient, tokens: Tokens, ledger: None, engine: Engine
) -> None:
    browsers = 6
    clients = signed_in_browsers(client, tokens.collector, browsers)
    forms = [add_note(each, "TEST-0002", "") for each in clients]
    barrier = threading.Barrier(browsers)

    def send(n: int) -> int:
        barrier.wait(timeout=30)
        csrf = forms[n][0]
        # Pairs of browsers send the same form (a double click): one note per pair.
        response = clients[n].post(
            "/customers/TEST-0002/notes", params=DATE,
            data={"csrf": csrf, "key": forms[n - n % 2][1], "text": f"note {n // 2}"},
            follow_redirects=False,
        )
        return int(response.status_code)

    with ThreadPoolExecutor(browsers) as pool:
        codes = list(pool.map(send, range(browsers)))
    assert codes == [303] * browsers
    assert note_count(engine) == browsers // 2


def test_charges_owed_are_listed_and_a_collector_waives_them(
    signed_in: SignedIn, engine: Engine
) -> None:
    """Rule "charges owed" (docs/rules/charges.md): the page lists the fee with its invoice and
    the total owed, from the engine, and a collector waives it with a reason."""
    with engine.begin() as conn:
        record_outcome(
            conn, action_id="A-FEE", customer_id="TEST-0001", step="second-reminder",
            invoice_ids=["INV-1001"], date=date(2026, 11, 16), status="done",
            fee=Decimal("15.00"), currency="GBP",
        )  # fmt: skip
    viewer = signed_in("viewer").get("/customers/TEST-0001", params=DATE).text
    assert "second-reminder: fee GBP 15.00 on INV-1001, owed GBP 15.00" in viewer
    assert "Charges owed: GBP 15.00" in viewer
    assert "Waive the charges" not in viewer  # a viewer reads
    client = signed_in("collector")
    page = client.get("/customers/TEST-0001", params=DATE).text
    assert "Waive the charges of second-reminder" in page
    refused = client.post(
        "/customers/TEST-0001/waivers", params=DATE,
        data={"csrf": csrf_of(page), "action_id": "A-FEE", "reason": " "},
        follow_redirects=False,
    )  # fmt: skip
    assert "waiver_error" in refused.headers["location"]
    sent = client.post(
        "/customers/TEST-0001/waivers", params=DATE,
        data={"csrf": csrf_of(page), "action_id": "A-FEE", "reason": "Goodwill"},
        follow_redirects=False,
    )  # fmt: skip
    assert sent.headers["location"] == "/customers/TEST-0001?date=2026-11-23#charges"
    after = client.get(sent.headers["location"]).text
    assert "fee GBP 15.00 on INV-1001 — waived" in after
    assert "Charges owed:" not in after
