"""Rule "discounts taken" (engine/rules/discounts.py): an early-payment discount is written off
when a payment earns it, and the invoice is then not owed, listed or chased.

Sources of the worked examples (docs/rules/discounts.md):

- Odoo 17, *Cash discounts and tax reduction*
  (https://www.odoo.com/documentation/17.0/applications/finance/accounting/customer_invoices/cash_discounts.html):
  "You issue a €100 invoice on the 1st of January. The full payment is due within 30 days, and
  you also offer a 2% discount if your customer pays you within seven days. The customer can pay
  €98 up to the 8th of January. After that date, they would have to pay €100 by the 31st of
  January."
- AccountingCoach, *What does 2/10 net 30 mean?*
  (https://www.accountingcoach.com/blog/what-does-2-10-net-30-mean): on a $1,000 invoice the
  customer may pay $980 within 10 days, otherwise $1,000 within 30 days.
- Brechner, *Contemporary Mathematics for Business and Consumers*, ch. 7 (partial payments,
  EOM and proximo dating): the credit for a partial payment is the payment divided by 100 % less
  the cash discount rate; $1,000 dated 1 August on 2/10, n/30 with $400 paid on 10 August is
  credited $400 / 0.98 = $408.16. Under EOM / proximo dating the discount period runs from the
  end of the month, and an invoice dated after the 25th counts from the end of the next month.
- ERPNext, *Payment Terms* (https://docs.erpnext.com/docs/user/manual/en/payment-terms): a
  discount of type Percentage or Amount, valid for days after the invoice date or after the end
  of the invoice month.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model.ledger import Invoice, Settlement
from engine.model.policy import DiscountSettings, DiscountTier, Term
from engine.rules.balances import account_balances
from engine.rules.context import EvaluationContext
from engine.rules.discounts import discounts_taken, with_earned_discounts
from engine.rules.terms import describe_term, discount_deadlines
from tests.engine.builders import TERMS as NET_TERMS
from tests.engine.builders import account, d, invoice, m, make_policy, run, steps_of

TWO_7_NET30 = Term("2-7-net30", net_days=30, discounts=(DiscountTier(7, m("2")),))
TWO_10_NET30 = Term("2-10-net30", net_days=30, discounts=(DiscountTier(10, m("2")),))
THREE_10_TWO_20_NET45 = Term(
    "3-10-2-20-net45",
    net_days=45,
    discounts=(DiscountTier(10, m("3")), DiscountTier(20, m("2"))),
)
TWO_10_EOM = Term(
    "2-10-eom",
    net_days=30,
    from_end_of_month=True,
    cutoff_day=25,
    discounts=(DiscountTier(10, m("2"), from_end_of_month=True),),
)
TWO_10TH_PROX = Term(
    "2-10th-prox",
    day_of_next_month=25,
    discounts=(DiscountTier(None, m("2"), day_of_next_month=10),),
)
FIXED_25 = Term(
    "25-off-10-net30", net_days=30, discounts=(DiscountTier(10, amounts=(("GBP", m("25.00")),)),)
)
TERMS = NET_TERMS | {
    t.name: t
    for t in (TWO_7_NET30, TWO_10_NET30, THREE_10_TWO_20_NET45, TWO_10_EOM, TWO_10TH_PROX, FIXED_25)
}
PROPORTIONAL = DiscountSettings(partial_payments="proportional")
GROSS_ALL_OR_NOTHING = DiscountSettings()  # the defaults


def taken(
    term: Term,
    inv: Invoice,
    settings: DiscountSettings = GROSS_ALL_OR_NOTHING,
) -> list[tuple[str, Decimal]]:
    """Return (date, amount) of each discount the invoice's payments earned under ``term``."""
    policy = make_policy(terms={**TERMS, term.name: term}, discounts=settings)
    found = discounts_taken(policy, account("C1", inv), term)
    return [(t.settlement.date.isoformat(), t.settlement.amount) for t in found]


def paid(issued: str, amount: str, *payments: tuple[str, str], currency: str = "GBP") -> Invoice:
    """Return an invoice with ``payments`` applied to it."""
    return invoice("INV-1", issued, amount, currency, paid=payments)


# --- the discount settles the invoice ---------------------------------------------------------


