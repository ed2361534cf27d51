"""The management summary: one page for a week or a month, and the same figures for the period
before it (docs/reports.md, "The management summary").

Every figure is a rule's: cash collected and write-offs are sums the source makes; the overdue
change, DSO and CEI come from rule "portfolio aging" and the DSO and CEI rules (each day's aging
read once); broken promises from rule "promise kept or broken"; the policy changes from the
policy's git history with the headline of their plan (``engine.tools.plan``) on the day they came
into force. The caller supplies the rows (``SummarySource``) and, for the policy changes, the
commits and a way to load a commit's policy; nothing here reads a file or a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from engine.evaluate import evaluate
from engine.load.policy_repo import GitError, PolicyCommit, policy_history
from engine.model.actions import Evaluation, PolicyVersion
from engine.model.ledger import CustomerLedger, Payment
from engine.model.money import ZERO
from engine.model.policy import Policy
from engine.report.plan_words import headline
from engine.rules.collectors import PromiseMade, promise_outcome
from engine.rules.portfolio import PortfolioAging
from engine.rules.summary import (
    LARGEST,
    BrokenPromise,
    HandedOff,
    ManagementSummary,
    Period,
    PeriodFigures,
    PolicyChange,
    largest_overdue,
    period_of,
    previous_period,
)
from engine.tools.plan import make_plan
from engine.tools.policy_at_ref import policy_at_ref
from engine.tools.reports import ReportSource, aging_report, cei_report, dso_report


class SummarySource(Protocol):
    """What the summary reads beyond the ledger's aging and credit sales."""

    def cash_collected(self, first: date, last: date) -> Mapping[str, Decimal]:
        """Return the payments dated ``first``..``last`` less the refunds, chargebacks and
        reversals of payments dated then, per currency."""
        ...

    def write_offs(self, first: date, last: date) -> Mapping[str, tuple[int, Decimal]]:
        """Return the write-offs dated ``first``..``last``: how many and how much, per currency."""
        ...

    def handoffs(self, first: date, last: date) -> Sequence[HandedOff]:
        """Return the hand-offs opened ``first``..``last``, by day."""
        ...

    def promises_due(self, first: date, last: date) -> Sequence[PromiseMade]:
        """Return the promises whose pay-by date is ``first``..``last``."""
        ...

    def payments(self, customer_ids: Iterable[str], until: date) -> Mapping[str, Sequence[Payment]]:
        """Return the payments of ``customer_ids`` dated up to ``until``, by customer."""
        ...


class _Agings:
    """Each day's portfolio aging, read once; the last day's with the customers most overdue in
    each currency (only those are kept, so a million invoices stream in little memory)."""

    def __init__(self, policy: Policy, source: ReportSource, last: date) -> None:
        self.policy = policy
        self.source = source
        self.last = last
        self.days: dict[date, PortfolioAging] = {}

    def on(self, day: date) -> PortfolioAging:
        found = self.days.get(day)
        if found is None:
            found = self.days[day] = aging_report(
                self.policy,
                self.source,
                day,
                by_customer=False,
                most_overdue=LARGEST if day == self.last else 0,
            )
        return found

    def __call__(self, day: date) -> PortfolioAging:
        return self.on(day)


def _overdue(aging: PortfolioAging) -> dict[str, Decimal]:
    return {a.currency: a.overdue for a in aging.currencies}


def _figures(
    policy: Policy, source: ReportSource, cash: SummarySource, agings: _Agings,
    *, first: date, last: date,
) -> PeriodFigures:  # fmt: skip
    return PeriodFigures(
        first,
        last,
        dict(sorted(cash.cash_collected(first, last).items())),
        _overdue(agings.on(first - timedelta(days=1))),
        _overdue(agings.on(last)),
        dso_report(policy, source, last, aging_on=agings),
        cei_report(policy, source, first, last, aging_on=agings),
    )


def broken_promises(source: SummarySource, first: date, last: date) -> tuple[BrokenPromise, ...]:
    """Return the promises broken in ``first``..``last``: broken (rule "promise kept or broken")
    on the day after their pay-by date, that day in the period; paid later or not."""
    due = source.promises_due(first - timedelta(days=1), last - timedelta(days=1))
    payments = source.payments({p.promise.customer_id for p in due}, last)
    broken = []
    for made in due:
        promise = made.promise
        day = promise.pay_by + timedelta(days=1)
        if promise_outcome(made, payments.get(promise.customer_id, ()), day) == "broken":
            broken.append(
                BrokenPromise(promise.customer_id, promise.pay_by, promise.amount, promise.currency)
            )
    return tuple(sorted(broken, key=lambda b: (b.pay_by, b.customer_id)))


def management_summary(
    policy: Policy,
    source: ReportSource,
    rows: SummarySource,
    *,
    period: Period,
    last: date,
    changes: Sequence[PolicyChange] = (),
) -> ManagementSummary:
    """Return the summary of the ``period`` that ends on ``last``, with the period before it."""
    first, _ = period_of(period, last)
    agings = _Agings(policy, source, last)
    current = _figures(policy, source, rows, agings, first=first, last=last)
    before_first, before_last = previous_period(period, first)
    previous = _figures(policy, source, rows, agings, first=before_first, last=before_last)
    return ManagementSummary(
        period,
        current,
        previous,
        largest_overdue(agings.on(last)),
        tuple(rows.handoffs(first, last)),
        dict(sorted(rows.write_offs(first, last).items())),
        broken_promises(rows, first, last),
        tuple(c for c in changes if first <= c.day <= last),
    )


