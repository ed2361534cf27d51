"""What the policy's records are built in, and the small readers of their values.

``PolicyParts`` holds the records read so far, before ``engine.load.policy_records.assemble``
makes the ``Policy`` of them; ``Locator`` finds where a path of one document is written, for the
``Origin`` of each record; ``define`` adds a named record, or reports a name defined twice (P004).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from engine.load.yaml_reader import YamlDocument
from engine.model.payment import PaymentOptions
from engine.model.policy import (
    CustomerPolicy,
    Fee,
    InterestScheme,
    Ladder,
    Policy,
    ReferenceRate,
    Template,
    Term,
)
from engine.model.source import KEY, DocPath, Origin, Problem, Source


@dataclass(slots=True)
class PolicyParts:
    """The records read so far, before they are assembled into a ``Policy``."""

    policies: list[tuple[str, Policy]] = field(default_factory=list)
    terms: dict[str, Term] = field(default_factory=dict)
    ladders: dict[str, Ladder] = field(default_factory=dict)
    fees: dict[str, Fee] = field(default_factory=dict)
    interest: dict[str, InterestScheme] = field(default_factory=dict)
    reference_rates: dict[str, ReferenceRate] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    customers: dict[str, CustomerPolicy] = field(default_factory=dict)
    payment: PaymentOptions | None = None
    tests: list[YamlDocument] = field(default_factory=list)
    unavailable: dict[str, set[str]] = field(default_factory=dict)
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    # (file, path) of values read as a stand-in for a date that does not exist (Y004).
    stood_in: set[tuple[str, str]] = field(default_factory=set)

    def add_problem(self, rel: str, problem: Problem) -> None:
        """Record a problem of the file ``rel``."""
        self.problems.append((rel, problem))

    def mark_unavailable(self, kind: str, names: Iterable[str]) -> None:
        """Remember that ``names`` of ``kind`` were in a file that could not be read."""
        self.unavailable.setdefault(kind, set()).update(names)


class Locator:
    """Finds where a path of one document is written, for the ``Origin`` of its records.

    A path ending in ``KEY`` asks for where the last key is written rather than its value (a
    currency code in ``{GBP: "15.00"}``, a step id in ``delay: {call: 7d}``). A path
    ``("steps", "skip", <step id>)`` finds that id in the customer's skip list, which the
    record holds as a set.
    """

    __slots__ = ("doc", "skip")

    def __init__(self, doc: YamlDocument, skip: Sequence[object] = ()) -> None:
        self.doc = doc
        self.skip = list(skip)

    def __call__(self, path: DocPath) -> Source:
        doc = self.doc
        if path and path[-1] == KEY:
            path = path[:-1]
            found = doc.key_locations.get(self._written(path))
            if found is not None:
                return Source(doc.file, found[0], found[1], path)
        return doc.source(self._written(path))

    def _written(self, path: DocPath) -> DocPath:
        if len(path) == 3 and path[:2] == ("steps", "skip") and path[2] in self.skip:
            return ("steps", "skip", self.skip.index(path[2]))
        return path

    def origin(self, *path: str | int) -> Origin:
        """Return the origin of the record at ``path``."""
        return Origin(self.doc.file, tuple(path), self)


def money_map(value: object) -> dict[str, Decimal]:
    if not isinstance(value, dict):
        return {}
    return {str(currency): Decimal(str(amount)) for currency, amount in value.items()}


def decimal_or_none(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def as_text(value: object) -> str:
    return "" if value is None else str(value)


def optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def mapping_of(doc: YamlDocument) -> dict[str, Any]:
    if not isinstance(doc.data, dict):
        raise TypeError("the document is not a mapping")
    return doc.data


def define(
    parts: PolicyParts,
    rel: str,
    doc: YamlDocument,
    table: dict[str, Any],
    *,
    what: str,
    name: str,
    record: Any,
    path: tuple[str, ...],
) -> None:
    """Add ``record`` to ``table`` under ``name``, or report that the name is already taken."""
    earlier = table.get(name)
    if earlier is None:
        table[name] = record
        return
    first: Source = earlier.origin.source
    parts.add_problem(
        rel,
        Problem.at(
            doc.source(path),
            "P004",
            f"{what} '{name}' is already defined in {first.file} (line {first.line}): "
            "each name may be defined once; rename or remove one of them",
        ),
    )