def test_odoo_example_98_paid_on_the_last_day_settles_100() -> None:
    """Odoo: €100 on 1 Jan, 2 % within 7 days: €98 paid up to 8 Jan settles the invoice."""
    inv = paid("2027-01-01", "100.00", ("2027-01-08", "98.00"), currency="EUR")
    assert taken(TWO_7_NET30, inv) == [("2027-01-08", m("2.00"))]


def test_odoo_example_98_paid_after_the_period_leaves_2_open() -> None:
    """Odoo: after 8 Jan the customer owes the whole €100: €98 paid on 9 Jan leaves €2 open."""
    inv = paid("2027-01-01", "100.00", ("2027-01-09", "98.00"), currency="EUR")
    assert taken(TWO_7_NET30, inv) == []
    policy = make_policy(terms=TERMS, terms_default="2-7-net30")
    balances = account_balances(EvaluationContext(policy), account("C1", inv), d("2027-01-20"))
    assert [(i.invoice.id, i.open) for i in balances.invoices] == [("INV-1", m("2.00"))]


def test_accountingcoach_980_within_10_days_settles_1000() -> None:
    """AccountingCoach: 2/10 net 30 on $1,000: $980 within 10 days settles it ($20 discount)."""
    inv = paid("2026-09-01", "1000.00", ("2026-09-11", "980.00"), currency="USD")
    assert taken(TWO_10_NET30, inv) == [("2026-09-11", m("20.00"))]


def test_a_customer_who_took_the_discount_is_never_chased() -> None:
    """The list, the balances and aging agree: nothing is owed after the discounted payment
    (AccountingCoach's 2/10 net 30 example), on the due date and long after it."""
    inv = invoice(
        "INV-1", "2026-09-01", "1000.00", terms="2-10-net30", paid=[("2026-09-11", "980.00")]
    )
    policy = make_policy(terms=TERMS)
    for day in ("2026-10-02", "2026-11-20", "2027-03-31"):
        assert steps_of(run(policy, account("C1", inv), on=day)) == []
        balances = account_balances(EvaluationContext(policy), account("C1", inv), d(day))
        assert balances.invoices == ()
        assert balances.balance == {}


def test_paying_less_than_the_discounted_amount_earns_nothing_by_default() -> None:
    """Only a payment of the whole discounted amount earns the discount (Odoo): 979.99 leaves
    the full 20.01 open, and the customer is chased for it after the due date."""
    inv = invoice(
        "INV-1", "2026-09-01", "1000.00", terms="2-10-net30", paid=[("2026-09-11", "979.99")]
    )
    assert taken(TWO_10_NET30, inv) == []
    evaluation = run(make_policy(terms=TERMS), account("C1", inv), on="2026-10-02")
    assert steps_of(evaluation) == [("C1", "first-reminder", ("INV-1",))]


def test_payments_in_the_period_add_up_to_the_discounted_amount() -> None:
    """Two payments within 10 days that together make 980.00 settle 1,000.00 on the day of the
    second one."""
    inv = paid("2026-09-01", "1000.00", ("2026-09-03", "500.00"), ("2026-09-10", "480.00"))
    assert taken(TWO_10_NET30, inv) == [("2026-09-10", m("20.00"))]


def test_paying_more_than_the_discounted_amount_takes_less_off() -> None:
    """990.00 paid in the period leaves 10.00 to write off; the whole 1,000.00 leaves none."""
    inv = paid("2026-09-01", "1000.00", ("2026-09-05", "990.00"))
    assert taken(TWO_10_NET30, inv) == [("2026-09-05", m("10.00"))]
    assert taken(TWO_10_NET30, paid("2026-09-01", "1000.00", ("2026-09-05", "1000.00"))) == []


def test_rounding_half_up_to_the_minor_unit() -> None:
    """2 % of GBP 1,234.25 is 24.685, taken as 24.69: 1,209.56 settles it (docs/rules)."""
    inv = paid("2026-09-01", "1234.25", ("2026-09-11", "1209.56"))
    assert taken(TWO_10_NET30, inv) == [("2026-09-11", m("24.69"))]


# --- tiers, fixed amounts, end of month and prox ----------------------------------------------


