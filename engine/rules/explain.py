"""The reasons in words: why an action is on the list, or why something is held back.

Every sentence here is built only for what reaches the output (an action's invoices, a
suppression), never for every open invoice: a daily run looks at hundreds of thousands. The
longest ones (an invoice's step, the catch-up, the agency's file) are not even built then, but
when first read (``later``): a run can put a hundred thousand actions on the list, and a person
reads some of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, ParamSpec

from engine.model.actions import Reason
from engine.model.ledger import ActionRecord, Dispute, Invoice, PaymentPlan, Promise
from engine.model.money import format_money
from engine.model.policy import CreditLimit, CreditReview, Pause, Step, Term
from engine.rules.effective import EffectivePolicy
from engine.rules.terms import discount_amount

_P = ParamSpec("_P")

# The storage of Reason's own fields, written once by a deferred reason when first read.
_TEXT: Any = Reason.__dict__["text"]
_FACTS: Any = Reason.__dict__["facts"]


class _Deferred(Reason):
    """A ``Reason`` whose text and facts are worked out when first read (see ``later``).

    It reads, compares, copies and pickles as the ``Reason`` it stands for: ``text`` and
    ``facts`` are computed on first access and kept; ``==`` compares them with any ``Reason``;
    a copy or a pickle is a plain ``Reason``. ``isinstance(r, Reason)`` holds.
    """

    __slots__ = ("_make",)

    _make: tuple[Callable[..., Reason], tuple[Any, ...], dict[str, Any]] | None

    def __init__(self, text: str, facts: Mapping[str, str] | None = None) -> None:
        # The dataclass's signature, so that dataclasses.replace() works on it.
        _TEXT.__set__(self, text)
        _FACTS.__set__(self, {} if facts is None else facts)
        _MAKE.__set__(self, None)

    def _resolve(self) -> None:
        make = self._make
        if make is not None:
            made = make[0](*make[1], **make[2])
            _TEXT.__set__(self, made.text)
            _FACTS.__set__(self, made.facts)
            _MAKE.__set__(self, None)  # let go of the inputs

    @property  # read-only, like the frozen field it stands for
    def text(self) -> str:
        """Return the reason in words."""
        if self._make is not None:
            self._resolve()
        text: str = _TEXT.__get__(self, Reason)
        return text

    @property  # read-only, like the frozen field it stands for
    def facts(self) -> Mapping[str, str]:
        """Return the facts behind the reason."""
        if self._make is not None:
            self._resolve()
        facts: Mapping[str, str] = _FACTS.__get__(self, Reason)
        return facts

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Reason):
            return (self.text, self.facts) == (other.text, other.facts)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment] # as Reason's: its facts are a dict

    def __repr__(self) -> str:
        return f"Reason(text={self.text!r}, facts={self.facts!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Reason, (self.text, self.facts))

    def __copy__(self) -> Reason:
        return Reason(self.text, self.facts)

    def __deepcopy__(self, memo: dict[int, Any]) -> Reason:
        return Reason(self.text, dict(self.facts))


_MAKE: Any = _Deferred.__dict__["_make"]
_new = object.__new__


def later(make: Callable[_P, Reason], *args: _P.args, **kwargs: _P.kwargs) -> Reason:
    """Return the reason ``make(*args, **kwargs)``, worked out when its text or facts are first
    read.

    The arguments must not change in the meantime: records, tuples, frozen dataclasses.
    """
    reason = _new(_Deferred)
    _MAKE.__set__(reason, (make, args, kwargs))
    return reason


def days(n: int) -> str:
    """Return ``1 day`` or ``n days``."""
    return "1 day" if abs(n) == 1 else f"{abs(n)} days"


def quoted(names: Iterable[str]) -> str:
    """Return ``'a', 'b' and 'c'``."""
    items = [f"'{name}'" for name in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class StepSentence(NamedTuple):
    """What the reason of every invoice at the same dates, step and policy layer shares."""

    when: str  # " is 15 days overdue; the step 'second-reminder' (due+14d) fell due on ..."
    facts: Mapping[str, str]


def step_sentence(  # noqa: PLR0917 - the facts of one sentence
    step: Step,
    step_due: date,
    occurrence: int,
    anchor_date: date,
    due: date,
    days_overdue: int,
    policy: EffectivePolicy,
    terms: str,
    terms_decided_by: str,
    explicit_due: bool,
) -> StepSentence:
    """Return the part of an invoice's reason that does not depend on the invoice itself.

    Invoices sharing dates, step and policy layer share it, so it is worked out once a day.
    """
    delay = policy.delay.get(step.id, 0)
    how = str(step.at)
    if delay:
        how += f", delayed {days(delay)} for this customer"
    if days_overdue > 0:
        clause = f" is {days(days_overdue)} overdue"
    elif days_overdue == 0:
        clause = " falls due today"
    else:
        clause = f" falls due on {due.isoformat()}, in {days(days_overdue)}"
    if occurrence:
        every = (
            ("1 month" if step.repeat_months == 1 else f"{step.repeat_months} months")
            if step.repeat_months
            else days(step.repeat_days or 0)
        )
        limit = f", {step.max_repeats} times at most," if step.max_repeats else ""
        tail = (
            f"; the step '{step.id}' ({how}) repeats every {every}{limit} until paid and "
            f"repetition {occurrence} fell due on {step_due.isoformat()}."
        )
        if step.max_repeats is not None and occurrence >= step.max_repeats:
            last = policy.ladder.steps[-1] is step
            tail += (
                f" It is the last repetition: after it the ladder '{policy.ladder.name}' is "
                "finished for this invoice and nothing more is sent."
                if last
                else " It is the last repetition."
            )
    else:
        tail = f"; the step '{step.id}' ({how}) fell due on {step_due.isoformat()}."
    facts = {
        "due_date": due.isoformat(),
        "anchor": step.at.anchor,
        "anchor_date": anchor_date.isoformat(),
        "offset": str(step.at),
        "step_date": step_due.isoformat(),
        "days_overdue": str(days_overdue),
        "ladder": policy.ladder.name,
        "ladder_decided_by": policy.decided_by["ladder"],
        "terms": terms,
        "terms_decided_by": terms_decided_by,
    }
    if explicit_due:
        facts["due_decided_by"] = "invoice (explicit due date)"
    if delay:
        facts["delay_days"] = str(delay)
        facts["delay_decided_by"] = policy.decided_by["delay"]
    if occurrence:
        facts["occurrence"] = str(occurrence)
        if step.repeat_months:
            facts["repeat_months"] = str(step.repeat_months)
        else:
            facts["repeat_days"] = str(step.repeat_days)
        if step.max_repeats is not None:
            facts["max_repeats"] = str(step.max_repeats)
    return StepSentence(clause + tail, facts)


def invoice_reason(
    invoice: Invoice,
    open_amount: Decimal,
    shared: StepSentence,
    discount: tuple[date, Decimal] | None = None,
) -> Reason:
    """Return why ``invoice`` is in the action of its step (rule "reasons"):

    "Invoice INV-1001 (GBP 1,200.00 open) is 15 days overdue; the step 'second-reminder'
    (due+14d) fell due on 2026-11-08."
    """
    facts = {
        "invoice": invoice.id,
        "currency": invoice.currency,
        "open": f"{open_amount}",
        **shared.facts,
    }
    if discount is not None:
        facts["discount_deadline"] = discount[0].isoformat()
        facts["discount_amount"] = f"{discount[1]}"
    text = f"Invoice {invoice.id} ({format_money(open_amount, invoice.currency)} open)"
    return Reason(text + shared.when, facts)


def invoice_step_reason(  # noqa: PLR0917 - the facts of one invoice at one step
    invoice: Invoice,
    open_amount: Decimal,
    step: Step,
    dates: tuple[date, date, date, date | None],
    occurrence: int,
    days_overdue: int,
    policy: EffectivePolicy,
    term: Term,
    terms_decided_by: str,
) -> Reason:
    """Return why ``invoice`` is in the action of ``step`` (rule "reasons"), from its facts.

    ``dates`` are the step's date (of this occurrence), its anchor date and the invoice's due
    date and discount deadline: ``(step_due, anchor, due, discount_deadline)``.
    """
    step_due, anchor, due, deadline = dates
    shared = step_sentence(
        step,
        step_due,
        occurrence,
        anchor,
        due,
        days_overdue,
        policy,
        term.name,
        terms_decided_by,
        invoice.due is not None,
    )
    discount = None
    if deadline is not None:
        discount = (deadline, discount_amount(term, invoice.amount, invoice.currency))
    return invoice_reason(invoice, open_amount, shared, discount)


def unknown_terms_reason(invoice: Invoice, used: str) -> Reason:
    """Return the note that an invoice names terms the policy does not have."""
    return Reason(
        f"Invoice {invoice.id} names terms '{invoice.terms}', which the policy does not define; "
        f"its dates follow the customer's terms '{used}'. Add the terms to policies/terms.yaml "
        f"or correct the invoice.",
        {"invoice": invoice.id, "invoice_terms": invoice.terms or "", "terms": used},
    )


def catch_up_reason(step: Step, passed: Mapping[str, Sequence[str]]) -> Reason:
    """Return the note that lower steps were due too and are superseded (rule "catch-up")."""
    names = list(passed)
    lower = f"'{names[0]}'" if len(names) == 1 else quoted(names)
    lists = list(passed.values())
    invoices = (
        lists[0]
        if all(ids == lists[0] for ids in lists)
        else sorted({i for ids in lists for i in ids})
    )
    return Reason(
        f"Catch-up: {lower} also fell due and {'is' if len(names) == 1 else 'are'} superseded "
        f"by '{step.id}', so only this step is sent.",
        {"superseded_steps": ", ".join(names), "invoices": ", ".join(invoices)},
    )


def broken_promise_reason(promise: Promise, paid: Decimal) -> Reason:
    """Return the note that a promise to pay was broken, so chasing resumed."""
    promised = format_money(promise.amount, promise.currency)
    return Reason(
        f"The promise to pay {promised} by {promise.pay_by.isoformat()} ({promise.id}, made "
        f"{promise.made.isoformat()}) was broken: {format_money(paid, promise.currency)} paid "
        f"since, so chasing resumes.",
        {
            "promise": promise.id,
            "promised": f"{promise.amount}",
            "currency": promise.currency,
            "pay_by": promise.pay_by.isoformat(),
            "paid": f"{paid}",
        },
    )


def plan_arrears_reason(plan: PaymentPlan, paid: Decimal, due: Decimal, as_of: date) -> Reason:
    """Return the note that a payment plan is in arrears, so its invoices are chased again."""
    return Reason(
        f"Payment plan {plan.id} is in arrears: {format_money(paid, plan.currency)} paid of "
        f"{format_money(due, plan.currency)} due by {as_of.isoformat()}, so its invoices are "
        f"chased again.",
        {"plan": plan.id, "paid": f"{paid}", "due": f"{due}", "currency": plan.currency},
    )


def exempt_reason(what: str, policy: EffectivePolicy, step: Step) -> Reason:
    """Return the note that a customer is exempt from a step's fees or interest."""
    charge = "fee" if what == "fees" else "interest and compensation"
    return Reason(
        f"No {charge} with '{step.id}': the customer is exempt from {what} "
        f"({policy.decided_by['exempt']}).",
        {"exempt": what, "exempt_decided_by": policy.decided_by["exempt"]},
    )


