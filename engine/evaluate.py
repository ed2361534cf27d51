"""The daily action list: what to do today for each customer, what is held back, and why.

Pure: the policy, the ledger (with its action history) and the date come in, the evaluation goes
out; no file, database, clock or network. Customers are evaluated one at a time
(``evaluate_customer``) so a caller can stream them and split them across processes; the rules
are written out, with the names the tests cite, in docs/rules/ladder.md.

The inner loops run once per invoice of a ledger of a million: they touch only tuples and cached
per-date answers; the action log is read once per customer; the reasons in words are built only
for invoices that make an action, and only when first read (``explain.later``).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import NamedTuple

from engine.model.actions import (
    Action,
    ActionInvoice,
    Charge,
    Evaluation,
    PolicyVersion,
    Reason,
    Superseded,
    Suppression,
)
from engine.model.ledger import (
    ActionStatus,
    CreditNote,
    CustomerLedger,
    Dispute,
    Invoice,
    Payment,
    PaymentPlan,
    Promise,
    Settlement,
)
from engine.model.money import ROUNDING_NAME, ZERO, format_money, minor_units
from engine.model.policy import Ladder, Offset, Pause, Policy, Step, StepAction
from engine.rules import explain
from engine.rules.calendar import BusinessCalendar
from engine.rules.effective import EffectivePolicies, EffectivePolicy
from engine.rules.fees import (
    MissingReferenceRateError,
    compensation,
    fee_amount,
    statutory_interest,
)
from engine.rules.ladder import (
    DayDates,
    Pending,
    StepDates,
    passed_over,
    pending_in,
    top_step,
)

CREDIT_LIMIT_STEP = "credit-limit"
CREDIT_RELEASE_STEP = "credit-release"
CONTACT_CHANNELS = frozenset({"email", "phone", "letter", "sms"})

_NO_CURRENCIES: frozenset[str] = frozenset()
_NO_STEPS: frozenset[int] = frozenset()
_ONE_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_DONE = ActionStatus.DONE
_tuple = tuple.__new__


class CustomerOutcome(NamedTuple):
    """One customer's part of the daily list."""

    actions: tuple[Action, ...]
    suppressions: tuple[Suppression, ...]
    superseded: tuple[Superseded, ...]


_EMPTY = CustomerOutcome((), (), ())


class LadderFacts:
    """What the evaluation asks of a ladder again and again, worked out once."""

    __slots__ = ("contact_ids", "hold_steps", "min_balance_steps", "positions")

    def __init__(self, ladder: Ladder, contact_ids_anywhere: frozenset[str]) -> None:
        self.positions = {step.id: i for i, step in enumerate(ladder.steps)}
        self.min_balance_steps = tuple(
            (i, step.min_balance) for i, step in enumerate(ladder.steps) if step.min_balance
        )
        self.hold_steps = frozenset(
            i for i, step in enumerate(ladder.steps) if step.action is StepAction.CREDIT_HOLD
        )
        own = frozenset(step.id for step in ladder.steps if step.is_contact)
        # A step id the ladder does not have (the customer moved ladders) counts as a contact when
        # another ladder has it as one.
        self.contact_ids = own | (contact_ids_anywhere - self.positions.keys())


class EvaluationContext:
    """A policy made ready for evaluation: its calendar and the caches shared across customers.

    Build one per policy and pass it to ``evaluate_customer`` for every customer (and day).
    """

    __slots__ = (
        "_ladders",
        "calendar",
        "contact_ids",
        "currency_rules",
        "dates",
        "effective",
        "hold_ids",
        "hold_or_release",
        "policy",
    )

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.calendar = BusinessCalendar(policy.calendar)
        self.effective = EffectivePolicies(policy)
        self.dates = StepDates(self.calendar, policy.due_date_roll)
        self.currency_rules = any("currency" in rule.when for rule in policy.assignment)
        steps = [step for ladder in policy.ladders.values() for step in ladder.steps]
        self.contact_ids = frozenset(step.id for step in steps if step.is_contact)
        self.hold_ids = frozenset(
            step.id for step in steps if step.action is StepAction.CREDIT_HOLD
        ) | {CREDIT_LIMIT_STEP}
        self.hold_or_release = self.hold_ids | {CREDIT_RELEASE_STEP}
        self._ladders: dict[str, LadderFacts] = {}

    def ladder_facts(self, ladder: Ladder) -> LadderFacts:
        """Return the worked-out facts of ``ladder``."""
        facts = self._ladders.get(ladder.name)
        if facts is None:
            facts = LadderFacts(ladder, self.contact_ids)
            self._ladders[ladder.name] = facts
        return facts

    def day_dates(
        self, key: tuple[object, ...], invoice: Invoice, policy: EffectivePolicy
    ) -> DayDates:
        """Return the invoice's dates for the current day, computing them on a cache miss."""
        term = self.policy.terms.get(invoice.terms) if invoice.terms else None
        return self.dates.compute(
            key, policy.ladder, term or policy.term, invoice.issued, invoice.due, policy.delay
        )


def action_id(customer_id: str, step_id: str, occurrence: int, invoice_ids: Iterable[str]) -> str:
    """Return the stable id of an action (rule "action id").

    The same customer, step, occurrence and invoices give the same id on every run, so an
    action recorded as done is recognised the next day.
    """
    return _action_id(customer_id, step_id, occurrence, sorted(invoice_ids))


