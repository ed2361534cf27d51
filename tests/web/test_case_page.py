"""The case page: hand a customer off with the totals shown, download the case file, record the
agency's report, recall; a viewer reads but cannot hand off; many browsers at once make one case."""

from __future__ import annotations

import io
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from store.models import handoffs
from tests.api.conftest import Tokens
from tests.web.conftest import DATE, SignedIn, browsers, csrf_of

PAGE = "/customers/TEST-0001/case"


def test_a_collector_hands_off_sees_the_case_downloads_it_and_recalls_it(
    signed_in: SignedIn,
) -> None:
    client = signed_in("collector")
    page = client.get(PAGE, params=DATE)
    assert page.status_code == 200
    assert "The case file will claim" in page.text and "GBP" in page.text
    sent = client.post(
        PAGE,
        params=DATE,
        data={"csrf": csrf_of(page.text), "to": "agency", "note": "no answer"},
        follow_redirects=True,
    )
    assert sent.status_code == 200
    assert "Handed off." in sent.text and "Open case C20261123-" in sent.text
    assert "not chased internally" in sent.text
    case_id = sent.text.split("Open case ")[1].split("<")[0]
    archive = client.get(f"/cases/{case_id}/case.zip")
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert f"{case_id}/case.json" in names and f"{case_id}/statement.pdf" in names
    report = f"case,ref,date,kind,note\n{case_id},R1,2026-11-24,outcome,Letter sent by the agency\n"
    recorded = client.post(
        "/cases/results",
        params=DATE,
        follow_redirects=True,
        data={"csrf": csrf_of(sent.text), "customer": "TEST-0001"},
        files={"report": ("report.csv", report.encode(), "text/csv")},
    )
    assert "1 line(s) recorded" in recorded.text
    bad = client.post(
        "/cases/results",
        params=DATE,
        follow_redirects=True,
        data={"csrf": csrf_of(sent.text), "customer": "TEST-0001"},
        files={"report": ("report.csv", b"case,ref,date,kind\nX,1,someday,payment\n", "text/csv")},
    )
    assert "Nothing was imported" in bad.text and "someday" in bad.text
    customer = client.get("/customers/TEST-0001", params=DATE)
    assert "handed to the collection agency" in customer.text
    recalled = client.post(
        f"/cases/{case_id}/recall",
        params=DATE,
        follow_redirects=True,
        data={"csrf": csrf_of(sent.text), "customer": "TEST-0001", "note": "paid"},
    )
    assert "Recalled: chasing resumes." in recalled.text
    assert "Hand the debt off" in recalled.text


def test_a_viewer_reads_the_case_page_but_cannot_hand_off(signed_in: SignedIn) -> None:
    client = signed_in("viewer")
    page = client.get(PAGE, params=DATE)
    assert page.status_code == 200 and "The case file will claim" in page.text
    assert 'action="/customers/TEST-0001/case' not in page.text
    refused = client.post(PAGE, params=DATE, data={"csrf": csrf_of(page.text), "to": "agency"})
    assert refused.status_code == 403


def test_many_browsers_handing_off_at_once_open_one_case(
    client: TestClient, tokens: Tokens, ledger: None, engine: Engine
) -> None:
    count = 4
    opened = browsers(client, tokens.collector, count)
    forms = [each.get(PAGE, params=DATE).text for each in opened]
    barrier = threading.Barrier(count)

    def send(n: int) -> int:
        barrier.wait(timeout=60)
        answer = opened[n].post(
            PAGE,
            params=DATE,
            data={"csrf": csrf_of(forms[n]), "to": "legal"},
            follow_redirects=False,
        )
        return int(answer.status_code)

    with ThreadPoolExecutor(count) as pool:
        codes = list(pool.map(send, range(count)))
    assert codes == [303] * count
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(handoffs)).scalar_one() == 1
