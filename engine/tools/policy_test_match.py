"""How a policy test's expectation matches an action (or a held-back customer) of the list.

Only the fields given are compared; ``invoices`` is compared as a set; amounts compare as
``Decimal`` (``"15"`` equals ``"15.00"``) in ``currency``, or in the action's only currency when
none is given; ``fee`` is the sum of the action's fees, ``interest`` of its interest and fixed
compensation, ``total`` the amount due (its open amount plus both); ``reason`` is a piece of text
(case ignored) found in the reasons, their facts (``key: value``) or the action's own settings.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.model.actions import Action, Evaluation, Suppression
from engine.model.money import ZERO
from engine.model.policy_test import Expectation
from engine.rules.payment import amounts_due

AMOUNT_FIELDS = ("fee", "interest", "total")


def currencies(action: Action) -> tuple[str, ...]:
    """Return the currencies an action is in (its invoices and its charges), sorted."""
    return tuple(sorted(set(action.totals) | {c.currency for c in action.charges}))


def searchable(action: Action) -> list[str]:
    """Return the texts ``reason`` is looked for in: reasons, their facts, the action's settings."""
    texts = [reason.text for reason in action.reasons]
    texts += [f"{key}: {value}" for reason in action.reasons for key, value in reason.facts.items()]
    settings = {
        "ladder": action.ladder,
        "template": action.template,
        "tone": action.tone,
        "language": action.language,
        "owner": action.owner,
        "assign": action.assign,
        "escalate_to": action.escalate_to,
    }
    texts += [f"{key}: {value}" for key, value in settings.items() if value]
    return texts


def _found(needle: str, texts: Iterable[str]) -> bool:
    wanted = needle.casefold()
    return any(wanted in text.casefold() for text in texts)


def action_differences(expectation: Expectation, action: Action) -> tuple[str, ...]:
    """Return the fields of ``expectation`` that ``action`` does not meet (empty: it matches)."""
    if expectation.suppressed or action.customer_id != expectation.customer:
        return ("customer",)
    out: list[str] = []
    if expectation.step is not None and action.step != expectation.step:
        out.append("step")
    if expectation.kind is not None and action.kind != expectation.kind:
        out.append("kind")
    if expectation.invoices is not None and frozenset(action.invoice_ids) != expectation.invoices:
        out.append("invoices")
    amounts = [name for name in AMOUNT_FIELDS if getattr(expectation, name) is not None]
    if expectation.currency is not None or amounts:
        currency = expectation_currency(expectation, action)
        if currency is None or (
            expectation.currency is not None and currency not in currencies(action)
        ):
            out.append("currency")
        else:
            measured = {
                "fee": action.fees().get(currency, ZERO),
                "interest": action.interest().get(currency, ZERO),
                "total": amounts_due(action).get(currency, ZERO),
            }
            out += [name for name in amounts if measured[name] != getattr(expectation, name)]
    if expectation.reason is not None and not _found(expectation.reason, searchable(action)):
        out.append("reason")
    out += [
        name for name, wanted in expectation.settings.items() if setting(action, name) != wanted
    ]
    return tuple(out)


def setting(action: Action, name: str) -> str:
    """Return one of the action's settings a test may pin down (``-`` when it has none)."""
    value = {
        "ladder": action.ladder,
        "template": action.template,
        "tone": action.tone,
        "language": action.language,
        "owner": action.owner,
        "assign": action.assign,
    }[name]
    return value or "-"


def expectation_currency(expectation: Expectation, action: Action) -> str | None:
    """Return the currency to compare amounts in: the one given, else the action's only one."""
    if expectation.currency is not None:
        return expectation.currency
    found = currencies(action)
    return found[0] if len(found) == 1 else None


def suppression_differences(expectation: Expectation, item: Suppression) -> tuple[str, ...]:
    """Return the fields of a ``suppressed`` expectation that ``item`` does not meet."""
    if not expectation.suppressed or item.customer_id != expectation.customer:
        return ("customer",)
    out: list[str] = []
    if expectation.step is not None and item.step != expectation.step:
        out.append("step")
    if expectation.invoices is not None and frozenset(item.invoice_ids) != expectation.invoices:
        out.append("invoices")
    if expectation.reason is not None and not _found(expectation.reason, (item.text, item.code)):
        out.append("reason")
    return tuple(out)


def matches(expectation: Expectation, evaluation: Evaluation) -> tuple[Action | Suppression, ...]:
    """Return the actions (or held-back items, for ``suppressed``) that meet ``expectation``."""
    if expectation.suppressed:
        return tuple(
            s for s in evaluation.suppressions if not suppression_differences(expectation, s)
        )
    return tuple(a for a in evaluation.actions if not action_differences(expectation, a))