@pytest.mark.parametrize(
    ("day", "cash", "discount"),
    [
        ("2026-09-11", "970.00", "30.00"),  # 3 % up to day 10
        ("2026-09-12", "980.00", "20.00"),  # 2 % from day 11 to day 20
        ("2026-09-21", "980.00", "20.00"),
    ],
    ids=["3-percent-tier", "2-percent-tier", "last-day-of-2-percent"],
)
def test_three_10_two_20_net_45(day: str, cash: str, discount: str) -> None:
    """3/10, 2/20, net 45 on 1,000.00 dated 1 Sep: 970.00 up to 11 Sep, 980.00 up to 21 Sep
    (a tier per period, as "3/10, 1/20, net 30" is read: Brechner ch. 7)."""
    inv = paid("2026-09-01", "1000.00", (day, cash))
    assert taken(THREE_10_TWO_20_NET45, inv) == [(day, m(discount))]


def test_three_percent_price_paid_in_the_second_period_is_short() -> None:
    """970.00 paid on day 15 no longer earns 3 %: 10.00 stays open (980.00 was due then)."""
    inv = paid("2026-09-01", "1000.00", ("2026-09-16", "970.00"))
    assert taken(THREE_10_TWO_20_NET45, inv) == []


def test_after_the_last_tier_the_full_amount_is_owed() -> None:
    inv = paid("2026-09-01", "1000.00", ("2026-09-22", "980.00"))
    assert taken(THREE_10_TWO_20_NET45, inv) == []


def test_a_fixed_amount_discount() -> None:
    """ERPNext's discount type "Amount": GBP 25.00 off within 10 days; other currencies none."""
    assert taken(FIXED_25, paid("2026-09-01", "400.00", ("2026-09-11", "375.00"))) == [
        ("2026-09-11", m("25.00"))
    ]
    eur = paid("2026-09-01", "400.00", ("2026-09-11", "375.00"), currency="EUR")
    assert taken(FIXED_25, eur) == []


def test_a_fixed_amount_discount_never_takes_more_than_the_invoice() -> None:
    assert taken(FIXED_25, paid("2026-09-01", "20.00", ("2026-09-02", "0.01"))) == [
        ("2026-09-02", m("19.99"))
    ]


@pytest.mark.parametrize(
    ("issued", "deadline"),
    [
        ("2026-09-10", "2026-10-10"),  # end of September + 10 days
        ("2026-09-25", "2026-10-10"),  # the cut-off day itself still counts as September's
        ("2026-09-26", "2026-11-10"),  # after the 25th: from the end of October
        ("2026-12-05", "2027-01-10"),  # across the year end
    ],
)
def test_two_10_eom_counts_from_the_end_of_the_month(issued: str, deadline: str) -> None:
    """2/10 EOM: the discount may be taken up to 10 days after the end of the invoice month;
    an invoice dated after the 25th counts from the end of the next month (Brechner ch. 7)."""
    assert discount_deadlines(TWO_10_EOM, d(issued)) == (d(deadline),)


def test_two_10_eom_settles_on_the_10th_of_next_month() -> None:
    inv = paid("2026-09-10", "500.00", ("2026-10-10", "490.00"))
    assert taken(TWO_10_EOM, inv) == [("2026-10-10", m("10.00"))]
    assert taken(TWO_10_EOM, paid("2026-09-10", "500.00", ("2026-10-11", "490.00"))) == []


def test_two_percent_10th_prox() -> None:
    """ "2 % 10th prox, net 25th prox": up to the 10th of the next month (30 Sep → 10 Oct)."""
    assert discount_deadlines(TWO_10TH_PROX, d("2026-09-30")) == (d("2026-10-10"),)
    inv = paid("2026-09-30", "250.00", ("2026-10-10", "245.00"))
    assert taken(TWO_10TH_PROX, inv) == [("2026-10-10", m("5.00"))]


# --- partial payments, credit notes, refunds, the base -----------------------------------------


