"""Redraw the README's screenshots of the workspace: the Today page and a customer's page.

Builds the demo ledger of 23 November 2026 in a temporary folder, works a few actions of one
customer through the pages (a call with no answer, a promise to pay, a note), and photographs the
pages in Debian's Chromium (``apt-get install -y chromium``). Run from the repository's top:

    .venv/bin/python docs/screenshots/make_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.git_repo import policy_repository  # noqa: E402
from tests.web.live import demo_ledger, launch_chromium, serve  # noqa: E402

DAY = date(2026, 11, 23)
OUT = Path(__file__).resolve().parent


def _work_a_call(page: Page, base: str) -> str:
    """Work the first phone call of the day (no answer, then a promise, then a note), as a
    collector would; return the customer's id."""
    page.goto(f"{base}/?date={DAY}&kind=phone")
    first = page.locator("section.customer").first
    customer = str(first.get_attribute("id"))[2:]
    href = first.locator("table.actions td.step a").first.get_attribute("href")
    if href:
        page.goto(base + href)
        contact = page.get_by_role("form", name="Contact made or tried")
        contact.get_by_label("Called – no answer (stays on the list)").check()
        contact.get_by_label("Note (optional)").fill("Rang accounts payable at 9:30: voicemail")
        contact.get_by_role("button", name="Record").click()
        page.goto(base + href)
        promise = page.get_by_role("form", name="Promise to pay")
        promise.get_by_label("Amount promised").fill("1500.00")
        promise.get_by_label("To pay by").fill("2026-12-04")
        promise.get_by_label("Note (optional)").fill(
            "Their controller confirmed a BACS run on 4 December"
        )
        promise.get_by_role("button", name="Record the promise").click()
    page.goto(f"{base}/customers/{customer}?date={DAY}")
    page.get_by_label("Note", exact=True).fill(
        "Account review with their finance director on 10 December: bring the aging report"
    )
    page.get_by_role("button", name="Add the note").click()
    return customer


def main() -> None:
    """Build, serve, work and photograph the workspace."""
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        url = f"sqlite:///{where / 'demo.db'}"
        tokens = demo_ledger(url, DAY)
        repo = policy_repository(where / "policy")
        with serve(url, repo) as base, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{base}/?date={DAY}")
            page.get_by_label("API token").fill(tokens["collector"])
            page.get_by_role("button", name="Sign in").click()
            customer = _work_a_call(page, base)
            page.goto(f"{base}/?date={DAY}")
            page.screenshot(path=str(OUT / "today.png"))
            page.goto(f"{base}/customers/{customer}?date={DAY}")
            height = page.evaluate(
                "document.getElementById('open-invoices').getBoundingClientRect().top"
                " + window.scrollY"
            )
            page.screenshot(
                path=str(OUT / "customer.png"),
                full_page=True,
                clip={"x": 0, "y": 0, "width": 1280, "height": min(int(height), 2400)},
            )
            browser.close()
    print(f"wrote {OUT / 'today.png'} and {OUT / 'customer.png'}")  # noqa: T201 - a script's report


if __name__ == "__main__":
    main()