def _action_id(customer_id: str, step_id: str, occurrence: int, ordered_ids: list[str]) -> str:
    """Return ``action_id`` of invoice ids already in order."""
    text = "\x1f".join([customer_id, step_id, str(occurrence), *ordered_ids])
    return "act_" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def evaluate(
    policy: Policy, ledger: Iterable[CustomerLedger], as_of: date, version: PolicyVersion
) -> Evaluation:
    """Return the daily action list for ``as_of``, stamped with ``version``.

    Deterministic: the same inputs in any order give the same list (rule "deterministic output").
    """
    context = EvaluationContext(policy)
    actions: list[Action] = []
    suppressions: list[Suppression] = []
    superseded: list[Superseded] = []
    customers = invoices = 0
    # Each customer's lists come sorted, customer first in every sort key: while customers
    # arrive in id order (as the store streams them), joining the lists keeps them sorted.
    in_order = True
    last = ""
    # The evaluation builds no reference cycles, but allocates enough to set off the cyclic
    # collector again and again, and each full pass walks the whole ledger held in memory
    # (PERFORMANCE.md: a third to a half of the time). It stays off for the final sort, which
    # makes a key tuple per item, and is switched back on when done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for customer_ledger in ledger:
            outcome = evaluate_customer(context, customer_ledger, as_of)
            customers += 1
            invoices += len(customer_ledger.invoices)
            customer_id = customer_ledger.customer.id
            if customer_id <= last and customers > 1:
                in_order = False
            last = customer_id
            if outcome is not _EMPTY:
                actions.extend(outcome.actions)
                suppressions.extend(outcome.suppressions)
                superseded.extend(outcome.superseded)
        if not in_order:
            actions.sort(key=action_order)
            suppressions.sort(key=suppression_order)
            superseded.sort(key=superseded_order)
        return Evaluation(
            as_of=as_of,
            policy_version=version,
            actions=tuple(actions),
            suppressions=tuple(suppressions),
            superseded=tuple(superseded),
            customers_evaluated=customers,
            invoices_evaluated=invoices,
        )
    finally:
        if collecting:
            gc.enable()


def action_order(action: Action) -> tuple[str, int, int, str]:
    """Return the sort key of actions: customer, step rank, occurrence, id."""
    return (action.customer_id, action.step_index, action.occurrence, action.id)


def suppression_order(item: Suppression) -> tuple[str, str, str, tuple[str, ...], str]:
    """Return the sort key of suppressions: customer, code, step, invoices, text."""
    return (item.customer_id, item.code, item.step or "", item.invoice_ids, item.text)


def superseded_order(item: Superseded) -> tuple[str, str, str, tuple[str, ...]]:
    """Return the sort key of superseded steps: customer, action, step, invoices."""
    return (item.customer_id, item.action_id, item.step, item.invoice_ids)


def evaluate_customer(
    context: EvaluationContext, customer_ledger: CustomerLedger, as_of: date
) -> CustomerOutcome:
    """Return one customer's actions, suppressions and superseded steps on ``as_of``."""
    opens: list[tuple[Invoice, Decimal]] = []
    # Rule "open amounts": the amount less what was paid or credited on or before the day.
    for invoice in customer_ledger.invoices:
        # Unpacked at once: cheaper than three attribute reads of a NamedTuple.
        _, _, issued, amount, _, _, _, settlements = invoice
        if issued > as_of:
            continue
        if settlements:
            if len(settlements) == 1:
                # Most invoices are paid in one go: no arithmetic for them.
                first = settlements[0]
                if first.date > as_of:
                    if amount > 0:
                        opens.append((invoice, amount))
                    continue
                if first.amount == amount:
                    continue
                amount -= first.amount
            else:
                for settlement in settlements:
                    if settlement.date <= as_of:
                        amount -= settlement.amount
        if amount > 0:
            opens.append((invoice, amount))
    if not opens and not customer_ledger.history:
        return _EMPTY
    return _Customer(context, customer_ledger, as_of).run(opens)


class _Item(NamedTuple):
    """An open invoice with a step pending today."""

    invoice: Invoice
    open: Decimal
    day: DayDates
    pending: Pending


class _Held(NamedTuple):
    code: str
    step: int
    occurrence: int
    text: str
    until: date | None


