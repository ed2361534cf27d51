"""Rules "pause" (until further notice, releasing a credit hold) and "credit limit review"
(docs/rules/ladder.md), through the daily list and ``customers_due_for_review``."""

from __future__ import annotations

from dataclasses import replace

from engine.model.policy import CreditReview, Pause
from engine.rules.credit_review import customers_due_for_review, review_due_date
from tests.engine.builders import (
    INV_1,
    account,
    customer_file,
    d,
    done,
    invoice,
    make_policy,
    only,
    run,
)

FOREVER = Pause(None, "Administration: the administrator deals with all creditors")
# INV_1 reached the hold step (due+30d) on 31 Oct 2026; the hold was recorded done that day.
ON_HOLD = [done("credit-hold", ["INV-1"], "2026-10-31")]


def test_a_pause_until_further_notice_holds_every_step_back() -> None:
    """Rule "pause": a pause without an end date (``until: further_notice``) holds chasing back
    on any day, and says so; the suppression has no end date."""
    policy = make_policy(customers=[customer_file("C1", pause=FOREVER)])
    evaluation = run(policy, account("C1", INV_1), on="2027-06-01")
    assert evaluation.actions == ()
    (held,) = evaluation.suppressions
    assert (held.code, held.until) == ("pause", None)
    assert held.text.startswith(
        "Dunning is paused until further notice: Administration: the administrator deals with "
        "all creditors (customer file customers/C1.yaml)"
    )


def test_a_pause_keeps_a_credit_hold_unless_the_policy_releases_it() -> None:
    """Rule "pause": by default a pause stops the reminders and the credit hold stays (the
    customer still may not order on credit); with ``pauses: {release_credit_hold: true}`` the
    hold placed on 31 Oct is released the first day of the pause, as a list action."""
    paused = [customer_file("C1", pause=("2026-12-31", "Restructuring agreed with their CFO"))]
    kept = run(make_policy(customers=paused), account("C1", INV_1, history=ON_HOLD),
               on="2026-11-20")  # fmt: skip
    assert kept.actions == ()
    releasing = make_policy(customers=paused, pause_releases_credit_hold=True)
    release = only(run(releasing, account("C1", INV_1, history=ON_HOLD), on="2026-11-20"))
    assert (release.step, release.kind) == ("credit-release", "credit_release")
    assert release.reasons[0].text == (
        "The account has been on credit hold since 2026-10-31 (step 'credit-hold'); dunning is "
        "paused until 2026-12-31: Restructuring agreed with their CFO (customer file "
        "customers/C1.yaml), and the policy releases a credit hold during a pause: release the "
        "hold."
    )
    # Once the release is recorded, nothing more is due while the pause lasts.
    history = [*ON_HOLD, done("credit-release", [], "2026-11-20")]
    assert run(releasing, account("C1", INV_1, history=history), on="2026-11-25").actions == ()


def test_a_releasing_pause_places_no_credit_limit_hold() -> None:
    """Rule "pause": while a releasing pause lasts, a balance above the credit limit puts the
    account on hold no more than a hold step does."""
    over = invoice("INV-1", "2026-10-10", "1200.00")
    customers = [customer_file("C1", credit_limit=("1000.00", "GBP"), pause=FOREVER)]
    policy = make_policy(customers=customers, pause_releases_credit_hold=True)
    assert run(policy, account("C1", over), on="2026-10-16").actions == ()


REVIEW = CreditReview(12, d("2025-11-30"))


def test_a_review_falls_due_every_so_many_months_end_of_month_safe() -> None:
    """Rule "credit limit review": the same day ``every`` months after the last review, or the
    last day of a shorter month (31 Aug + 6 months is 28 Feb in 2027, 29 Feb in 2028)."""
    assert review_due_date(REVIEW) == d("2026-11-30")
    assert review_due_date(CreditReview(6, d("2026-08-31"))) == d("2027-02-28")
    assert review_due_date(CreditReview(6, d("2027-08-31"))) == d("2028-02-29")


def test_the_list_shows_credit_limit_review_due_to_the_account_owner() -> None:
    """Rule "credit limit review": as in Oracle Credit Management's periodic credit review (a
    review cycle and the last and next review dates on the customer's credit profile,
    https://docs.oracle.com/cd/E18727-01/doc.121/e13502.pdf), a customer reviewed on 30 Nov 2025
    every 12 months is due on 30 Nov 2026: the action goes to its owner, even with nothing
    open, until a review is recorded done on or after that day."""
    customers = [
        customer_file("C1", credit_limit=("25000.00", "GBP"), owner="sales-jane",
                      credit_review=REVIEW)
    ]  # fmt: skip
    policy = make_policy(customers=customers)
    no_invoices = account("C1")
    assert run(policy, no_invoices, on="2026-11-29").actions == ()
    review = only(run(policy, no_invoices, on="2026-12-01"))
    assert (review.step, review.kind, review.assign, review.owner) == (
        "credit-review", "credit_review", "owner", "sales-jane",
    )
    assert review.reasons[0].text == (
        "Credit limit review due since 2026-11-30: the limit (GBP 25,000.00) is reviewed every "
        "12 months, last on 2025-11-30. Review it, then write the date in credit_review.last of "
        "the customer file."
    )
    again = only(run(policy, no_invoices, on="2026-12-02"))
    assert again.id == review.id  # the same action every day until it is done
    reviewed = account("C1", history=[done("credit-review", [], "2026-12-02")])
    assert run(policy, reviewed, on="2026-12-03").actions == ()


def test_customers_due_for_review_lists_the_policy_by_due_date() -> None:
    """Rule "credit limit review": the reports' list, from the customer files alone."""
    policy = make_policy(
        customers=[
            customer_file("B2", credit_review=CreditReview(12, d("2025-10-15")), owner="tom"),
            customer_file("A1", credit_review=REVIEW, name="Acme Ltd"),
            customer_file("C3", credit_review=CreditReview(12, d("2026-06-01"))),
            customer_file("D4"),
        ]
    )
    due = customers_due_for_review(policy, d("2026-12-01"))
    assert [(r.customer_id, r.due, r.owner) for r in due] == [
        ("B2", d("2026-10-15"), "tom"),
        ("A1", d("2026-11-30"), None),
    ]
    assert replace(due[1], customer_name="Acme Ltd") == due[1]
