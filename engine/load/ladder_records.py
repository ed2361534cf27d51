"""The records of credit terms and dunning ladders, built from their schema-valid documents
(``engine.model.policy``: ``Term`` with its discounts and instalments, ``Ladder`` with its
steps and experiment). ``engine.load.policy_records.build_records`` hands these kinds here.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from engine.load.policy_parts import (
    Locator,
    PolicyParts,
    as_text,
    decimal_or_none,
    define,
    mapping_of,
    money_map,
    optional_text,
)
from engine.load.yaml_reader import YamlDocument
from engine.model.policy import (
    DiscountTier,
    Experiment,
    Ladder,
    Offset,
    Step,
    StepAction,
    StepCondition,
    Term,
    TermInstalment,
    Variant,
    parse_duration,
    parse_months,
)
from engine.model.source import Origin


def build_terms(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    locate = Locator(doc)
    for name, term in (mapping_of(doc).get("terms") or {}).items():
        instalments: list[dict[str, Any]] = term.get("instalments") or []
        record = replace(
            _due_rule(name, term, locate.origin("terms", name)),
            discounts=_discount_tiers(term.get("discount"), locate, name),
            instalments=tuple(
                TermInstalment(
                    Decimal(str(part["percent"])),
                    _due_rule(
                        f"{name} instalment {index + 1}",
                        part,
                        locate.origin("terms", name, "instalments", index),
                        term.get("basis"),
                    ),
                )
                for index, part in enumerate(instalments)
            ),
        )
        define(
            parts,
            rel,
            doc,
            parts.terms,
            what="terms",
            name=name,
            record=record,
            path=("terms", name),
        )


def _discount_tiers(
    discount: dict[str, Any] | list[dict[str, Any]] | None, locate: Locator, name: str
) -> tuple[DiscountTier, ...]:
    """Return the early-payment discounts of terms: one tier (a mapping) or several (a list)."""
    if discount is None:
        return ()
    listed = isinstance(discount, list)
    tiers = discount if isinstance(discount, list) else [discount]
    return tuple(
        DiscountTier(
            days=tier.get("days"),
            percent=decimal_or_none(tier.get("percent")),
            amounts=tuple(sorted(money_map(tier.get("amount")).items())),
            from_end_of_month=tier.get("from") == "end_of_month",
            day_of_next_month=tier.get("day_of_next_month"),
            origin=locate.origin("terms", name, "discount", *((index,) if listed else ())),
        )
        for index, tier in enumerate(tiers)
    )


def _due_rule(name: str, term: dict[str, Any], origin: Origin, basis: object = None) -> Term:
    """Return the terms (or one instalment of split terms, counted from the terms' ``basis``)
    as far as they date an invoice."""
    return Term(
        name=name,
        net_days=term.get("net_days"),
        net_months=term.get("net_months"),
        from_end_of_month=term.get("from") == "end_of_month",
        day_of_next_month=term.get("day_of_next_month"),
        cutoff_day=term.get("cutoff_day"),
        then_end_of_month=bool(term.get("then_end_of_month", False)),
        then_days=int(term.get("then_days", 0)),
        basis=str(basis or term.get("basis", "invoice")),
        description=as_text(term.get("description")),
        origin=origin,
    )


def _condition(when: dict[str, Any] | None) -> StepCondition | None:
    """Return a step's ``when`` conditions, or None without any."""
    if not when:
        return None
    return StepCondition(
        when.get("min_open_invoices"),
        money_map(when.get("overdue_above")),
        tuple(str(s) for s in when.get("segment") or ()),
    )


def build_ladder(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    locate = Locator(doc)
    data = mapping_of(doc)
    steps = []
    for index, step in enumerate(data["steps"]):
        offset = Offset.parse(str(step["at"]))
        if offset is None:
            raise ValueError(f"step date {step['at']!r} is not an offset")
        repeat = step.get("repeat")
        expires = step.get("expires")
        steps.append(
            Step(
                id=str(step["id"]),
                at=offset,
                action=StepAction(step.get("action", "contact")),
                channel=optional_text(step.get("channel")),
                template=optional_text(step.get("template")),
                fee=optional_text(step.get("fee")),
                interest=optional_text(step.get("interest")),
                min_balance=money_map(step.get("min_balance")),
                repeat_days=parse_duration(str(repeat)) if repeat is not None else None,
                repeat_months=parse_months(str(repeat)) if repeat is not None else None,
                max_repeats=step.get("max_repeats"),
                when=_condition(step.get("when")),
                tone=optional_text(step.get("tone")),
                currencies=frozenset(str(c) for c in step.get("currencies") or ()),
                expires_days=parse_duration(str(expires)) if expires is not None else None,
                after_due=optional_text(step.get("after_due")),
                assign=optional_text(step.get("assign")),
                to=optional_text(step.get("to")),
                description=as_text(step.get("description")),
                origin=locate.origin("steps", index),
            )
        )
    name = str(data["name"])
    ladder = Ladder(
        name,
        tuple(steps),
        as_text(data.get("description")),
        locate.origin(),
        str(data.get("catch_up", "highest_step")),
        experiment=_experiment(data.get("experiment"), locate),
        currencies=frozenset(str(c) for c in data.get("currencies") or ()),
        split_by_currency=bool(data.get("split_by_currency", False)),
    )
    define(
        parts,
        rel,
        doc,
        parts.ladders,
        what="ladder",
        name=name,
        record=ladder,
        path=("name",),
    )


def _experiment(data: dict[str, Any] | None, locate: Locator) -> Experiment | None:
    if not data:
        return None
    variants = tuple(
        Variant(
            name=str(variant["name"]),
            share=int(variant["share"]),
            tone=optional_text(variant.get("tone")),
            template=optional_text(variant.get("template")),
            origin=locate.origin("experiment", "variants", index),
        )
        for index, variant in enumerate(data["variants"])
    )
    return Experiment(str(data["id"]), str(data["step"]), variants, locate.origin("experiment"))


