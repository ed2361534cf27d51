"""The Today page: grouped by customer, my queue and everyone's, filters, totals, paging."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from api.action_lists import ActionList
from api.policy_state import ServedPolicy
from api.web.today import PAGE_CUSTOMERS, Sort, TodayQuery, decode_cursor, encode_cursor, select
from engine.model.actions import Action, ActionInvoice, Evaluation, PolicyVersion
from engine.model.policy import Defaults, Policy
from store.outcomes import record_outcome
from tests.web.conftest import DATE, SignedIn


def customers_shown(html: str) -> list[str]:
    return re.findall(r'<section class="customer" id="c-([^"]+)"', html)


def test_the_list_is_grouped_by_customer_with_totals(signed_in: SignedIn) -> None:
    page = signed_in("viewer").get("/", params=DATE)
    assert page.status_code == 200
    assert customers_shown(page.text) == ["KEST-0003", "TEST-0001", "TEST-0002"]
    assert "Open amounts chased" in page.text
    assert re.search(r"<strong>4</strong> actions for <strong>3</strong> customers", page.text)
    # Each row: step, what to do, invoices with open amounts and days overdue, the reason.
    assert "INV-1001: GBP 1,200.00, 21 days overdue" in page.text
    assert "Phone call" in page.text


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"kind": "phone"}, ["TEST-0001"]),
        ({"channel": "email"}, ["KEST-0003", "TEST-0001", "TEST-0002"]),
        ({"ladder": "strategic"}, ["KEST-0003"]),
        ({"currency": "EUR"}, []),
        ({"min": "1000"}, ["KEST-0003", "TEST-0001"]),
        ({"max": "600"}, ["TEST-0001", "TEST-0002"]),
        ({"sort": "amount"}, ["KEST-0003", "TEST-0001", "TEST-0002"]),
        ({"sort": "overdue"}, ["KEST-0003", "TEST-0001", "TEST-0002"]),
        ({"queue": "mine"}, []),
    ],
    ids=["kind", "channel", "ladder", "currency", "min-amount", "max-amount", "by-amount",
         "by-days-overdue", "my-queue-empty"],
)
def test_filters_and_sorting(signed_in: SignedIn, params: dict[str, str], shown: list[str]) -> None:
    page = signed_in("viewer").get("/", params={**DATE, **params})
    assert page.status_code == 200
    assert customers_shown(page.text) == shown


def test_a_bad_filter_value_is_said_and_ignored(signed_in: SignedIn) -> None:
    page = signed_in("viewer").get("/", params={**DATE, "min": "lots", "sort": "colour"})
    assert page.status_code == 200
    assert "minimum amount &#39;lots&#39; is not an amount: ignored" in page.text
    assert len(customers_shown(page.text)) == 3


def test_a_bad_date_is_an_html_page_not_json(signed_in: SignedIn) -> None:
    page = signed_in("viewer").get("/", params={"date": "1899-12-31"})
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")


def test_my_queue_holds_what_was_handed_to_me(signed_in: SignedIn) -> None:
    client = signed_in("collector")
    page = client.get("/", params=DATE)
    action_id = re.search(r'id="a-([^"]+)"', page.text)
    assert action_id is not None
    html = client.get(f"/actions/{action_id.group(1)}", params=DATE).text
    key = re.search(r'name="key" value="([^"]+)"', html)
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    assert key is not None and csrf is not None
    done = client.post(f"/actions/{action_id.group(1)}/record", params=DATE,
                       data={"csrf": csrf.group(1), "outcome": "reassign",
                             "assignee": "test-collector", "key": key.group(1), "back": "/"},
                       follow_redirects=False)
    assert done.status_code == 303
    mine = client.get("/", params={**DATE, "queue": "mine"})
    assert customers_shown(mine.text) == ["KEST-0003"]
    assert "with test-collector" in mine.text


def _big_list(customers: int) -> ActionList:
    day = date(2026, 11, 23)
    actions = []
    for n in range(customers):
        for step, index in (("first-reminder", 3), ("call", 5)):
            invoice = ActionInvoice(f"INV-{n}-{step}", day, day, "GBP", Decimal(n + 1),
                                    Decimal(n + 1), n % 90, day)
            actions.append(Action(
                f"act_{n:05d}_{step}", day, f"C-{n:05d}", f"Customer {n}", "standard", step,
                index, "email", "email", None, "standard", "en", None, None, (invoice,),
                {"GBP": Decimal(n + 1)},
            ))
    version = PolicyVersion(digest="sha256:x")
    evaluation = Evaluation(day, version, tuple(actions))
    policy = Policy("p", "Europe/London", "GBP", Defaults("net30", "standard"))
    return ActionList(evaluation, ServedPolicy(policy, version))


@pytest.mark.parametrize("sort", ["customer", "amount", "overdue"])
def test_paging_visits_every_customer_once_in_order(sort: Sort) -> None:
    listing = _big_list(5000)  # 10,000 actions
    query = TodayQuery(sort=sort)
    selection = select(listing, query, "me", {})
    assert selection.actions == 10_000
    seen: list[str] = []
    cursor = None
    while True:
        groups, more = selection.page(decode_cursor(query.sort, cursor), PAGE_CUSTOMERS)
        seen += [g.customer_id for g in groups]
        if not more:
            break
        cursor = encode_cursor(query.sort, groups[-1].key)
    assert len(seen) == len(set(seen)) == 5000
    assert [g.customer_id for g in selection.groups] == seen
    if sort == "amount":
        assert seen[0] == "C-04999"
    assert select(listing, query, "me", {}) is selection  # worked out once per list


def test_a_cursor_stays_right_when_customers_leave_the_list() -> None:
    listing = _big_list(60)
    query = TodayQuery()
    first, _ = select(listing, query, "me", {}).page(None, PAGE_CUSTOMERS)
    cursor = encode_cursor("customer", first[-1].key)
    # Customers of the first page leave (their actions were recorded): page two is unchanged.
    fewer = ActionList(
        Evaluation(listing.evaluation.as_of, listing.version,
                   tuple(a for a in listing.evaluation.actions if a.customer_id > "C-00010")),
        ServedPolicy(Policy("p", "Europe/London", "GBP", Defaults("net30", "standard")),
                     listing.version),
    )
    before, _ = select(listing, query, "me", {}).page(decode_cursor("customer", cursor), 5)
    after, _ = select(fewer, query, "me", {}).page(decode_cursor("customer", cursor), 5)
    assert [g.customer_id for g in before] == [g.customer_id for g in after]
    assert decode_cursor("amount", cursor) is None  # another sort's cursor starts again
    assert decode_cursor("customer", "not-a-cursor!") is None


def test_the_pager_moves_on() -> None:
    # 60 customers: three pages of 25, 25 and 10.
    listing = _big_list(60)
    selection = select(listing, TodayQuery(), "me", {})
    groups, more = selection.page(None, PAGE_CUSTOMERS)
    assert (len(groups), more) == (25, True)
    groups, more = selection.page(decode_cursor("customer", encode_cursor(
        "customer", selection.groups[49].key)), PAGE_CUSTOMERS)
    assert (len(groups), more) == (10, False)


def test_totals_count_an_invoice_in_two_actions_once() -> None:
    """A credit hold and a reminder list the same two EUR 1,200.00 invoices: the customer's
    group and the page header show EUR 2,400.00, not EUR 4,800.00 (docs/rules/ladder.md,
    "list totals")."""
    day = date(2026, 11, 23)
    invoices = tuple(
        ActionInvoice(f"INV-{n}", day, day, "EUR", Decimal("1200.00"), Decimal("1200.00"), 5, day)
        for n in (1, 2)
    )
    actions = tuple(
        Action(f"act_{kind}", day, "C1", "Customer One", "standard", step, index, kind, None,
               None, "standard", "en", None, None, invoices, {"EUR": Decimal("2400.00")})
        for step, index, kind in (("first-reminder", 1, "email"), ("credit-limit", 9,
                                                                   "credit_hold"))
    )  # fmt: skip
    version = PolicyVersion(digest="sha256:x")
    policy = Policy("p", "Europe/London", "GBP", Defaults("net30", "standard"))
    listing = ActionList(Evaluation(day, version, actions), ServedPolicy(policy, version))
    selection = select(listing, TodayQuery(), "me", {})
    assert selection.totals == {"EUR": Decimal("2400.00")}
    assert [g.totals for g in selection.groups] == [{"EUR": Decimal("2400.00")}]


def test_a_row_shows_the_charges_still_owed_on_its_invoices(
    signed_in: SignedIn, engine: Engine
) -> None:
    """Rule "charges owed" (docs/rules/charges.md): the GBP 15.00 fee charged on INV-1001 when
    its second reminder was done is shown on the call's row and in the totals, as the engine
    counts it."""
    with engine.begin() as conn:
        record_outcome(
            conn, action_id="A-FEE", customer_id="TEST-0001", step="second-reminder",
            invoice_ids=["INV-1001"], date=date(2026, 11, 16), status="done",
            fee=Decimal("15.00"), currency="GBP",
        )  # fmt: skip
    html = signed_in("viewer").get("/", params=DATE).text
    assert "INV-1001: GBP 1,200.00 and GBP 15.00 in charges" in html
    assert "<dt>Charged before and still owed</dt><dd>GBP 15.00</dd>" in html
    assert "charged before and still owed GBP 15.00" in html