def test_brechner_partial_payment_credited_at_payment_over_1_minus_rate() -> None:
    """Brechner: $1,000 dated 1 Aug, 2/10 n/30, $400 paid on 10 Aug is credited $408.16
    ($400 / 0.98): a discount of 8.16, and 591.84 stays owed."""
    inv = paid("2026-08-01", "1000.00", ("2026-08-10", "400.00"))
    assert taken(TWO_10_NET30, inv, PROPORTIONAL) == [("2026-08-10", m("8.16"))]
    policy = make_policy(terms=TERMS, terms_default="2-10-net30", discounts=PROPORTIONAL)
    balances = account_balances(EvaluationContext(policy), account("C1", inv), d("2026-09-15"))
    assert [i.open for i in balances.invoices] == [m("591.84")]


def test_partial_payments_without_the_setting_earn_nothing() -> None:
    inv = paid("2026-08-01", "1000.00", ("2026-08-10", "400.00"))
    assert taken(TWO_10_NET30, inv) == []


def test_partial_then_the_rest_of_the_discounted_amount_settles() -> None:
    """490.00 on day 5 is credited 500.00; 490.00 more on day 9 settles the other 500.00."""
    inv = paid("2026-09-01", "1000.00", ("2026-09-06", "490.00"), ("2026-09-10", "490.00"))
    assert taken(TWO_10_NET30, inv, PROPORTIONAL) == [
        ("2026-09-06", m("10.00")),
        ("2026-09-10", m("10.00")),
    ]


def test_partial_in_the_3_percent_tier_then_the_rest_in_the_2_percent_tier() -> None:
    """3/10, 2/20: 485.00 on day 5 is credited 500.00 (485 / 0.97); the other 500.00 is then
    paid at 2 %, 490.00 on day 15."""
    inv = paid("2026-09-01", "1000.00", ("2026-09-06", "485.00"), ("2026-09-16", "490.00"))
    assert taken(THREE_10_TWO_20_NET45, inv, PROPORTIONAL) == [
        ("2026-09-06", m("15.00")),
        ("2026-09-16", m("10.00")),
    ]


def test_a_credit_note_lowers_the_base() -> None:
    """A credit note of 500.00 on 1,000.00 leaves 500.00 to pay: 2 % of it is 10.00."""
    inv = invoice(
        "INV-1", "2026-09-01", "1000.00",
        credited=[("2026-09-02", "500.00")], paid=[("2026-09-05", "490.00")],
    )  # fmt: skip
    assert taken(TWO_10_NET30, inv) == [("2026-09-05", m("10.00"))]


def test_a_refund_takes_the_discount_back() -> None:
    """The payment that earned the discount was given back (a chargeback): the discount goes
    with it, and the whole 1,000.00 is owed again."""
    inv = Invoice(
        "INV-1", "C1", d("2026-09-01"), m("1000.00"), "GBP", "2-10-net30", None,
        (
            Settlement(d("2026-09-05"), m("980.00"), "payment", "PAY-1"),
            Settlement(d("2026-09-20"), m("-980.00"), "chargeback", "CB-1"),
        ),
    )  # fmt: skip
    assert taken(TWO_10_NET30, inv) == [("2026-09-05", m("20.00")), ("2026-09-20", m("-20.00"))]
    policy = make_policy(terms=TERMS)
    balances = account_balances(EvaluationContext(policy), account("C1", inv), d("2026-09-21"))
    assert [i.open for i in balances.invoices] == [m("1000.00")]


def test_net_base_takes_the_discount_off_the_amount_before_tax() -> None:
    """OCA account_cash_discount_base: the discount on the total with or without taxes. 1,200.00
    including 200.00 VAT: 2 % of 1,000.00 is 20.00, so 1,180.00 settles it (24.00 gross)."""
    net = DiscountSettings(base="net")
    inv = paid("2026-09-01", "1200.00", ("2026-09-10", "1180.00"))._replace(tax=m("200.00"))
    assert taken(TWO_10_NET30, inv, net) == [("2026-09-10", m("20.00"))]
    short = paid("2026-09-01", "1200.00", ("2026-09-10", "1176.00"))._replace(tax=m("200.00"))
    assert taken(TWO_10_NET30, short, net) == []  # 4.00 short of 1,180.00
    assert taken(TWO_10_NET30, short) == [("2026-09-10", m("24.00"))]  # gross: 2 % of 1,200.00


