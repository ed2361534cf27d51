"""The workspace in a real browser: Debian's Chromium, driven by Playwright, on the demo ledger.

Sign in, work three actions of the demo list (done, a promise, a dispute) and see them leave it,
read the customer's timeline with who did what and their note, add a note, see a forged form
and a viewer's post refused, use it with the keyboard alone and at 200 % zoom, and find no
serious accessibility violation (axe-core, vendored in ``tests/web/vendor``).

When Chromium is missing these tests fail with the command that installs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.git_repo import policy_repository
from tests.web.live import ChromiumMissingError, demo_ledger, launch_chromium, serve

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]

DAY = date(2026, 11, 23)
TODAY = f"/?date={DAY.isoformat()}"
REPORTS = f"/reports?date={DAY.isoformat()}"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


@dataclass(frozen=True, slots=True)
class Workspace:
    """A served workspace on the demo ledger, and the browser to use it with."""

    base: str
    tokens: dict[str, str]
    browser: Browser

    def signed_in(self, role: str, **options: Any) -> tuple[BrowserContext, Page]:
        """Return a new browser context and page, signed in through the form as ``role``."""
        context = self.browser.new_context(**options)
        page = context.new_page()
        page.goto(self.base + TODAY)
        expect(page).to_have_url(re.compile(r"/signin\?next="))
        page.get_by_label("API token").fill(self.tokens[role])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Today"))
        return context, page


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """Serve the demo ledger of DAY on a loopback port and start Chromium."""
    where = tmp_path_factory.mktemp("workspace")
    url = f"sqlite:///{where / 'demo.db'}"
    tokens = demo_ledger(url, DAY)
    repo = policy_repository(where / "policy")
    with serve(url, repo) as base, sync_playwright() as playwright:
        try:
            browser = launch_chromium(playwright)
        except ChromiumMissingError as missing:
            pytest.fail(str(missing), pytrace=False)
        try:
            yield Workspace(base, tokens, browser)
        finally:
            browser.close()


def listed(page: Page, action_id: str) -> int:
    """Return how many rows of the page show the action."""
    return page.locator(f"[id='a-{action_id}']").count()


def row_ids(page: Page, kind: str | None = None) -> list[str]:
    """Return the action ids of the rows on the page (of one kind of step, when given)."""
    rows = page.locator("table.actions tbody tr")
    if kind is not None:
        rows = rows.filter(has_text=kind)
    return [str(r.get_attribute("id"))[2:] for r in rows.all()]


def test_sign_in_and_work_three_actions(workspace: Workspace) -> None:
    context, page = workspace.signed_in("collector")
    before = row_ids(page)
    assert len(before) > 10

    # 1. Done, from the row: the list opens again where it was, without the action.
    done_id = before[0]
    page.locator(f"[id='a-{done_id}']").get_by_role("button", name=re.compile("^Mark")).click()
    expect(page.get_by_role("status")).to_contain_text("marked done")
    assert listed(page, done_id) == 0
    assert "#c-" in page.url

    # 2. A promise to pay, from the action's page.
    promise_id = row_ids(page)[0]
    page.locator(f"[id='a-{promise_id}']").get_by_role("link", name=re.compile("^Open")).click()
    form = page.get_by_role("form", name="Promise to pay")
    form.get_by_label("Amount promised").fill("100.00")
    form.get_by_label("To pay by").fill("2026-12-04")
    form.get_by_label("Note (optional)").fill("Will pay Friday by transfer")
    form.get_by_role("button", name="Record the promise").click()
    expect(page.get_by_role("status")).to_contain_text("recorded with a promise to pay")
    assert listed(page, promise_id) == 0

    # 3. A dispute, from the action's page.
    dispute_id = row_ids(page)[0]
    page.locator(f"[id='a-{dispute_id}']").get_by_role("link", name=re.compile("^Open")).click()
    form = page.get_by_role("form", name="Dispute")
    boxes = form.get_by_role("checkbox")
    boxes.first.check()
    form.get_by_label("What the customer disputes").fill("Goods arrived damaged")
    form.get_by_role("button", name="Record the dispute").click()
    expect(page.get_by_role("status")).to_contain_text("recorded as disputed")
    assert listed(page, dispute_id) == 0
    context.close()


def test_the_customer_timeline_shows_who_and_the_note(workspace: Workspace) -> None:
    context, page = workspace.signed_in("collector")
    action_id = row_ids(page)[0]
    customer = page.locator(f"[id='a-{action_id}']").locator(
        "xpath=ancestor::section[contains(@class, 'customer')]"
    )
    name = customer.get_by_role("heading", level=2).get_by_role("link").inner_text()
    page.locator(f"[id='a-{action_id}']").get_by_role("link", name=re.compile("^Open")).click()
    contact = page.get_by_role("form", name="Contact made or tried")
    contact.get_by_label("Called – no answer (stays on the list)").check()
    contact.get_by_label("Note (optional)").fill("Rang the AP line twice")
    contact.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_contain_text("no answer")

    page.get_by_role("link", name=name, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    timeline = page.locator("ol.timeline")
    latest = timeline.locator("li").first
    expect(latest).to_contain_text("Called – no answer. Rang the AP line twice")
    expect(latest).to_contain_text("by ann-collector")

    page.get_by_label("Note", exact=True).fill("Their AP team moved to Leeds")
    page.get_by_role("button", name="Add the note").click()
    first = page.locator("ol.timeline li").first
    expect(first).to_contain_text("Their AP team moved to Leeds")
    expect(first).to_contain_text("by ann-collector")
    context.close()


def test_a_forged_form_post_is_refused(workspace: Workspace) -> None:
    context, page = workspace.signed_in("collector")
    action_id = row_ids(page)[-1]
    # The browser's own cookies, but no CSRF key: what another site's form would send.
    forged = page.request.post(
        f"{workspace.base}/actions/{action_id}/record?date={DAY}",
        form={"outcome": "done"},
        max_redirects=0,
    )
    assert forged.status == 403
    assert "not sent from your workspace" in forged.text()
    page.reload()
    assert listed(page, action_id) == 1
    context.close()


def test_a_viewer_sees_no_record_buttons_and_cannot_post(workspace: Workspace) -> None:
    context, page = workspace.signed_in("viewer")
    expect(page.get_by_role("button", name=re.compile("^Mark .* done$"))).to_have_count(0)
    action_id = row_ids(page)[-1]
    page.locator(f"[id='a-{action_id}']").get_by_role("link", name=re.compile("^Open")).click()
    expect(page.get_by_role("heading", name="Record what happened")).to_have_count(0)
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    forged = page.request.post(
        f"{workspace.base}/actions/{action_id}/record?date={DAY}",
        form={"outcome": "done", "csrf": csrf or ""},
        max_redirects=0,
    )
    assert forged.status == 403
    assert "Not allowed for your role" in forged.text()
    context.close()


def test_keyboard_alone(workspace: Workspace) -> None:
    context = workspace.browser.new_context()
    page = context.new_page()
    page.goto(workspace.base + "/signin?next=" + TODAY.replace("?", "%3F").replace("=", "%3D"))
    page.keyboard.type(workspace.tokens["collector"])  # the token field has the focus
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Today"))
    for _ in range(200):
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.getAttribute('aria-label') || ''")
        if label.startswith("Mark "):
            break
    else:
        pytest.fail("no record button reached with the Tab key")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("marked done")
    # The focus is back in the list, at the customer where the work goes on.
    focused = page.evaluate("document.activeElement.closest('section.customer, #notice') !== null")
    assert focused, (page.url, page.evaluate("document.activeElement.outerHTML.slice(0, 200)"))
    context.close()


def test_readable_at_200_percent_zoom(workspace: Workspace) -> None:
    # 1280 x 900 at 200 % zoom is a 640 x 450 CSS-pixel window.
    context, page = workspace.signed_in("collector", viewport={"width": 640, "height": 450})
    paths = [TODAY]
    action_link = page.locator("table.actions a").first.get_attribute("href")
    assert action_link is not None
    paths.append(action_link)
    customer_link = page.locator("section.customer h2 a").first.get_attribute("href")
    assert customer_link is not None
    paths += [customer_link, "/policy", REPORTS]
    for path in paths:
        page.goto(workspace.base + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 200 % zoom"
    context.close()


def test_no_serious_accessibility_violations(workspace: Workspace) -> None:
    # axe is injected as a script, which the pages' policy rightly forbids: lift it for the check.
    context, page = workspace.signed_in("admin", bypass_csp=True)
    action_link = page.locator("table.actions a").first.get_attribute("href")
    customer_link = page.locator("section.customer h2 a").first.get_attribute("href")
    assert action_link and customer_link
    letter_link = None
    paths = [TODAY, action_link, customer_link, "/policy", TODAY + "&queue=mine", REPORTS]
    found: list[str] = []
    for path in paths:
        page.goto(workspace.base + path)
        if path == action_link:
            letter = page.get_by_role("link", name="Printable letter")
            letter_link = letter.get_attribute("href") if letter.count() else None
        found += _violations(page, path)
    if letter_link:
        page.goto(workspace.base + letter_link)
        found += _violations(page, letter_link)
    signed_out = workspace.browser.new_context(bypass_csp=True).new_page()
    signed_out.goto(workspace.base + "/signin")
    found += _violations(signed_out, "/signin")
    assert found == []
    context.close()


def _violations(page: Page, path: str) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [
        f"{path}: {v['id']} ({v['impact']}): {v['help']} at {v['where']}"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
