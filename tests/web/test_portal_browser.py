"""The payment portal in a real browser: Debian's Chromium, driven by Playwright.

The demo ledger's reminders of DAY are composed with portal links and put in the outbox, as
``dunning send`` does; the customer opens the link of one from the outbox, sees their invoices,
promises to pay, disputes one invoice, and staff see both on the customer page. A tampered,
expired or revoked link gets the polite page; another customer's link shows nothing of theirs;
the page works without JavaScript, with the keyboard, and has no serious accessibility violation.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from sqlalchemy import select

from delivery.send import SendReport, evaluate_with_customers, messages_of, queue
from dunning.inputs import load_valid_policy
from engine.tools.today import today_in
from store.connection import create_store_engine
from store.models import outbox
from store.portal_links import PortalLinks, PortalSettings, revoke_links
from store.reader import iter_customer_ledgers
from tests.git_repo import policy_repository
from tests.web.live import ROOT, ChromiumMissingError, demo_ledger, launch_chromium, serve
from tests.web.test_browser import _violations

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

DAY = date(2026, 11, 23)
KEY = "browser-test-portal-key-" + "b" * 40
LINK = re.compile(r"http://127\.0\.0\.1:\d+/pay/[A-Za-z0-9_.\-]+")


@dataclass(frozen=True, slots=True)
class Portal:
    """A served app with the demo's reminders in the outbox, and the browser to use it with."""

    base: str
    url: str
    tokens: dict[str, str]
    browser: Browser
    links: PortalLinks
    reminders: dict[str, str]  # customer id -> the link in its reminder


def _reminders(url: str, links: PortalLinks) -> dict[str, str]:
    """Compose DAY's reminders with portal links into the outbox; return each email's link."""
    loaded = load_valid_policy(ROOT)
    engine = create_store_engine(url)
    try:
        # The links are made today; the reminders are those of DAY.
        evaluation, customers = evaluate_with_customers(
            loaded.policy, iter_customer_ledgers(engine, as_of=DAY), DAY, loaded.version
        )
        messages = messages_of(evaluation, loaded.policy, customers, root=loaded.root,
                               report=SendReport(), portal=links)  # fmt: skip
        queue(engine, messages)
        found: dict[str, str] = {}
        with engine.connect() as conn:
            rows = conn.execute(
                select(outbox.c.customer_id, outbox.c.content).where(outbox.c.channel == "email")
            )
            for customer_id, content in rows:
                body = message_from_bytes(content, policy=policy.default)
                text = body.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                match = LINK.search(text)
                if match:
                    found[customer_id] = match.group(0)
        return found
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """Serve the demo ledger with a portal, its reminders in the outbox, and start Chromium."""
    where = tmp_path_factory.mktemp("portal")
    url = f"sqlite:///{where / 'demo.db'}"
    tokens = demo_ledger(url, DAY)
    repo = policy_repository(where / "policy")
    placeholder = PortalSettings("http://127.0.0.1:1", (KEY,))
    with serve(url, repo, portal=placeholder) as base, sync_playwright() as playwright:
        links = PortalLinks(PortalSettings(base, (KEY,)))
        reminders = _reminders(url, links)
        try:
            browser = launch_chromium(playwright)
        except ChromiumMissingError as missing:
            pytest.fail(str(missing), pytrace=False)
        try:
            yield Portal(base, url, tokens, browser, links, reminders)
        finally:
            browser.close()


def _customer_with_two_invoices(portal: Portal) -> tuple[str, str]:
    """Return a customer whose reminder link shows two open invoices or more, and the link."""
    page = portal.browser.new_page()
    try:
        for customer_id, link in sorted(portal.reminders.items()):
            page.goto(link)
            if page.locator("table.invoices tbody tr").count() >= 2:
                return customer_id, link
    finally:
        page.close()
    raise AssertionError("no reminder of the demo goes to a customer with two open invoices")


def test_a_reminders_link_opens_the_customers_account(portal: Portal) -> None:
    assert portal.reminders, "no reminder in the outbox carries a portal link"
    customer_id, link = sorted(portal.reminders.items())[0]
    page = portal.browser.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Northwind Supplies Ltd|Konto bei Northwind|compte chez Northwind")
    )
    expect(page.locator("p.intro")).to_contain_text(customer_id)
    expect(page.locator("dl.totals")).to_be_visible()
    expect(page.locator("code[id^=ref-]").first).to_have_text(re.compile(r"^RF\d\d "))
    page.close()