def test_a_payment_dated_later_earns_nothing_yet() -> None:
    """As of a day, payments dated after it do not count (rule "as of a date")."""
    inv = invoice(
        "INV-1", "2026-09-01", "1000.00", terms="2-10-net30", paid=[("2026-09-11", "980.00")]
    )
    policy = make_policy(terms=TERMS)
    balances = account_balances(EvaluationContext(policy), account("C1", inv), d("2026-09-10"))
    assert [i.open for i in balances.invoices] == [m("1000.00")]


def test_the_ledger_is_returned_as_it_is_when_nothing_was_earned() -> None:
    ledger = account("C1", paid("2026-09-01", "1000.00", ("2026-09-20", "980.00")))
    assert with_earned_discounts(make_policy(terms=TERMS), ledger, TWO_10_NET30) is ledger


def test_earned_discounts_are_applied_once() -> None:
    """The ledger with its discounts written off gives the same ledger again."""
    ledger = account("C1", paid("2026-09-01", "1000.00", ("2026-09-06", "490.00")))
    policy = make_policy(terms=TERMS, discounts=PROPORTIONAL)
    once = with_earned_discounts(policy, ledger, TWO_10_NET30)
    assert once is not ledger
    assert with_earned_discounts(policy, once, TWO_10_NET30) is once


@pytest.mark.parametrize(
    ("term", "words"),
    [
        (TWO_10_NET30, "2 % discount within 10 days, otherwise net 30 days"),
        (
            THREE_10_TWO_20_NET45,
            "3 % discount within 10 days, 2 % within 20 days, otherwise net 45 days",
        ),
        (FIXED_25, "GBP 25.00 discount within 10 days, otherwise net 30 days"),
        (
            TWO_10TH_PROX,
            "2 % discount up to the 10th of the following month, otherwise due on the 25th of "
            "the following month",
        ),
    ],
    ids=["2-10", "tiers", "fixed", "prox"],
)
def test_describe_term_with_discounts(term: Term, words: str) -> None:
    assert describe_term(term) == words


# --- properties --------------------------------------------------------------------------------

CENTS = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c).scaleb(-2))


@settings(max_examples=200, deadline=None)
@given(amount=CENTS, day=st.integers(min_value=0, max_value=20))
def test_paying_the_discounted_amount_in_any_tier_always_settles(amount: Decimal, day: int) -> None:
    """Whatever the amount, paying it less the discount of the tier the day is in, within
    3/10, 2/20, net 45, leaves nothing owed, and what is written off is that discount."""
    issued = d("2026-09-01")
    percent = m("3") if day <= 10 else m("2")
    discount = (amount * percent / 100).quantize(m("0.01"), rounding="ROUND_HALF_UP")
    when = (issued + timedelta(days=day)).isoformat()
    inv = paid("2026-09-01", str(amount), (when, str(amount - discount)))
    written_off = taken(THREE_10_TWO_20_NET45, inv)
    assert written_off == ([(when, discount)] if discount > 0 else [])


@settings(max_examples=200, deadline=None)
@given(
    amount=CENTS,
    payments=st.lists(
        st.tuples(st.integers(min_value=0, max_value=50), CENTS), min_size=1, max_size=5
    ),
    proportional=st.booleans(),
)
def test_a_discount_never_takes_more_than_is_owed_or_than_the_best_tier(
    amount: Decimal, payments: list[tuple[int, Decimal]], proportional: bool
) -> None:
    """What is written off is never negative, never more than the payments up to it left owing,
    and never more than the best tier's discount (plus a cent of rounding a payment, when part
    payments earn their share)."""
    issued = d("2026-09-01")
    cash = [((issued + timedelta(days=day)).isoformat(), str(value)) for day, value in payments]
    inv = paid("2026-09-01", str(amount), *cash)
    settings_ = PROPORTIONAL if proportional else GROSS_ALL_OR_NOTHING
    found = taken(THREE_10_TWO_20_NET45, inv, settings_)
    assert all(value > 0 for _, value in found)
    total = sum((value for _, value in found), Decimal(0))
    if found:
        last = found[-1][0]
        paid_by_then = sum((Decimal(value) for when, value in cash if when <= last), Decimal(0))
        assert paid_by_then + total <= amount
    best = (amount * 3 / 100).quantize(m("0.01"), rounding="ROUND_HALF_UP")
    assert total <= best + m("0.01") * len(payments)