def policy_changes(
    history: Sequence[PolicyCommit],
    policy_at: Callable[[str], Policy | None],
    ledgers_on: Callable[[date], Iterable[CustomerLedger]],
    first: date,
    last: date,
) -> tuple[PolicyChange, ...]:
    """Return the commits of ``history`` (oldest first) dated ``first``..``last``, each with the
    headline of its plan: the action list of its day under the commit before it and under it."""
    changes = []
    for index, commit in enumerate(history):
        day = commit.committed.date()
        if not first <= day <= last:
            continue
        head = policy_at(commit.commit)
        if head is None:
            invalid = "The policy of this commit is invalid: no plan."
            changes.append(PolicyChange(commit.commit[:12], day, commit.subject, invalid))
            continue
        base = policy_at(history[index - 1].commit) if index else None
        head_version = PolicyVersion(head.digest, commit.commit)
        # The ledger is streamed once for each side rather than held for both.
        after = evaluate(head, ledgers_on(day), day, head_version)
        if base is None:
            before = Evaluation(as_of=day, policy_version=head_version, actions=())
        else:
            base_version = PolicyVersion(base.digest, history[index - 1].commit)
            before = evaluate(base, ledgers_on(day), day, base_version)
        plan = make_plan([before], [after])
        changes.append(PolicyChange(commit.commit[:12], day, commit.subject, headline(plan)))
    return tuple(changes)


def summary_with_changes(
    policy: Policy,
    source: ReportSource,
    rows: SummarySource,
    *,
    period: Period,
    last: date,
    repo: Path | None,
    ref: str,
    ledgers_on: Callable[[date], Iterable[CustomerLedger]],
) -> ManagementSummary:
    """Return the summary of the ``period`` ending on ``last`` with the policy changes merged in
    it: the commits of ``repo``'s history up to ``ref`` (none without a repository, or when the
    ref cannot be read), each planned over ``ledgers_on`` its day."""
    first, _ = period_of(period, last)
    history: list[PolicyCommit] = []
    if repo is not None:
        try:
            history = policy_history(repo, ref)
        except GitError:
            history = []

    def policy_at(commit: str) -> Policy | None:
        return policy_at_ref(repo, commit).policy if repo is not None else None

    changes = policy_changes(history, policy_at, ledgers_on, first, last)
    return management_summary(
        policy, source, rows, period=period, last=last, changes=changes
    )


# Settlements that are cash: payments, and what gives a payment back (negative amounts).
_CASH_SETTLEMENTS = frozenset({"payment", "refund", "chargeback", "reversal"})


class SnapshotSummarySource:
    """The summary's sums and lists from a ledger held in memory (a ledger file, a test)."""

    def __init__(self, snapshot: Iterable[CustomerLedger]) -> None:
        self.snapshot = tuple(snapshot)

    def cash_collected(self, first: date, last: date) -> Mapping[str, Decimal]:
        """Return the payments dated ``first``..``last`` less what gave payments back then."""
        cash: dict[str, Decimal] = {}
        for ledger in self.snapshot:
            for invoice in ledger.invoices:
                for s in invoice.settlements:
                    if s.kind in _CASH_SETTLEMENTS and first <= s.date <= last:
                        cash[invoice.currency] = cash.get(invoice.currency, ZERO) + s.amount
            for item in ledger.unapplied:
                if isinstance(item, Payment) and first <= item.date <= last:
                    cash[item.currency] = cash.get(item.currency, ZERO) + item.amount
        return cash

    def write_offs(self, first: date, last: date) -> Mapping[str, tuple[int, Decimal]]:
        """Return how many write-offs are dated ``first``..``last`` and how much, per currency."""
        found: dict[str, tuple[int, Decimal]] = {}
        for ledger in self.snapshot:
            for invoice in ledger.invoices:
                for s in invoice.settlements:
                    if s.kind == "write_off" and first <= s.date <= last:
                        count, total = found.get(invoice.currency, (0, ZERO))
                        found[invoice.currency] = (count + 1, total + s.amount)
        return found

    def handoffs(self, first: date, last: date) -> Sequence[HandedOff]:
        """Return the hand-offs opened ``first``..``last`` (a ledger file states no claim)."""
        return sorted(
            (
                HandedOff(h.customer_id, ledger.customer.name, h.to, h.opened, {})
                for ledger in self.snapshot
                for h in ledger.handoffs
                if first <= h.opened <= last
            ),
            key=lambda h: (h.opened, h.customer_id),
        )

    def promises_due(self, first: date, last: date) -> Sequence[PromiseMade]:
        """Return the promises to pay by a day of ``first``..``last``."""
        return [
            PromiseMade(p, None)
            for ledger in self.snapshot
            for p in ledger.promises
            if first <= p.pay_by <= last
        ]

    def payments(self, customer_ids: Iterable[str], until: date) -> Mapping[str, Sequence[Payment]]:
        """Return the payments of ``customer_ids`` dated up to ``until``, by customer."""
        wanted = set(customer_ids)
        found: dict[str, list[Payment]] = {}
        for ledger in self.snapshot:
            customer = ledger.customer.id
            if customer not in wanted:
                continue
            mine = found.setdefault(customer, [])
            for invoice in ledger.invoices:
                mine.extend(
                    Payment(s.ref, customer, s.date, s.amount, invoice.currency, invoice.id)
                    for s in invoice.settlements
                    if s.kind == "payment" and s.date <= until
                )
            mine.extend(
                item
                for item in ledger.unapplied
                if isinstance(item, Payment) and item.date <= until
            )
        return found