def fee_cap_reason(
    currency: str, before: Decimal, after: Decimal, share: Decimal, overdue: Decimal
) -> Reason:
    """Return the note that charges were trimmed to the fee-share guardrail."""
    percent = f"{(share * 100).normalize():f}"
    return Reason(
        f"Fees and interest trimmed from {format_money(before, currency)} to "
        f"{format_money(after, currency)}: at most {percent} % of the overdue "
        f"{format_money(overdue, currency)} (guardrails.max_fee_share).",
        {
            "currency": currency,
            "charges_before": f"{before}",
            "charges_after": f"{after}",
            "max_fee_share": f"{share}",
            "overdue": f"{overdue}",
        },
    )


def interest_error_reason(invoice: Invoice, problem: str) -> Reason:
    """Return the note that interest could not be worked out for an invoice."""
    return Reason(
        f"No interest on invoice {invoice.id}: {problem}.",
        {"invoice": invoice.id, "interest_problem": problem},
    )


def credit_limit_reason(balance: Decimal, limit: CreditLimit, decided: str) -> Reason:
    """Return why an account goes on credit hold for exceeding its limit."""
    amount, currency = limit.amount, limit.currency
    return Reason(
        f"The open balance of {format_money(balance, currency)} exceeds the credit limit of "
        f"{format_money(amount, currency)} ({decided}): put the account on credit hold.",
        {
            "balance": f"{balance}",
            "credit_limit": f"{amount}",
            "currency": currency,
            "credit_limit_decided_by": decided,
        },
    )