class _Customer:
    """One customer's evaluation on one day; the state its rules share."""

    __slots__ = (
        "allocated",
        "as_of",
        "context",
        "disputes",
        "hold",
        "ineligible",
        "ladder",
        "ledger",
        "open_total",
        "overdue_total",
        "policy",
        "reached",
        "rules",
        "steps",
    )

    def __init__(self, context: EvaluationContext, ledger: CustomerLedger, as_of: date) -> None:
        self.context = context
        self.ledger = ledger
        self.as_of = as_of
        currencies = (
            frozenset(inv.currency for inv in ledger.invoices)
            if context.currency_rules
            else _NO_CURRENCIES
        )
        # The inner loops need only the layers the customer shares with others like it; its
        # own name and contacts (``policy``) are looked up once it has something to show.
        self.rules = context.effective.shared(ledger.customer, currencies)
        self.policy = self.rules
        self.ladder = context.ladder_facts(self.rules.ladder)
        self.steps = self.rules.ladder.steps
        self.allocated: dict[str, list[Settlement]] = {}
        self.open_total: dict[str, Decimal] = {}
        self.overdue_total: dict[str, Decimal] = {}
        self.ineligible: dict[str, frozenset[int]] = {}
        self.hold: tuple[date, str] | None = None
        # The open invoices that reached an eligible step: invoice, open amount, dates, top step.
        self.reached: list[tuple[Invoice, Decimal, DayDates, int]] = []
        self.disputes: dict[str, Dispute] = {}
        if ledger.disputes:
            for dispute in sorted(ledger.disputes, key=lambda d: d.id, reverse=True):
                if dispute.open_on(as_of):
                    self.disputes[dispute.invoice_id] = dispute

    # -- the day's work, rule by rule ------------------------------------------------------------

    def run(self, opens: list[tuple[Invoice, Decimal]]) -> CustomerOutcome:
        context, policy, as_of = self.context, self.rules, self.as_of
        dates = context.dates
        dates.set_day(as_of)
        by_key = dates.by_key
        ladder_name = policy.ladder.name
        term_name = policy.term.name
        delay_key = tuple(sorted(policy.delay.items())) if policy.delay else ()

        if opens and self.ledger.unapplied and context.policy.unapplied_cash == "oldest_first":
            opens = self._apply_unapplied(opens, ladder_name, term_name, delay_key)

        open_total = self.open_total
        for invoice, remaining in opens:
            currency = invoice.currency
            open_total[currency] = open_total.get(currency, ZERO) + remaining
        self._eligibility()

        # Rules "step dates" and "step reached", per open invoice: the hot path.
        ineligible = self.ineligible
        overdue_total = self.overdue_total
        # Overdue balances only matter to the policy's minimum balance.
        count_overdue = bool(context.policy.min_balance)
        plain = dates.by_issue_date(ladder_name, term_name, delay_key)
        reached_by: list[tuple[Invoice, Decimal, DayDates, int]] = []
        for invoice, remaining in opens:
            _, _, issued, _, currency, terms, due, _ = invoice
            if terms is None and due is None:
                day = plain.get(issued)
                if day is None:
                    key: tuple[object, ...] = (ladder_name, term_name, issued, None, delay_key)
                    day = by_key.get(key) or context.day_dates(key, invoice, policy)
                    plain[issued] = day
            else:
                key = (ladder_name, terms or term_name, issued, due, delay_key)
                day = by_key.get(key)
                if day is None:
                    day = context.day_dates(key, invoice, policy)
            _, reached, days_overdue = day
            if count_overdue and days_overdue > 0:
                overdue_total[currency] = overdue_total.get(currency, ZERO) + remaining
            if not reached:
                continue
            if ineligible:
                top = top_step(day, ineligible.get(currency, _NO_STEPS))
                if top is None:
                    continue
            else:
                top = reached[0]
            reached_by.append((invoice, remaining, day, top))

        items = self._pending(reached_by)
        self.reached = reached_by
        if not items:
            if self.hold is None:
                if policy.credit_limit is None:
                    return _EMPTY
            elif self._hold_cause_remains():
                return _EMPTY  # on credit hold, and still for a reason: nothing to do today
        self.policy = context.effective.get(self.ledger.customer, self.rules_key())
        groups, held = self._suppress(items)
        actions, superseded = self._actions(groups)
        actions += self._credit(opens, actions)
        actions, guarded = self._guardrails(actions)
        if not actions and not held and not guarded:
            return _EMPTY
        if len(actions) > 1:
            actions.sort(key=action_order)
        held += guarded
        if len(held) > 1:
            held.sort(key=suppression_order)
        if superseded:
            kept = {a.id for a in actions}
            superseded = sorted(
                (s for s in superseded if s.action_id in kept), key=superseded_order
            )
        return CustomerOutcome(tuple(actions), tuple(held), tuple(superseded))

    def rules_key(self) -> frozenset[str]:
        """Return the currencies the customer's assignment rules were matched on."""
        if not self.context.currency_rules:
            return _NO_CURRENCIES
        return frozenset(inv.currency for inv in self.ledger.invoices)

    def _pending(self, reached_by: list[tuple[Invoice, Decimal, DayDates, int]]) -> list[_Item]:
        """Return the invoices whose reached step is still to be done (rule "history").

        Reads the action log once: whether the account is on credit hold, and per invoice the
        highest step recorded (done, skipped or superseded). Below the step reached, the step
        is pending; at or above it, it is not, unless it repeats (``pending_in`` decides those).
        """
        history = self.ledger.history
        if not history:
            # The first run: every invoice that reached a step has it pending. Built with
            # tuple.__new__, as the reader builds its records: the NamedTuple's own __new__ is a
            # Python function, and this runs for every open invoice.
            return [
                _tuple(
                    _Item,
                    (
                        inv,
                        remaining,
                        day,
                        _tuple(Pending, (top, 0, -1, day.dates.steps[top] or day.dates.due)),
                    ),
                )
                for inv, remaining, day, top in reached_by
            ]
        positions = self.ladder.positions
        floor_of: dict[str, int] = {}
        known = floor_of.get
        hold_steps = self.context.hold_or_release
        last_hold: tuple[date, str] | None = None
        last_release: date | None = None
        failed = ActionStatus.FAILED
        # The log is the longest list a customer has: each record is unpacked in the loop header
        # and touched as little as possible.
        for _, _, step, invoice_ids, on, status, _, _, _ in history:
            if step in hold_steps and status == _DONE:
                if step == CREDIT_RELEASE_STEP:
                    if last_release is None or on > last_release:
                        last_release = on
                elif last_hold is None or (on, step) > last_hold:
                    last_hold = (on, step)
            index = positions.get(step)
            if index is None or status == failed:
                continue
            for invoice_id in invoice_ids:
                if known(invoice_id, -1) < index:
                    floor_of[invoice_id] = index
        # On hold: the latest hold done is not followed by a release done on or after its day.
        if last_hold is not None and (last_release is None or last_release < last_hold[0]):
            self.hold = last_hold
        steps, as_of = self.steps, self.as_of
        items: list[_Item] = []
        for inv, remaining, day, top in reached_by:
            floor = known(inv.id, -1)
            if floor < top:
                step_due = day.dates.steps[top]
                assert step_due is not None  # a reached step has a date
                first = _tuple(Pending, (top, 0, floor, step_due))
                items.append(_tuple(_Item, (inv, remaining, day, first)))
            elif steps[top].repeat_days:
                records = [r for r in history if inv.id in r.invoice_ids]
                again = pending_in(top, day, records, positions, steps, as_of)
                if again is not None:
                    items.append(_Item(inv, remaining, day, again))
            # else the step, or a later one, was worked already
        return items

    def _eligibility(self) -> None:
        """Work out, per currency, the steps this customer may not reach (skipped, min_balance)."""
        positions = self.ladder.positions
        skip = self.rules.skip
        skipped = frozenset(positions[s] for s in skip if s in positions) if skip else _NO_STEPS
        minimums = self.ladder.min_balance_steps
        if not skipped and not minimums:
            return
        for currency, balance in self.open_total.items():
            below = [i for i, low in minimums if currency in low and balance < low[currency]]
            if skipped or below:
                self.ineligible[currency] = skipped.union(below)

    def _apply_unapplied(
        self,
        opens: list[tuple[Invoice, Decimal]],
        ladder_name: str,
        term_name: str,
        delay_key: tuple[object, ...],
    ) -> list[tuple[Invoice, Decimal]]:
        """Apply unapplied cash and credits to the oldest open invoices first (rule "open amounts").

        Oldest: by due date, then issue date, then invoice id; only invoices in the same currency.
        """
        as_of = self.as_of
        cash: dict[str, list[Payment | CreditNote]] = {}
        for item in self.ledger.unapplied:
            if item.date <= as_of and item.amount > 0:
                cash.setdefault(item.currency, []).append(item)
        if not cash:
            return opens
        by_key = self.context.dates.by_key

        def oldest(entry: tuple[Invoice, Decimal]) -> tuple[date, date, str]:
            invoice = entry[0]
            key = (ladder_name, invoice.terms or term_name, invoice.issued, invoice.due, delay_key)
            day = by_key.get(key) or self.context.day_dates(key, invoice, self.rules)
            return (day.dates.due, invoice.issued, invoice.id)

        remaining = {inv.id: amount for inv, amount in opens}
        for currency, items in cash.items():
            queue = sorted((e for e in opens if e[0].currency == currency), key=oldest)
            position = 0
            for item in sorted(items, key=lambda i: (i.date, i.id)):
                left = item.amount
                kind = "credit_note" if isinstance(item, CreditNote) else "unapplied_cash"
                while left > 0 and position < len(queue):
                    invoice = queue[position][0]
                    take = min(left, remaining[invoice.id])
                    remaining[invoice.id] -= take
                    left -= take
                    self.allocated.setdefault(invoice.id, []).append(
                        Settlement(item.date, take, kind, item.id)
                    )
                    if remaining[invoice.id] <= 0:
                        position += 1
        return [(inv, remaining[inv.id]) for inv, _ in opens if remaining[inv.id] > 0]

    # -- rule "suppressions" ---------------------------------------------------------------------

    def _suppress(
        self, items: list[_Item]
    ) -> tuple[dict[tuple[int, int], list[_Item]], list[Suppression]]:
        """Split pending invoices into the day's groups and what is held back (and why)."""
        policy, as_of, ledger = self.policy, self.as_of, self.ledger
        pause = policy.pause if policy.pause is not None and policy.pause.until >= as_of else None
        promises: list[Promise] = []
        if ledger.promises:
            promises = [p for p in ledger.promises if p.made <= as_of <= p.pay_by]
            promises.sort(key=lambda p: (p.pay_by, p.id), reverse=True)
        plans = self._plans() if ledger.plans else {}
        minimums = self.context.policy.min_balance
        groups: dict[tuple[int, int], list[_Item]] = {}
        if not (self.disputes or pause or promises or plans) and self._above_minimums(minimums):
            # Nothing can hold an invoice back: no need to ask of each (the common case).
            for item in items:
                pending = item.pending
                groups.setdefault((pending.step, pending.occurrence), []).append(item)
            return groups, []
        held: dict[_Held, list[str]] = {}
        for item in items:
            invoice, step = item.invoice, self.steps[item.pending.step]
            why = self._held(item, step, pause, promises, plans, minimums)
            if why is None:
                groups.setdefault((item.pending.step, item.pending.occurrence), []).append(item)
            else:
                held.setdefault(why, []).append(invoice.id)
        name = policy.customer_name
        cid = policy.customer_id
        return groups, [
            Suppression(cid, name, h.code, h.text, self.steps[h.step].id, tuple(sorted(i)), h.until)
            for h, i in held.items()
        ]

    def _above_minimums(self, minimums: Mapping[str, Decimal]) -> bool:
        """Return whether no balance is below the policy's minimum (rule "minimum balance"):
        neither the open nor the overdue balance of any currency the customer has open."""
        if not minimums:
            return True
        overdue = self.overdue_total
        for currency, balance in self.open_total.items():
            minimum = minimums.get(currency)
            if minimum is not None and (balance < minimum or overdue.get(currency, ZERO) < minimum):
                return False
        return True

    def _held(  # noqa: PLR0917 - the state of the customer's suppressions, worked out once
        self,
        item: _Item,
        step: Step,
        pause: Pause | None,
        promises: Sequence[Promise],
        plans: Mapping[str, tuple[PaymentPlan, Decimal, Decimal, bool]],
        minimums: Mapping[str, Decimal],
    ) -> _Held | None:
        invoice, pending = item.invoice, item.pending
        index, occurrence = pending.step, pending.occurrence
        dispute = self.disputes.get(invoice.id)
        if dispute is not None:
            return _Held("dispute", index, occurrence, explain.dispute_text(dispute, step.id), None)
        if pause is not None:
            text = explain.pause_text(pause, self.policy.decided_by["pause"], step.id)
            return _Held("pause", index, occurrence, text, pause.until)
        for promise in promises:
            if not promise.invoice_ids or invoice.id in promise.invoice_ids:
                text = explain.promise_text(promise, step.id)
                return _Held("promise", index, occurrence, text, promise.pay_by)
        plan = plans.get(invoice.id)
        if plan is not None and plan[3]:
            text = explain.plan_text(plan[0], plan[1], plan[2], step.id)
            upcoming = [i.due for i in plan[0].instalments if i.due > self.as_of]
            return _Held("payment_plan", index, occurrence, text, min(upcoming, default=None))
        minimum = minimums.get(invoice.currency)
        if minimum is not None:
            overdue = item.day.days_overdue > 0
            totals = self.overdue_total if overdue else self.open_total
            balance = totals.get(invoice.currency, ZERO)
            if balance < minimum:
                text = explain.min_balance_text(balance, minimum, invoice.currency, overdue)
                return _Held("min_balance", index, occurrence, text, None)
        return None

    def _paid_between(self, start: date, currency: str) -> Decimal:
        """Return the payments (not credit notes) of the customer dated from ``start`` to today."""
        as_of = self.as_of
        paid = ZERO
        for invoice in self.ledger.invoices:
            if invoice.currency != currency:
                continue
            for s in invoice.settlements:
                if s.kind != "credit_note" and start <= s.date <= as_of:
                    paid += s.amount
        for item in self.ledger.unapplied:
            is_cash = isinstance(item, Payment) and item.currency == currency
            if is_cash and start <= item.date <= as_of:
                paid += item.amount
        return paid

    def _broken_promises(self) -> list[tuple[Promise, Decimal]]:
        """Return the promises whose date passed without the amount being paid (and what was)."""
        out = []
        for promise in sorted(self.ledger.promises, key=lambda p: (p.pay_by, p.id)):
            if promise.pay_by < self.as_of:
                paid = self._paid_between(promise.made, promise.currency)
                if paid < promise.amount:
                    out.append((promise, paid))
        return out

    def _plans(self) -> dict[str, tuple[PaymentPlan, Decimal, Decimal, bool]]:
        """Return, per invoice under a plan in force: the plan, paid, due so far, in good standing.

        In good standing: what was paid or credited on the plan's invoices since it was agreed
        covers the instalments due up to today.
        """
        as_of = self.as_of
        out: dict[str, tuple[PaymentPlan, Decimal, Decimal, bool]] = {}
        covered = {inv.id: inv for inv in self.ledger.invoices}
        for plan in sorted(self.ledger.plans, key=lambda p: (p.agreed, p.id)):
            if plan.agreed > as_of:
                continue
            paid = ZERO
            for invoice_id in plan.invoice_ids:
                invoice = covered.get(invoice_id)
                if invoice is None:
                    continue
                for s in (*invoice.settlements, *self.allocated.get(invoice_id, ())):
                    if plan.agreed <= s.date <= as_of:
                        paid += s.amount
            due = sum((i.amount for i in plan.instalments if i.due <= as_of), ZERO)
            for invoice_id in plan.invoice_ids:
                out[invoice_id] = (plan, paid, due, paid >= due)
        return out

    # -- rules "one action per step", "fees and interest", "reasons", "action id" ----------------

    def _actions(
        self, groups: dict[tuple[int, int], list[_Item]]
    ) -> tuple[list[Action], list[Superseded]]:
        actions: list[Action] = []
        superseded: list[Superseded] = []
        if not groups:
            return actions, superseded
        notes = self._resumed_notes() if self.ledger.promises or self.ledger.plans else []
        customer_id = self.policy.customer_id
        steps = self.steps
        known_terms = self.context.policy.terms
        decided = self.policy.decided_by
        layer = (decided["ladder"], decided["terms"], decided["delay"])
        self._add_passed_holds(groups)
        holds = self.ladder.hold_steps
        for (index, occurrence), items in sorted(groups.items()):
            if len(items) > 1:
                items.sort(key=lambda it: it.invoice.id)
            step = steps[index]
            ids = [it.invoice.id for it in items]  # in order: sorted just above
            aid = _action_id(customer_id, step.id, occurrence, ids)
            reasons: list[Reason] = []
            invoices: list[ActionInvoice] = []
            passed: dict[int, list[str]] = {}
            for it in items:
                invoice, day, pending = it.invoice, it.day, it.pending
                reasons.append(self._invoice_reason(step, it, layer))
                if invoice.terms and invoice.terms not in known_terms:
                    reasons.append(explain.unknown_terms_reason(invoice, self.policy.term.name))
                overdue = day.days_overdue
                invoices.append(
                    ActionInvoice(
                        invoice.id,
                        invoice.issued,
                        day.dates.due,
                        invoice.currency,
                        invoice.amount,
                        it.open,
                        overdue if overdue > 0 else 0,
                        pending.due,
                    )
                )
                if pending.occurrence or pending.step - pending.floor < 2:
                    continue  # nothing between the last step worked and this one
                inel = self.ineligible.get(invoice.currency, _NO_STEPS)
                for lower in passed_over(day, inel, pending):
                    if lower in holds:
                        continue  # a hold is placed, never superseded (_add_passed_holds)
                    found = passed.get(lower)
                    if found is None:
                        passed[lower] = [invoice.id]
                    else:
                        found.append(invoice.id)
            supersedes: tuple[str, ...] = ()
            if passed:
                by_id = {steps[i].id: passed[i] for i in sorted(passed)}
                supersedes = tuple(by_id)
                reasons.append(explain.later(explain.catch_up_reason, step, by_id))
                one = (ids[0],) if len(ids) == 1 else None  # the common case: one shared tuple
                for sid, sids in by_id.items():
                    lower_ids = one or tuple(sids)
                    superseded.append(Superseded(customer_id, sid, lower_ids, step.id, aid))
            if notes:
                covered = set(ids)
                reasons.extend(r for scope, r in notes if not scope or scope & covered)
            if step.action is not StepAction.CONTACT:
                reasons.extend(self._special_notes(step, items))
            charges: list[Charge] = []
            if step.fee is not None or step.interest is not None:
                charges, charge_reasons = self._charges(step, occurrence, items)
                reasons.extend(charge_reasons)
            actions.append(
                self._action(
                    aid, step, index, occurrence, tuple(invoices), charges, reasons, supersedes
                )
            )
        return actions, superseded

    def _add_passed_holds(self, groups: dict[tuple[int, int], list[_Item]]) -> None:
        """Add a credit hold for invoices whose catch-up jumps a hold step (rule "credit hold").

        Catch-up sends only the highest letter, but a credit hold is no letter: an account that
        is 60 days overdue and was never put on hold must go on hold today, next to its final
        notice. Nothing is added when the account is already on hold.
        """
        holds = self.ladder.hold_steps
        if not holds or self.hold is not None:
            return
        hold_order = sorted(holds)
        added: dict[int, list[_Item]] = {}
        for (index, occurrence), items in groups.items():
            if index in holds or occurrence:
                continue
            for it in items:
                pending = it.pending
                floor, top = pending.floor, pending.step
                if top - floor < 2:
                    continue
                inel = self.ineligible.get(it.invoice.currency, _NO_STEPS)
                reached = it.day.reached
                # The first hold step jumped over: passed_over(), asked of the few hold steps.
                for lower in hold_order:
                    if floor < lower < top and lower not in inel and lower in reached:
                        due = it.day.dates.steps[lower]
                        assert due is not None  # a reached step has a date
                        # floor just below the hold: the letters it jumped over are reported
                        # as superseded by the higher step, not a second time by the hold.
                        hold = _Item(it.invoice, it.open, it.day, Pending(lower, 0, lower - 1, due))
                        added.setdefault(lower, []).append(hold)
                        break  # one hold per invoice
        for index, items in added.items():
            groups.setdefault((index, 0), []).extend(items)

    def _special_notes(self, step: Step, items: Sequence[_Item]) -> list[Reason]:
        """Return what a hold or an escalation adds to the reasons."""
        notes: list[Reason] = []
        if step.action is StepAction.CREDIT_HOLD:
            if self.hold is not None:
                notes.append(explain.already_on_hold_reason(*self.hold))
            limit = self._limit_exceeded()
            if limit is not None:
                notes.append(limit)
        elif step.action is StepAction.ESCALATE:
            notes.append(
                explain.later(
                    explain.escalation_reason,
                    self.policy,
                    step,
                    [(it.invoice, it.open, it.day.dates.due) for it in items],
                    self.ledger.history,
                    self.ladder.contact_ids,
                )
            )
        return notes

    def _action(  # noqa: PLR0917 - the parts of one action
        self,
        aid: str,
        step: Step,
        index: int,
        occurrence: int,
        invoices: tuple[ActionInvoice, ...],
        charges: Sequence[Charge],
        reasons: Sequence[Reason],
        supersedes: tuple[str, ...] = (),
        kind: str | None = None,
    ) -> Action:
        if len(invoices) == 1:
            totals = {invoices[0].currency: invoices[0].open}
        else:
            summed: dict[str, Decimal] = {}
            for inv in invoices:
                summed[inv.currency] = summed.get(inv.currency, ZERO) + inv.open
            totals = dict(sorted(summed.items()))
        policy = self.policy
        contact = step.action is StepAction.CONTACT
        # Positional: this runs for every action of the day (see Action for the field names).
        return Action(
            aid,
            self.as_of,
            policy.customer_id,
            policy.customer_name,
            policy.ladder.name,
            step.id,
            index,
            kind or (step.channel or "email" if contact else step.action.value),
            step.channel if contact else None,
            step.template,
            policy.tone,
            policy.language,
            step.assign,
            policy.owner,
            invoices,
            totals,
            tuple(charges),
            tuple(reasons),
            supersedes,
            step.to if step.action is StepAction.ESCALATE else None,
            occurrence,
        )

    def _invoice_reason(self, step: Step, item: _Item, layer: tuple[str, str, str]) -> Reason:
        """Return the reason of one invoice; ``layer`` is who decided ladder, terms and delay.

        Its words are worked out when first read (``explain.later``).
        """
        invoice, day, pending = item.invoice, item.day, item.pending
        dates = day.dates
        term = self.policy.term
        if invoice.terms:
            term = self.context.policy.terms.get(invoice.terms) or term
        anchor = dates.anchors[pending.step]
        assert anchor is not None  # a pending step has an anchor
        return explain.later(
            explain.invoice_step_reason,
            invoice,
            item.open,
            step,
            (pending.due, anchor, dates.due, dates.discount_deadline),
            pending.occurrence,
            day.days_overdue,
            self.policy,
            term,
            "invoice" if invoice.terms == term.name else layer[1],
        )

    def _resumed_notes(self) -> list[tuple[frozenset[str], Reason]]:
        """Return notes for broken promises and plans in arrears, with the invoices they cover."""
        notes: list[tuple[frozenset[str], Reason]] = []
        if self.ledger.promises:
            for promise, paid in self._broken_promises():
                notes.append(
                    (frozenset(promise.invoice_ids), explain.broken_promise_reason(promise, paid))
                )
        if self.ledger.plans:
            seen: set[str] = set()
            for plan, paid, due, good in self._plans().values():
                if not good and plan.id not in seen:
                    seen.add(plan.id)
                    notes.append(
                        (
                            frozenset(plan.invoice_ids),
                            explain.plan_arrears_reason(plan, paid, due, self.as_of),
                        )
                    )
        return notes

    def _interest_history(self) -> dict[str, date]:
        """Return, per invoice, the last date interest (and compensation) was charged on it."""
        out: dict[str, date] = {}
        for record in self.ledger.history:
            if record.status == _DONE and record.interest is not None and record.interest > 0:
                for invoice_id in record.invoice_ids:
                    if invoice_id not in out or out[invoice_id] < record.date:
                        out[invoice_id] = record.date
        return out

    def _charges(
        self, step: Step, occurrence: int, items: Sequence[_Item]
    ) -> tuple[list[Charge], list[Reason]]:
        """Return a step's fees, interest and compensation, capped (rule "fees and interest")."""
        charges: list[Charge] = []
        reasons: list[Reason] = []
        if occurrence or (step.fee is None and step.interest is None):
            return charges, reasons  # a repetition charges nothing new
        rules = self.context.policy
        overdue: dict[str, Decimal] = {}
        for it in items:
            if it.day.days_overdue > 0:
                currency = it.invoice.currency
                overdue[currency] = overdue.get(currency, ZERO) + it.open
        if step.fee is not None:
            if "fees" in self.policy.exempt:
                reasons.append(explain.exempt_reason("fees", self.policy, step))
            else:
                fee = rules.fees[step.fee]
                for currency in sorted({it.invoice.currency for it in items}):
                    base = overdue.get(currency, ZERO)
                    amount = fee_amount(fee, base, currency)
                    if amount is None or amount <= 0:
                        continue
                    detail = (
                        f"fee '{fee.name}' on the overdue {format_money(base, currency)}; "
                        f"rounded {ROUNDING_NAME}"
                    )
                    charges.append(Charge("fee", fee.name, None, currency, amount, detail))
        if step.interest is not None:
            if "interest" in self.policy.exempt:
                reasons.append(explain.exempt_reason("interest", self.policy, step))
            else:
                charges.extend(self._interest(step.interest, items, reasons))
        share = rules.guardrails.max_fee_share
        if share is not None and charges:
            charges = _cap(charges, share, overdue, reasons)
        return charges, reasons

    def _interest(
        self, scheme_name: str, items: Sequence[_Item], reasons: list[Reason]
    ) -> list[Charge]:
        rules = self.context.policy
        scheme = rules.interest[scheme_name]
        rate = rules.reference_rates[scheme.reference]
        charged = self._interest_history() if self.ledger.history else {}
        out: list[Charge] = []
        for it in items:
            invoice = it.invoice
            if it.day.days_overdue <= 0:
                continue
            currency = invoice.currency
            since = charged.get(invoice.id)
            settlements = (*invoice.settlements, *self.allocated.get(invoice.id, ()))
            try:
                result = statutory_interest(
                    scheme,
                    rate,
                    invoice.amount,
                    settlements,
                    it.day.dates.due,
                    self.as_of,
                    currency,
                    since,
                )
            except MissingReferenceRateError as error:
                # The fixed compensation does not depend on the rate: it is still charged.
                reasons.append(explain.interest_error_reason(invoice, str(error)))
            else:
                if result.amount > 0:
                    detail = f"{result.explain()}; rounded {ROUNDING_NAME}"
                    amount = result.amount
                    out.append(
                        Charge("interest", scheme.name, invoice.id, currency, amount, detail)
                    )
            if since is None:
                fixed = compensation(scheme, it.open, currency)
                if fixed is not None and fixed > 0:
                    detail = (
                        f"fixed compensation for a debt of {format_money(it.open, currency)}, "
                        f"once per invoice"
                    )
                    out.append(
                        Charge("compensation", scheme.name, invoice.id, currency, fixed, detail)
                    )
        return out

    # -- rule "credit hold" ----------------------------------------------------------------------

    def _limit_exceeded(self) -> Reason | None:
        limit = self.policy.credit_limit
        if limit is None:
            return None
        balance = self.open_total.get(limit[1], ZERO)
        if balance <= limit[0]:
            return None
        return explain.credit_limit_reason(balance, limit, self.policy.decided_by["credit_limit"])

    def _occurrences(self, step_id: str) -> int:
        return len(
            {
                r.action_id or r.date.isoformat()
                for r in self.ledger.history
                if r.status == _DONE and r.step == step_id
            }
        )

    def _credit(self, opens: list[tuple[Invoice, Decimal]], actions: list[Action]) -> list[Action]:
        """Return the credit-limit hold or the release the account needs today, if any."""
        limit = self.policy.credit_limit
        hold = self.hold
        if limit is None and hold is None:
            return []
        if any(a.kind == StepAction.CREDIT_HOLD.value for a in actions):
            return []
        if hold is None:
            exceeded = self._limit_exceeded()
            if exceeded is None or limit is None:
                return []
            chosen = [(inv, amount) for inv, amount in opens if inv.currency == limit[1]]
            step = Step(CREDIT_LIMIT_STEP, _AT_TODAY, StepAction.CREDIT_HOLD)
            return [self._special(step, len(self.steps), chosen, [exceeded])]
        if self._hold_cause_remains():
            return []
        balance = self.open_total.get(limit[1], ZERO) if limit is not None else None
        if limit is not None and balance is not None and balance > limit[0]:
            return []
        reason = explain.credit_release_reason(hold[0], hold[1], balance, limit)
        step = Step(CREDIT_RELEASE_STEP, _AT_TODAY, StepAction.CREDIT_HOLD)
        return [self._special(step, len(self.steps) + 1, opens, [reason], "credit_release")]

    def _hold_cause_remains(self) -> bool:
        """Return whether an open, undisputed invoice has reached an eligible hold step."""
        holds = self.ladder.hold_steps
        if not holds:
            return False
        # Only invoices that reached an eligible step can have reached an eligible hold step.
        for invoice, _, day, _ in self.reached:
            if invoice.id in self.disputes:
                continue
            inel = self.ineligible.get(invoice.currency, _NO_STEPS)
            if any(i in holds and i not in inel for i in day.reached):
                return True
        return False

    def _day(self, invoice: Invoice) -> DayDates:
        policy = self.policy
        delay_key = tuple(sorted(policy.delay.items())) if policy.delay else ()
        key = (
            policy.ladder.name,
            invoice.terms or policy.term.name,
            invoice.issued,
            invoice.due,
            delay_key,
        )
        return self.context.dates.by_key.get(key) or self.context.day_dates(key, invoice, policy)

    def _special(
        self,
        step: Step,
        index: int,
        opens: Sequence[tuple[Invoice, Decimal]],
        reasons: list[Reason],
        kind: str | None = None,
    ) -> Action:
        """Return a credit-limit hold or a release: an action outside the ladder."""
        chosen = sorted(
            ((inv, amount) for inv, amount in opens if inv.id not in self.disputes),
            key=lambda e: e[0].id,
        )
        invoices = []
        for inv, amount in chosen:
            day = self._day(inv)
            invoices.append(
                ActionInvoice(
                    inv.id,
                    inv.issued,
                    day.dates.due,
                    inv.currency,
                    inv.amount,
                    amount,
                    max(day.days_overdue, 0),
                    self.as_of,
                )
            )
        occurrence = self._occurrences(step.id)
        aid = action_id(self.policy.customer_id, step.id, occurrence, [i.id for i in invoices])
        return self._action(aid, step, index, occurrence, tuple(invoices), (), reasons, (), kind)

    # -- guardrails: closed days and contacts per 7 days ------------------------------------------

    def _guardrails(self, actions: list[Action]) -> tuple[list[Action], list[Suppression]]:
        rules = self.context.policy.guardrails
        calendar = self.context.calendar
        as_of = self.as_of
        held: list[Suppression] = []
        contacts = [a for a in actions if a.kind in CONTACT_CHANNELS]
        if not contacts:
            return actions, held
        dropped: set[str] = set()
        closed = calendar.closed_reason(as_of)
        if rules.contact_days == "business" and closed is not None:
            next_open = calendar.next_business_day(as_of + _ONE_DAY)
            for action in contacts:
                text = explain.closed_day_text(as_of, closed, action.step, next_open)
                held.append(self._held_action(action, "closed_day", text, next_open))
                dropped.add(action.id)
            contacts = []
        limit = rules.max_contacts_per_7_days
        if limit is not None and contacts:
            recent = self._recent_contacts()
            room = max(limit - len(recent), 0)
            if len(contacts) > room:
                contacts.sort(key=lambda a: (-a.step_index, -a.occurrence, a.id))
                until = min(recent.values()) + _WEEK if recent else None
                for action in contacts[room:]:
                    text = explain.contact_limit_text(len(recent), room, limit, action.step)
                    held.append(self._held_action(action, "contact_limit", text, until))
                    dropped.add(action.id)
        return [a for a in actions if a.id not in dropped], held

    def _recent_contacts(self) -> dict[str, date]:
        """Return the contacts done in the 7 days up to today (action id -> date)."""
        start = self.as_of - timedelta(days=6)
        contact_ids = self.ladder.contact_ids
        out: dict[str, date] = {}
        for r in self.ledger.history:
            if r.status == _DONE and r.step in contact_ids and start <= r.date <= self.as_of:
                out[r.action_id or f"{r.step}@{r.date.isoformat()}"] = r.date
        return out

    def _held_action(self, action: Action, code: str, text: str, until: date | None) -> Suppression:
        return Suppression(
            action.customer_id,
            action.customer_name,
            code,
            text,
            action.step,
            action.invoice_ids,
            until,
        )


