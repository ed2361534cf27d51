"""The action list written out customer by customer: its JSON items and CSV rows, and the totals
kept as it goes.

A whole ledger's list need not be held to be written: each customer's part (``CustomerOutcomes``
of engine/evaluate.py) is turned into text at once and the totals are added up on the way. What
comes out is, byte for byte, what ``render_json`` and ``render_csv`` write for the whole list
(tests/engine/test_list_stream.py). Where the text is kept until the totals are known is the
caller's business (the CLI spools it to temporary files): this module does no I/O.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from engine.model.actions import (
    PolicyVersion,
    charges_by_currency,
    charges_owed_by_currency,
    open_by_currency,
)
from engine.model.money import money_strings
from engine.report.render import (
    RenderContext,
    action_to_dict,
    list_header,
    superseded_to_dict,
    suppression_to_dict,
)
from engine.rules.output import CustomerOutcome

SECTIONS = ("actions", "held_back", "superseded")


def _add(into: dict[str, Decimal], amounts: dict[str, Decimal]) -> None:
    for currency, amount in amounts.items():
        into[currency] = into.get(currency, Decimal(0)) + amount


class ListTotals:
    """The totals of the JSON list, added up one customer's part at a time.

    Each invoice and each charge is one customer's, so the totals of the whole list are the sums
    of each customer's (rule "list totals", docs/rules/ladder.md).
    """

    def __init__(self) -> None:
        self.actions = self.customers = self.held_back = self.superseded = 0
        self.by_kind: dict[str, int] = {}
        self.open: dict[str, Decimal] = {}
        self.charges: dict[str, Decimal] = {}
        self.owed: dict[str, Decimal] = {}

    def add(self, outcome: CustomerOutcome) -> None:
        """Count one customer's part."""
        actions = outcome.actions
        if actions:
            self.actions += len(actions)
            self.customers += 1
            for action in actions:
                self.by_kind[action.kind] = self.by_kind.get(action.kind, 0) + 1
            _add(self.open, open_by_currency(actions))
            _add(self.charges, charges_by_currency(actions))
            _add(self.owed, charges_owed_by_currency(actions))
        self.held_back += len(outcome.suppressions)
        self.superseded += len(outcome.superseded)

    def as_dict(self, customers_evaluated: int, invoices_evaluated: int) -> dict[str, Any]:
        """Return the ``totals`` of the JSON list, as ``evaluation_to_dict`` writes them."""
        return {
            "actions": self.actions,
            "customers": self.customers,
            "by_kind": dict(sorted(self.by_kind.items())),
            "open_by_currency": money_strings(self.open),
            "charges_by_currency": money_strings(self.charges),
            "charges_owed_by_currency": money_strings(self.owed),
            "held_back": self.held_back,
            "superseded": self.superseded,
            "customers_evaluated": customers_evaluated,
            "invoices_evaluated": invoices_evaluated,
        }


def json_items(outcome: CustomerOutcome, ctx: RenderContext) -> dict[str, list[str]]:
    """Return one customer's items as JSON text, per section of the list, each as it stands in
    the list (indented two levels)."""
    return {
        "actions": [_item(action_to_dict(a, ctx)) for a in outcome.actions],
        "held_back": [_item(suppression_to_dict(s)) for s in outcome.suppressions],
        "superseded": [_item(superseded_to_dict(s)) for s in outcome.superseded],
    }


def _item(data: dict[str, Any]) -> str:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return "    " + text.replace("\n", "\n    ")


def json_head(
    as_of: date, version: PolicyVersion, ctx: RenderContext, totals: dict[str, Any]
) -> str:
    """Return the JSON list's text up to its first section, without the comma before it."""
    text = json.dumps(list_header(as_of, version, ctx, totals), indent=2, ensure_ascii=False)
    return text[: -len("\n}")]


def json_section_start(name: str, empty: bool) -> str:
    """Return the text that opens section ``name`` (``]`` too when it has no items)."""
    return f',\n  "{name}": ' + ("[]" if empty else "[\n")


def json_section_end(empty: bool) -> str:
    """Return the text that closes a section."""
    return "" if empty else "\n  ]"


JSON_TAIL = "\n}\n"
ITEM_SEPARATOR = ",\n"