def pause_release_reason(since: date, step: str, pause: Pause, decided: str) -> Reason:
    """Return why a paused account's credit hold is released (policy ``pauses``)."""
    until = pause.until.isoformat() if pause.until else "further notice"
    return Reason(
        f"The account has been on credit hold since {since.isoformat()} (step '{step}'); dunning "
        f"is paused until {until}: {pause.reason} ({decided}), and the policy releases a credit "
        "hold during a pause: release the hold.",
        {
            "on_hold_since": since.isoformat(),
            "hold_step": step,
            "paused_until": pause.until.isoformat() if pause.until else "further_notice",
            "pause_decided_by": decided,
        },
    )


def credit_review_reason(review: CreditReview, due: date, limit: CreditLimit | None) -> Reason:
    """Return why a customer's credit limit is due for review."""
    every = f"{review.every_months} month{'s' if review.every_months != 1 else ''}"
    shown = format_money(limit.amount, limit.currency) if limit else "no credit limit"
    return Reason(
        f"Credit limit review due since {due.isoformat()}: the limit ({shown}) is reviewed every "
        f"{every}, last on {review.last.isoformat()}. Review it, then write the date in "
        "credit_review.last of the customer file.",
        {
            "review_due": due.isoformat(),
            "last_review": review.last.isoformat(),
            "every_months": str(review.every_months),
            **({"credit_limit": f"{limit.amount}", "currency": limit.currency} if limit else {}),
        },
    )


