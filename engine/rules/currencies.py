"""Rule "currencies": which currencies a policy, a ladder and a step chase, and requests that
never mix currencies.

- A policy with ``min_balance`` names the currencies it has a minimum for; an invoice in a
  currency it does not name is chased only with ``other_currencies: chased`` (the default is not
  to chase it: the policy never said what is worth chasing in that currency).
- A ladder with ``currencies`` chases invoices in those currencies only.
- A step with ``currencies`` is only for invoices in those; for an invoice in another it is
  passed over, as a skipped step is (``engine.rules.ladder.ineligible_steps``).

An invoice not chased is reported as held back (suppression ``currency``), never dropped
silently. With ``split_by_currency: true`` on the ladder, the invoices of one contact step make
one action per currency. The rules, with their names and sources, are in docs/rules/ladder.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.model.policy import Ladder, Policy

if TYPE_CHECKING:
    from engine.rules.history import PendingItem


def unchased_currencies(
    policy: Policy, ladder: Ladder, currencies: Iterable[str]
) -> dict[str, str]:
    """Return, among ``currencies``, those whose invoices are not chased under ``ladder``, each
    with the reason in words."""
    out: dict[str, str] = {}
    for currency in currencies:
        why = currency_not_chased(policy.min_balance, policy.other_currencies, ladder, currency)
        if why is not None:
            out[currency] = why
    return out


def currency_not_chased(
    minimums: Mapping[str, Decimal], other: str | None, ladder: Ladder, currency: str
) -> str | None:
    """Return why invoices in ``currency`` are not chased under ``ladder``, or None when they
    are."""
    if ladder.currencies and currency not in ladder.currencies:
        named = ", ".join(sorted(ladder.currencies))
        return (
            f"Invoices in {currency} are not chased under ladder '{ladder.name}', which chases"
            f" {named} only (currencies in policies/ladders/{ladder.name}.yaml)."
        )
    if minimums and currency not in minimums and other != "chased":
        return (
            f"Invoices in {currency} are not chased: min_balance in policies/policy.yaml names"
            f" no {currency} amount, and other currencies are chased only with"
            " other_currencies: chased."
        )
    return None


def step_currency_limits(ladder: Ladder) -> tuple[tuple[int, frozenset[str]], ...]:
    """Return the ladder's steps limited to some currencies: (index, their currencies)."""
    return tuple((i, step.currencies) for i, step in enumerate(ladder.steps) if step.currencies)


def by_currency(items: list[PendingItem]) -> list[list[PendingItem]]:
    """Return ``items`` split into one list per currency, in currency order (one list when they
    share one currency)."""
    split: dict[str, list[PendingItem]] = {}
    for item in items:
        split.setdefault(item.invoice.currency, []).append(item)
    if len(split) == 1:
        return [items]
    return [split[currency] for currency in sorted(split)]