# The credit-limit and release actions are not ladder steps; they carry a nominal offset.
_AT_TODAY = Offset("due", 0)


def _cap(
    charges: list[Charge], share: Decimal, overdue: Mapping[str, Decimal], reasons: list[Reason]
) -> list[Charge]:
    """Return the charges trimmed so each currency's total stays within the fee-share guardrail.

    Compensation is trimmed first, then interest, then fees (each from the last invoice back).
    """
    order = {"compensation": 0, "interest": 1, "fee": 2}
    out = list(charges)
    for currency in sorted({c.currency for c in charges}):
        total = sum((c.amount for c in out if c.currency == currency), ZERO)
        base = overdue.get(currency, ZERO)
        quantum = Decimal(1).scaleb(-minor_units(currency))
        cap = (share * base).quantize(quantum, rounding=ROUND_DOWN)
        if total <= cap:
            continue
        excess = total - cap
        positions = sorted(
            (i for i, c in enumerate(out) if c.currency == currency),
            key=lambda i: (order.get(out[i].kind, 3), -i),
        )
        for i in positions:
            if excess <= 0:
                break
            charge = out[i]
            cut = min(charge.amount, excess)
            excess -= cut
            trimmed = charge.amount - cut
            note = (
                f"; trimmed from {format_money(charge.amount, currency)} to "
                f"{format_money(trimmed, currency)} by guardrails.max_fee_share"
            )
            out[i] = Charge(
                charge.kind, charge.name, charge.invoice_id, currency, trimmed, charge.detail + note
            )
        reasons.append(explain.fee_cap_reason(currency, total, cap, share, base))
    return [c for c in out if c.amount > 0]


__all__ = [
    "CONTACT_CHANNELS",
    "CREDIT_LIMIT_STEP",
    "CREDIT_RELEASE_STEP",
    "CustomerOutcome",
    "EvaluationContext",
    "action_id",
    "evaluate",
    "evaluate_customer",
]