def already_on_hold_reason(since: date, step: str) -> Reason:
    """Return the note that the account is already on credit hold."""
    return Reason(
        f"The account is already on credit hold since {since.isoformat()} (step '{step}'); "
        f"keep it there.",
        {"on_hold_since": since.isoformat(), "hold_step": step},
    )


def credit_release_reason(
    since: date, step: str, balance: Decimal | None, limit: CreditLimit | None
) -> Reason:
    """Return why an account's credit hold is released."""
    text = (
        f"The account has been on credit hold since {since.isoformat()} (step '{step}'); no open "
        f"invoice has reached a hold step any more"
    )
    facts = {"on_hold_since": since.isoformat(), "hold_step": step}
    if limit is not None and balance is not None:
        text += (
            f" and the open balance of {format_money(balance, limit.currency)} is within the "
            f"credit limit of {format_money(limit.amount, limit.currency)}"
        )
        facts |= {
            "balance": f"{balance}",
            "credit_limit": f"{limit.amount}",
            "currency": limit.currency,
        }
    return Reason(text + ": release the hold.", facts)


def escalation_reason(
    policy: EffectivePolicy,
    step: Step,
    invoices: Sequence[tuple[Invoice, Decimal, date]],
    history: Iterable[ActionRecord],
    contact_steps: frozenset[str],
) -> Reason:
    """Return the file an agency or solicitor needs: who, what is owed, and the chasing so far."""
    contacts = "; ".join(
        " ".join(
            part
            for part in (
                c.name,
                f"<{c.email}>" if c.email else "",
                c.phone,
                f"({c.role})" if c.role else "",
            )
            if part
        )
        for c in policy.contacts
    )
    owed = "; ".join(
        f"{inv.id} issued {inv.issued.isoformat()}, due {due.isoformat()}, "
        f"{format_money(amount, inv.currency)} open"
        for inv, amount, due in invoices
    )
    chased = "; ".join(
        f"{r.date.isoformat()} {r.step} ({', '.join(r.invoice_ids)})"
        for r in sorted(history, key=lambda r: (r.date, r.step, r.invoice_ids))
        if r.status == "done" and r.step in contact_steps
    )
    target = step.to or "agency"
    return Reason(
        f"Escalate to {target}: {policy.customer_name} ({policy.customer_id}) owes {owed}. "
        f"Contacts: {contacts or 'none on file'}. Chased: {chased or 'no contact recorded'}.",
        {
            "escalate_to": target,
            "customer_id": policy.customer_id,
            "customer_name": policy.customer_name,
            "contacts": contacts,
            "invoices": owed,
            "contact_history": chased,
            "owner": policy.owner or "",
        },
    )


