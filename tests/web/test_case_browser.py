"""Escalation cases in a real browser (Debian's Chromium, driven by Playwright) on the demo
ledger: from a customer's page to the case page, hand off to the agency, see the customer held
back, record an agency report, recall the case; the credit manager decides an escalation on the
Decisions page and the approver approves the write-off it proposed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from store.connection import create_store_engine
from store.tokens import Role, create_token
from tests.git_repo import policy_repository
from tests.web.live import ChromiumMissingError, demo_ledger, launch_chromium, serve

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

DAY = date(2026, 11, 23)
CUSTOMER = "C-00041"
# A write that builds a case file or evaluates a list waits this long on a machine under load.
SLOW_MS = 120_000


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, dict[str, str], Browser]]:
    """Serve the demo ledger of DAY on a loopback port and start Chromium."""
    where = tmp_path_factory.mktemp("cases")
    url = f"sqlite:///{where / 'demo.db'}"
    tokens = demo_ledger(url, DAY)
    engine = create_store_engine(url)
    with engine.begin() as conn:  # the credit manager and the approver of the shipped policy
        tokens |= {
            name: create_token(conn, name, Role.COLLECTOR).token for name in ("fiona", "mark")
        }
    engine.dispose()
    repo = policy_repository(where / "policy")
    with serve(url, repo) as base, sync_playwright() as playwright:
        try:
            browser = launch_chromium(playwright)
        except ChromiumMissingError as missing:
            pytest.fail(str(missing), pytrace=False)
        try:
            yield base, tokens, browser
        finally:
            browser.close()


def test_hand_off_record_a_report_and_recall_in_the_browser(
    served: tuple[str, dict[str, str], Browser], tmp_path: Path
) -> None:
    base, tokens, browser = served
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(SLOW_MS)  # a hand-off renders a PDF: slow on a busy machine
    page.goto(f"{base}/customers/{CUSTOMER}?date={DAY}")
    page.get_by_label("API token").fill(tokens["collector"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=re.compile("^Escalation case")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Escalation case")
    claim = page.locator("table tbody tr").first.locator("td").last.inner_text()
    form = page.get_by_role("form", name="Hand off")
    form.get_by_label("the collection agency").check()
    form.get_by_label("Note (kept with the case)").fill("No answer to the final notice")
    form.get_by_role("button", name="Hand off").click()
    expect(page.get_by_role("status")).to_have_text("Handed off.", timeout=SLOW_MS)
    expect(page.locator(".claim").first).to_have_text(claim)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the case file").click()
    saved = tmp_path / "case.zip"
    download.value.save_as(saved)
    assert saved.stat().st_size > 1000

    case_id = page.get_by_role("heading", name=re.compile("^Open case")).inner_text().split()[-1]
    report = tmp_path / "report.csv"
    report.write_text(
        f"case,ref,date,kind,note\n{case_id},R1,{DAY},outcome,Debtor called back\n",
        encoding="utf-8",
    )
    results = page.get_by_role("form", name="Record the agency's report")
    results.get_by_label(re.compile("^CSV file")).set_input_files(str(report))
    results.get_by_role("button", name="Record the report").click()
    expect(page.get_by_role("status")).to_contain_text("1 line(s) recorded")

    page.goto(f"{base}/customers/{CUSTOMER}?date={DAY}")
    expect(page.get_by_text(re.compile("handed to the collection agency on"))).not_to_have_count(0)
    expect(page.locator("ol.timeline")).to_contain_text(
        f"Case {case_id} handed to the collection agency"
    )

    page.get_by_role("link", name=re.compile("^Escalation case")).click()
    recall = page.get_by_role("form", name="Recall the case")
    recall.get_by_label(re.compile("^Why")).fill("Customer paid in full")
    recall.get_by_role("button", name="Recall the case").click()
    expect(page.get_by_role("status")).to_have_text("Recalled: chasing resumes.")
    expect(page.get_by_role("heading", name="Hand the debt off")).to_be_visible()
    context.close()


def _sign_in(base: str, browser: Browser, token: str, path: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(SLOW_MS)
    page.goto(base + path)
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    return context, page


def test_the_manager_decides_an_escalation_and_the_approver_approves_the_write_off(
    served: tuple[str, dict[str, str], Browser],
) -> None:
    base, tokens, browser = served
    context, page = _sign_in(base, browser, tokens["fiona"], f"/decisions?date={DAY}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Decisions")
    first = page.locator("section[aria-labelledby='escalations'] article").first
    expect(first).to_contain_text("manager-review")
    expect(first.locator("ol.timeline li").first).to_be_visible()
    form = first.get_by_role("form")
    form.get_by_label("Write the debt off").check()
    form.get_by_label("Note (kept with the decision)").fill("Customer in administration")
    form.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Decided: write the debt off.", timeout=SLOW_MS
    )
    expect(page.locator("section[aria-labelledby='write-offs']")).to_contain_text(
        "yours: another approver decides"
    )
    context.close()

    context, page = _sign_in(base, browser, tokens["mark"], f"/decisions?date={DAY}")
    row = page.locator("section[aria-labelledby='write-offs'] tbody tr").first
    expect(row).to_contain_text("Customer in administration")
    row.get_by_label("Note").fill("Agreed")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("approved")
    context.close()
