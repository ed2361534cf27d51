"""Rule "credit exposure" (engine/rules/exposure.py), with the public worked examples.

- Hyperbots, *Credit Limit Analytics* (https://www.hyperbots.com/glossary/credit-limit-analytics):
  "Credit Limit Utilization = Outstanding Balance ÷ Approved Credit Limit × 100",
  2,100,000 ÷ 3,000,000 × 100 = 70 %, and "Available Credit = Approved Credit Limit − Outstanding
  Balance" (900,000).
- Paidnice, *Credit exposure management*
  (https://www.paidnice.com/dictionary/credit-exposure-management): "A customer with a 50,000
  limit who owes 12,000 has plenty of headroom" (38,000).
"""

from __future__ import annotations

from datetime import date

from engine.model.actions import CREDIT_REVIEW_STEP
from engine.model.ledger import ActionRecord
from engine.model.policy import CreditReview
from engine.rules.context import EvaluationContext
from engine.rules.exposure import credit_exposure
from tests.engine.builders import account, customer_file, d, invoice, m, make_policy, unapplied

ON = date(2026, 11, 23)


def test_exposure_headroom_and_share_used_per_customer() -> None:
    policy = make_policy(
        customers=[
            customer_file("BIG", credit_limit=("3000000.00", "GBP")),
            customer_file("SMALL", credit_limit=("50000.00", "GBP")),
            customer_file("OVER", credit_limit=("1000.00", "GBP")),
        ]
    )
    ledgers = [
        account("BIG", invoice("B1", "2026-11-01", "2100000.00", customer="BIG")),
        account(
            "SMALL",
            invoice("S1", "2026-09-01", "15000.00", customer="SMALL"),
            unapplied=[unapplied("U1", "2026-11-20", "3000.00", customer="SMALL")],
        ),
        account("OVER", invoice("O1", "2026-10-01", "1000.01", customer="OVER")),
        account("FREE", invoice("F1", "2026-11-01", "700.00", customer="FREE")),
    ]
    report = credit_exposure(EvaluationContext(policy), ledgers, ON)
    rows = {r.customer_id: r for r in report.customers}
    big, small, over = rows["BIG"], rows["SMALL"], rows["OVER"]
    assert (big.exposure, big.used, big.headroom, big.over) == (
        m("2100000.00"), m("0.7"), m("900000.00"), False,
    )  # fmt: skip
    # Unapplied cash lowers the exposure, as it lowers the balance the credit hold compares.
    assert (small.exposure, small.headroom, small.overdue) == (
        m("12000.00"), m("38000.00"), m("12000.00"),
    )  # fmt: skip
    assert over.over and over.headroom == m("-0.01")
    assert [r.customer_id for r in report.customers] == ["OVER", "BIG", "SMALL"]
    [gbp] = report.currencies
    assert (gbp.customers, gbp.over_limit, gbp.without_limit, gbp.customers_without_limit) == (
        3, 1, m("700.00"), 1,
    )  # fmt: skip
    assert gbp.limits == m("3051000.00")


def test_credit_reviews_due_unless_done_since() -> None:
    """Rule "credit limit review" (engine/rules/credit_review.py): DUE's yearly review fell due on
    30 Sep 2026; DONE's on 1 Oct, but a review was recorded done on 5 Oct; NOTYET's falls due in
    2027. The exposure report lists DUE, also against its row."""
    policy = make_policy(
        customers=[
            customer_file("DUE", credit_limit=("1000.00", "GBP"),
                          credit_review=CreditReview(12, d("2025-09-30"))),
            customer_file("DONE", credit_limit=("1000.00", "GBP"),
                          credit_review=CreditReview(12, d("2025-10-01"))),
            customer_file("NOTYET", credit_limit=("1000.00", "GBP"),
                          credit_review=CreditReview(12, d("2026-01-31"))),
        ]
    )  # fmt: skip
    review_done = ActionRecord("act-r", "DONE", CREDIT_REVIEW_STEP, (), d("2026-10-05"))
    ledgers = [
        account("DUE", invoice("D1", "2026-11-01", "100.00", customer="DUE")),
        account("DONE", invoice("E1", "2026-11-01", "100.00", customer="DONE"),
                history=[review_done]),
    ]  # fmt: skip
    report = credit_exposure(EvaluationContext(policy), ledgers, ON)
    assert [(r.customer_id, r.due) for r in report.reviews] == [("DUE", d("2026-09-30"))]
    rows = {r.customer_id: r.review_due for r in report.customers}
    assert rows == {"DUE": d("2026-09-30"), "DONE": None}