# Suppression texts -------------------------------------------------------------------------------


def dispute_text(dispute: Dispute, step: str) -> str:
    """Return why a disputed invoice is not chased."""
    why = f": {dispute.reason}" if dispute.reason else ""
    return (
        f"Invoice {dispute.invoice_id} is disputed ({dispute.id}, opened "
        f"{dispute.opened.isoformat()}{why}); the step '{step}' waits until the dispute is "
        f"resolved."
    )


def pause_text(pause: Pause, decided: str, step: str) -> str:
    """Return why a paused customer is not chased."""
    until = pause.until.isoformat() if pause.until else "further notice"
    return f"Dunning is paused until {until}: {pause.reason} ({decided}); the step '{step}' waits."


def promise_text(promise: Promise, step: str) -> str:
    """Return why a customer who promised to pay is not chased."""
    return (
        f"Promised to pay {format_money(promise.amount, promise.currency)} by "
        f"{promise.pay_by.isoformat()} ({promise.id}, made {promise.made.isoformat()}); the step "
        f"'{step}' waits until then."
    )


def plan_text(plan: PaymentPlan, paid: Decimal, due: Decimal, step: str) -> str:
    """Return why invoices under a payment plan in good standing are not chased."""
    return (
        f"Payment plan {plan.id} is in good standing ({format_money(paid, plan.currency)} paid of "
        f"{format_money(due, plan.currency)} due so far); the step '{step}' waits while it is kept."
    )


def min_balance_text(balance: Decimal, minimum: Decimal, currency: str, overdue: bool) -> str:
    """Return why a small balance is not chased."""
    which = "overdue balance" if overdue else "open balance"
    return (
        f"The {which} of {format_money(balance, currency)} is below the minimum of "
        f"{format_money(minimum, currency)} (policy min_balance): nobody is chased for it."
    )


def closed_day_text(day: date, why: str, step: str, next_open: date) -> str:
    """Return why no contact goes out on a closed day."""
    return (
        f"{day.isoformat()} is a closed day ({why}): no contact on closed days "
        f"(guardrails.contact_days: business); '{step}' goes out on {next_open.isoformat()}."
    )


def contact_limit_text(recent: int, kept: int, limit: int, step: str) -> str:
    """Return why a contact is held back by the contact guardrail."""
    today = f" and {kept} higher step{'' if kept == 1 else 's'} today" if kept else ""
    return (
        f"{recent} contact{'' if recent == 1 else 's'} in the last 7 days{today} reach the limit "
        f"of {limit} (guardrails.max_contacts_per_7_days): '{step}' waits."
    )