def test_promise_to_pay_and_dispute_one_invoice_then_staff_see_both(portal: Portal) -> None:
    customer_id, link = _customer_with_two_invoices(portal)
    context = portal.browser.new_context()
    page = context.new_page()
    page.goto(link)
    invoices = page.locator("table.invoices tbody th").all_inner_texts()
    disputed = invoices[-1].split()[0]
    today = today_in("Europe/London")

    page.locator("summary").nth(1).click()  # "I will pay on a date"
    promise = page.locator("form.answer").nth(1)
    promise.locator("input[name=pay_on]").fill((today + timedelta(days=7)).isoformat())
    due = page.locator("dl.totals dd").first.inner_text()
    # Written the customer's way (£1,234.56, 19 630,94 €, 1.234,56 €): the demo's currencies
    # all have two decimals, so the digits with the last two as pence or cents.
    digits = re.sub(r"\D", "", due)
    amount = f"{int(digits[:-2])}.{digits[-2:]}"
    promise.locator("input[name=amount]").fill(amount)
    promise.get_by_role("button").click()
    expect(page.locator("#answered")).to_contain_text(re.compile(r"Thank you|Vielen Dank|Merci"))

    page.locator("summary").nth(2).click()  # "There is a problem with an invoice"
    dispute = page.locator("form.answer").nth(2)
    dispute.locator("select[name=invoice]").select_option(disputed)
    dispute.locator("input[name=reason]").first.check()
    dispute.locator("textarea[name=text]").fill("The goods never arrived")
    dispute.get_by_role("button").click()
    expect(page.locator("#answered")).to_contain_text(disputed)
    row = page.locator("table.invoices tbody tr", has_text=disputed)
    expect(row.locator(".tag")).to_be_visible()
    context.close()

    staff = portal.browser.new_context()
    page = staff.new_page()
    page.goto(f"{portal.base}/customers/{customer_id}?date={today.isoformat()}")
    page.get_by_label("API token").fill(portal.tokens["collector"])
    page.get_by_role("button", name="Sign in").click()
    timeline = page.locator("#timeline").locator("xpath=..")
    expect(timeline).to_contain_text("Customer promises to pay")
    expect(timeline).to_contain_text("Customer reports a problem with an invoice")
    expect(timeline).to_contain_text("customer (payment portal)")
    staff.close()


def test_a_tampered_expired_or_revoked_link_gets_the_polite_page(portal: Portal) -> None:
    customer_id, link = sorted(portal.reminders.items())[-1]
    old = PortalLinks(portal.links.settings, clock=lambda: time.time() - 61 * 86400)
    tampered = link[:-4] + ("aaaa" if not link.endswith("aaaa") else "bbbb")
    page = portal.browser.new_page()
    for address in (tampered, portal.base + "/pay/" + old.token(customer_id, "act_x")):
        page.goto(address)
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "This link no longer opens your account"
        )
        expect(page.locator("main")).to_contain_text("accounts@northwind.example")
        expect(page.locator("table")).to_have_count(0)
    engine = create_store_engine(portal.url)
    with engine.connect() as conn:
        revoke_links(conn, customer_id, who="test", now=datetime.now(UTC) + timedelta(seconds=1))
    engine.dispose()
    page.goto(link)
    expect(page.locator("main")).to_contain_text("withdrawn")
    expect(page.locator("table")).to_have_count(0)
    page.close()


def test_another_customers_token_shows_nothing_of_the_first(portal: Portal) -> None:
    (first, first_link), (second, second_link) = sorted(portal.reminders.items())[:2]
    page = portal.browser.new_page()
    page.goto(first_link)
    rows = page.locator("table.invoices tbody th").all_inner_texts()
    first_invoices = [text.split()[0] for text in rows]
    page.goto(second_link)
    expect(page.locator("p.intro")).to_contain_text(second)
    shown = page.locator("main").inner_text()
    assert first not in shown
    assert not any(invoice in shown for invoice in first_invoices)
    token = second_link.rsplit("/", 1)[1]
    answer = page.request.get(f"{portal.base}/pay/{token}/invoices/{first_invoices[0]}.pdf")
    assert answer.status == 404
    page.close()


def test_the_page_works_without_javascript(portal: Portal) -> None:
    _, link = sorted(portal.reminders.items())[1]
    context = portal.browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(link)
    expect(page.locator("button.copy").first).to_be_hidden()  # shown only by the script
    page.locator("summary").last.click()
    form = page.locator("form.answer").last
    form.locator("input[value=copy]").check()
    form.get_by_role("button").click()
    expect(page.locator("#answered")).to_be_visible()
    context.close()


def test_copy_the_reference_with_the_keyboard(portal: Portal) -> None:
    _, link = sorted(portal.reminders.items())[0]
    context = portal.browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(link)
    button = page.locator("button.copy").first
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".copy-status").first).to_have_text(re.compile("Copied|Kopiert|Copié"))
    copied = page.evaluate("navigator.clipboard.readText()")
    wanted = page.locator("code[id^=ref-]").first.get_attribute("data-value")
    assert copied == wanted
    context.close()


def test_no_serious_accessibility_violations_on_the_portal(portal: Portal) -> None:
    _, link = sorted(portal.reminders.items())[0]
    # axe is injected as a script, which the page's policy rightly forbids: lift it for the check.
    page = portal.browser.new_context(bypass_csp=True).new_page()
    page.goto(link)
    found = _violations(page, "/pay/{token}")
    page.goto(portal.base + "/pay/not-a-valid-token-at-all")
    found += _violations(page, "/pay/{bad token}")
    assert found == []
