"""The payment portal: the link opens one customer's account; answers land in the ledger.

The ledger is the API tests' (``tests.api.ledger_data``) on DAY; the portal's clock is set to
noon of DAY, so "today" on the portal is DAY.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, Table, func, select

from api.app import create_app
from api.portal_limits import PortalGuard, PortalLimits
from api.portal_page import PortalState
from api.settings import ApiSettings
from store.models import disputes, portal_answers, promises
from store.portal_links import PortalLinks, PortalSettings, revoke_links
from store.timeline import read_timeline
from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed
from tests.web.conftest import csrf_of, sign_in

KEY = "portal-test-key-" + "k" * 40
NOON = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC).timestamp()
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_KEY = re.compile(r'name="key" value="([^"]+)-[a-z]+"')


def portal_client(
    settings: ApiSettings, *, at: float = NOON, limits: PortalLimits | None = None
) -> TestClient:
    portal = PortalSettings("https://pay.example", (KEY,), 60)
    app = create_app(replace(settings, portal=portal))
    links = PortalLinks(portal, clock=lambda: at)
    app.state.portal = PortalState(links, PortalGuard(limits or PortalLimits()), links.clock)
    return TestClient(app)


@pytest.fixture
def portal(settings: ApiSettings, engine: Engine) -> Iterator[TestClient]:
    seed(engine)
    with portal_client(settings) as started:
        yield started


def path_of(client: TestClient, customer_id: str, action_id: str = "act_test") -> str:
    state: PortalState = client.app.state.portal  # type: ignore[attr-defined]
    assert state.links is not None
    return f"/pay/{state.links.token(customer_id, action_id)}"


def form_of(html: str, kind: str, **fields: str) -> dict[str, str]:
    csrf = _CSRF.search(html)
    key = _KEY.search(html)
    assert csrf and key, "the page has no answer form"
    return {"csrf": csrf.group(1), "key": f"{key.group(1)}-{kind}", "kind": kind, **fields}


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_link_shows_the_customers_open_invoices_totals_and_how_to_pay(
    portal: TestClient,
) -> None:
    page = portal.get(path_of(portal, "TEST-0001"))
    assert page.status_code == 200
    html = page.text
    assert "Your account with Northwind Supplies Ltd" in html
    assert "INV-1001" in html and "INV-1002" in html
    assert "INV-2001" not in html and "Test Two" not in html
    assert "£1,400.00" in html  # the total due, written the customer's way
    assert "23 November 2026" in html
    # The bank details and reference of the payment file, with a copy button.
    assert "20-20-15" in html and "73611837" in html
    assert re.search(r'<code id="ref-GBP" data-value="RF\d\dTEST0001INV1001">RF', html)
    assert 'data-copy="ref-GBP"' in html
    assert "https://pay.northwind.example/invoice/INV-1001?amount=1400.00" in html
    assert page.headers["x-robots-tag"].startswith("noindex")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


def test_robots_are_told_to_keep_out(portal: TestClient) -> None:
    assert "Disallow: /pay/" in portal.get("/robots.txt").text


def test_a_customer_in_german_gets_the_page_in_german(portal: TestClient, engine: Engine) -> None:
    from sqlalchemy import update

    from store.models import customers

    with engine.begin() as conn:
        conn.execute(update(customers).where(customers.c.id == "TEST-0002").values(language="de"))
    html = portal.get(path_of(portal, "TEST-0002")).text
    assert '<html lang="de">' in html
    assert "Offene Rechnungen" in html
    assert "500,00\xa0£" in html
    assert "23. November 2026" in html


@pytest.mark.parametrize(
    ("change", "status", "said"),
    [
        (lambda p: p[:-3] + ("xyz" if not p.endswith("xyz") else "abc"), 403, "incomplete"),
        (lambda p: "/pay/" + "A" * 600, 403, "incomplete"),
        (lambda p: "/pay/nonsense", 403, "incomplete"),
    ],
    ids=["tampered", "too-long", "nonsense"],
)
def test_a_broken_link_gets_a_polite_page(
    portal: TestClient, change: object, status: int, said: str
) -> None:
    assert callable(change)
    page = portal.get(change(path_of(portal, "TEST-0001")))
    assert page.status_code == status
    assert "This link no longer opens your account" in page.text
    assert said in page.text
    assert "accounts@northwind.example" in page.text  # how to get a new one
    assert "INV-1001" not in page.text and "Test One" not in page.text
    assert "Traceback" not in page.text


def test_an_expired_link_gets_the_polite_page(settings: ApiSettings, engine: Engine) -> None:
    seed(engine)
    with portal_client(settings, at=NOON - 61 * 86400) as old:
        path = path_of(old, "TEST-0001")
    with portal_client(settings) as now:
        page = now.get(path)
    assert page.status_code == 410
    assert "expired" in page.text and "INV-1001" not in page.text


def test_a_revoked_link_gets_the_polite_page(portal: TestClient, engine: Engine) -> None:
    path = path_of(portal, "TEST-0001")
    assert portal.get(path).status_code == 200
    with engine.connect() as conn:
        revoke_links(conn, "TEST-0001", who="ann", now=datetime.fromtimestamp(NOON + 1, UTC))
    page = portal.get(path)
    assert page.status_code == 410
    assert "withdrawn" in page.text and "INV-1001" not in page.text


def test_without_portal_settings_every_link_gets_the_polite_page(
    client: TestClient, engine: Engine
) -> None:
    seed(engine)
    page = client.get("/pay/" + "x" * 40)
    assert page.status_code == 403
    assert "This link no longer opens your account" in page.text


def test_nothing_of_another_customer_is_reachable_from_a_link(portal: TestClient) -> None:
    path = path_of(portal, "TEST-0001")
    # Another customer's invoice under this link: not found, and nothing of it shown.
    other = portal.get(f"{path}/invoices/INV-2001.pdf")
    assert other.status_code == 404
    assert "INV-2001" not in other.text
    mine = portal.get(f"{path}/invoices/INV-1001.pdf")
    assert mine.status_code == 200
    # Disputing another customer's invoice through this link is refused; nothing recorded.
    page = portal.get(path).text
    refused = portal.post(f"{path}/answer", data=form_of(page, "dispute", invoice="INV-2001",
                                                          reason="wrong_amount"))  # fmt: skip
    assert refused.status_code == 422
    assert "choose one of the open invoices" in refused.text


def test_the_pdfs_hold_the_customers_invoices(portal: TestClient) -> None:
    path = path_of(portal, "TEST-0001")
    statement = portal.get(f"{path}/statement.pdf")
    assert statement.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(statement.content)).pages)
    assert "Statement of account" in text
    assert "INV-1001" in text and "INV-1002" in text and "INV-2001" not in text
    assert "£1,400.00" in text
    invoice = portal.get(f"{path}/invoices/INV-1002.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(invoice.content)).pages)
    assert "Invoice INV-1002" in text and "INV-1001" not in text


def test_a_promise_is_recorded_as_the_customers_and_holds_the_chasing(
    portal: TestClient, engine: Engine
) -> None:
    path = path_of(portal, "TEST-0001", "act_first")
    page = portal.get(path).text
    pay_on = (DAY + timedelta(days=10)).isoformat()
    sent = portal.post(f"{path}/answer", data=form_of(page, "promise", currency="GBP",
                                                       amount="1400.00", pay_on=pay_on),
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303
    thanks = portal.get(sent.headers["location"])
    assert "you will pay £1,400.00 by 3 December 2026" in thanks.text
    with engine.connect() as conn:
        row = conn.execute(select(promises.c.pay_by, promises.c.amount)).one()
        timeline = read_timeline(conn, "TEST-0001", DAY)
    assert row.pay_by == date.fromisoformat(pay_on) and row.amount == Decimal("1400.00")
    answer = next(e for e in timeline.entries if e.kind == "portal_answer")
    assert (answer.title, answer.who) == ("Customer promises to pay", "customer (payment portal)")
    visit = next(e for e in timeline.entries if e.kind == "portal_visit")
    assert "act_first" in visit.detail


def test_i_have_paid_holds_the_invoices_for_the_policys_days(
    portal: TestClient, engine: Engine
) -> None:
    path = path_of(portal, "TEST-0001")
    page = portal.get(path).text
    sent = portal.post(f"{path}/answer", data=form_of(page, "paid", currency="GBP",
                                                       amount="1400.00", paid_on="2026-11-20",
                                                       reference="BACS 991"),
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303
    with engine.connect() as conn:
        row = conn.execute(select(promises.c.made, promises.c.pay_by)).one()
        answer = conn.execute(select(portal_answers.c.reference, portal_answers.c.kind)).one()
    # policies/payment.yaml: paid_hold_days 5, counted from the answer.
    assert (row.made, row.pay_by) == (date(2026, 11, 20), DAY + timedelta(days=5))
    assert tuple(answer) == ("BACS 991", "paid")


def test_a_dispute_opens_on_the_invoice(portal: TestClient, engine: Engine) -> None:
    path = path_of(portal, "TEST-0001")
    page = portal.get(path).text
    sent = portal.post(f"{path}/answer", data=form_of(page, "dispute", invoice="INV-1002",
                                                       reason="wrong_amount",
                                                       text="Priced at list, not contract"),
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303
    with engine.connect() as conn:
        found = conn.execute(select(disputes.c.invoice_id, disputes.c.reason)).one()
    assert found.invoice_id == "INV-1002"
    assert "wrong_amount: Priced at list, not contract" in found.reason
    assert "under dispute" in portal.get(path).text


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"kind": "promise", "currency": "GBP", "amount": "1500.00", "pay_on": "2027-02-01"},
         "choose a date from 23 November 2026 to 23 December 2026"),
        ({"kind": "promise", "currency": "GBP", "amount": "10.00", "pay_on": "2026-11-30"},
         "at least £50.00"),
        ({"kind": "promise", "currency": "GBP", "amount": "9000.00", "pay_on": "2026-11-30"},
         "more than the £1,400.00 due"),
        ({"kind": "promise", "currency": "GBP", "amount": "10.001", "pay_on": "2026-11-30"},
         "write the amount as a number"),
        ({"kind": "promise", "currency": "EUR", "amount": "100.00", "pay_on": "2026-11-30"},
         "nothing is due in EUR"),
        ({"kind": "paid", "currency": "GBP", "amount": "100.00", "paid_on": "2026-12-01"},
         "the payment date must be from"),
        ({"kind": "paid", "currency": "GBP", "amount": "100.00", "paid_on": "9999-99-99"},
         "give the date as a day"),
        ({"kind": "dispute", "invoice": "INV-1001", "reason": "because"}, "choose what is wrong"),
        ({"kind": "request", "request": "contact", "text": " "}, "write your new contact details"),
    ],
    ids=["promise-too-late", "below-minimum", "more-than-due", "three-decimals", "currency",
         "paid-in-future", "not-a-date", "unknown-reason", "empty-contact"],
)  # fmt: skip
def test_an_answer_out_of_bounds_is_refused_and_records_nothing(
    portal: TestClient, engine: Engine, fields: dict[str, str], said: str
) -> None:
    path = path_of(portal, "TEST-0001")
    page = portal.get(path).text
    refused = portal.post(f"{path}/answer", data=form_of(page, **fields))
    assert refused.status_code == 422
    assert said in refused.text
    assert count(engine, portal_answers) == 0
    assert count(engine, promises) == count(engine, disputes) == 0


def test_a_form_without_the_pages_key_records_nothing(portal: TestClient, engine: Engine) -> None:
    path = path_of(portal, "TEST-0001")
    page = portal.get(path).text
    fields = form_of(page, "request", request="copy")
    fields["csrf"] = "forged"
    refused = portal.post(f"{path}/answer", data=fields)
    assert refused.status_code == 403
    fresh = TestClient(portal.app)  # no cookie: a form posted from another site
    posted = fresh.post(f"{path}/answer", data=form_of(page, "request", request="copy"))
    assert posted.status_code == 403
    assert count(engine, portal_answers) == 0


def test_a_form_sent_twice_is_one_answer(portal: TestClient, engine: Engine) -> None:
    path = path_of(portal, "TEST-0001")
    fields = form_of(portal.get(path).text, "promise", currency="GBP", amount="600.00",
                     pay_on="2026-11-30")  # fmt: skip
    for _ in range(2):
        assert portal.post(f"{path}/answer", data=fields, follow_redirects=False).status_code == 303
    assert (count(engine, portal_answers), count(engine, promises)) == (1, 1)


def test_answers_at_once_get_no_error_and_lose_or_double_nothing(
    portal: TestClient, engine: Engine
) -> None:
    """Eight browsers of the customer answer at once: four forms, each sent twice."""
    path = path_of(portal, "TEST-0001")
    page = portal.get(path).text
    kinds = [
        form_of(page, "promise", currency="GBP", amount="700.00", pay_on="2026-12-01"),
        form_of(page, "dispute", invoice="INV-1002", reason="other"),
        form_of(page, "request", request="copy"),
        form_of(page, "request", request="contact", text="ap2@one.example"),
    ]
    for n, fields in enumerate(kinds):
        fields["key"] = f"N-concurrent-{n}"
    barrier = threading.Barrier(8)

    def send(n: int) -> int:
        barrier.wait(timeout=30)
        sent = portal.post(f"{path}/answer", data=kinds[n // 2], follow_redirects=False)
        status: int = sent.status_code
        return status

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(send, range(8)))
    assert codes == [303] * 8
    assert count(engine, portal_answers) == 4
    assert (count(engine, promises), count(engine, disputes)) == (1, 1)


def test_too_many_requests_from_one_link_are_turned_away(
    settings: ApiSettings, engine: Engine
) -> None:
    seed(engine)
    limits = PortalLimits(reads_per_link="3/minute")
    with portal_client(settings, limits=limits) as client:
        path = path_of(client, "TEST-0001")
        codes = [client.get(path).status_code for _ in range(4)]
        other = client.get(path_of(client, "TEST-0002")).status_code
    assert codes == [200, 200, 200, 429]
    assert other == 200


def test_the_staff_customer_page_shows_portal_answers(
    portal: TestClient, engine: Engine, tokens: object
) -> None:
    path = path_of(portal, "TEST-0001")
    page = portal.get(path).text
    portal.post(f"{path}/answer", data=form_of(page, "request", request="copy"))
    with engine.connect() as conn:
        entries = read_timeline(conn, "TEST-0001", DAY).entries
    titles = [e.title for e in entries]
    assert "Customer asks for a copy of invoices" in titles
    assert "Customer opened the payment portal" in titles


def test_staff_see_the_requests_that_wait_and_mark_one_handled(
    portal: TestClient, engine: Engine, tokens: Tokens
) -> None:
    path = path_of(portal, "TEST-0001")
    page = portal.get(path).text
    portal.post(f"{path}/answer", data=form_of(page, "request", request="copy"))
    dispute = form_of(page, "dispute", invoice="INV-1001", reason="not_received",
                      text="No delivery")  # fmt: skip
    portal.post(f"{path}/answer", data=dispute)
    portal.post(f"{path}/answer", data=form_of(page, "promise", currency="GBP", amount="900.00",
                                               pay_on="2026-11-30"))  # fmt: skip
    staff = TestClient(portal.app)
    sign_in(staff, tokens.collector, "/portal/requests")
    listed = staff.get("/portal/requests")
    assert "Customer asks for a copy of invoices" in listed.text
    assert "INV-1001: not received. No delivery" in listed.text
    assert "Customer promises to pay" not in listed.text  # the list holds it back by itself
    with engine.connect() as conn:
        copy_id = conn.execute(
            select(portal_answers.c.id).where(portal_answers.c.kind == "copy")
        ).scalar_one()
    done = staff.post(f"/portal/requests/TEST-0001/{copy_id}/handled",
                      data={"csrf": csrf_of(listed.text)}, follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert "Customer asks for a copy" not in staff.get("/portal/requests").text
    again = staff.post(f"/portal/requests/TEST-0001/{copy_id}/handled",
                       data={"csrf": csrf_of(listed.text)})  # fmt: skip
    assert again.status_code == 404
    with engine.connect() as conn:
        entry = next(e for e in read_timeline(conn, "TEST-0001", DAY).entries
                     if e.title == "Customer asks for a copy of invoices")  # fmt: skip
    assert "handled by test-collector" in entry.detail


def test_a_viewer_cannot_mark_a_request_handled(
    portal: TestClient, engine: Engine, tokens: Tokens
) -> None:
    path = path_of(portal, "TEST-0001")
    portal.post(f"{path}/answer", data=form_of(portal.get(path).text, "request", request="copy"))
    staff = TestClient(portal.app)
    sign_in(staff, tokens.viewer, "/portal/requests")
    listed = staff.get("/portal/requests")
    assert "Mark handled" not in listed.text
    with engine.connect() as conn:
        copy_id = conn.execute(select(portal_answers.c.id)).scalar_one()
    refused = staff.post(f"/portal/requests/TEST-0001/{copy_id}/handled",
                         data={"csrf": csrf_of(listed.text)})  # fmt: skip
    assert refused.status_code == 403
