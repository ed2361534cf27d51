"""What every semantic check looks at, and the small helpers their messages share.

A check is a function of a ``Context`` (the policy, its tests, and what could not be loaded)
returning the problems it finds; ``Context.reference`` reports a name that does not exist, with
the names that do and a guess.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from engine.model.policy import Ladder, Policy, Step, Template
from engine.model.source import Origin, Problem, Source

if TYPE_CHECKING:
    from engine.load.yaml_reader import YamlDocument

# Kinds of reference, as ``LoadResult.unavailable`` names them.
_TABLES: dict[str, Callable[[Policy], Mapping[str, object]]] = {
    "terms": lambda policy: policy.terms,
    "ladder": lambda policy: policy.ladders,
    "template": lambda policy: policy.templates,
    "fee": lambda policy: policy.fees,
    "interest": lambda policy: policy.interest,
    "reference_rate": lambda policy: policy.reference_rates,
    "customer": lambda policy: policy.customers,
    "role": lambda policy: policy.roles,
}
_WHAT = {
    "terms": ("terms", "P010", "the terms in terms.yaml are"),
    "ladder": ("ladder", "P011", "the ladders are"),
    "template": ("template", "P012", "the templates are"),
    "fee": ("fee", "P013", "the fees in fees.yaml are"),
    "interest": ("interest scheme", "P014", "the interest schemes in fees.yaml are"),
    "reference_rate": ("reference rate", "P015", "the reference rates in fees.yaml are"),
    "role": ("role", "P057", "the roles of `roles` in policy.yaml are"),
}
_MAX_LISTED = 12


@dataclass(frozen=True, slots=True)
class Context:
    """What the checks look at: the policy, its tests, and what could not be loaded."""

    policy: Policy
    tests: Sequence[YamlDocument] = ()
    unavailable: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def unknown(self, kind: str, name: str) -> bool:
        """Return whether ``name`` is not defined (and not in a file that failed to load).

        A ladder or template whose name differs from its file name is known by both names here:
        the mismatch is reported once (P016, P017), not again at every use of the file name.
        """
        if name in _TABLES[kind](self.policy):
            return False
        skipped = self.unavailable.get(kind, frozenset())
        if name in skipped or "*" in skipped:
            return False
        if kind in ("ladder", "template"):
            records: Mapping[str, Ladder | Template] = (
                self.policy.ladders if kind == "ladder" else self.policy.templates
            )
            return not any(file_stem(record.origin) == name for record in records.values())
        return True

    def reference(self, kind: str, name: str | None, source: Source) -> list[Problem]:
        """Return the problem for a reference to an unknown ``name`` of ``kind``, if any."""
        if name is None or not self.unknown(kind, name):
            return []
        what, code, these_are = _WHAT[kind]
        names = sorted(_TABLES[kind](self.policy))
        guess = did_you_mean(name, names)
        shown = listing(names)
        known = f"{these_are} {shown}" if names else f"there are none yet ({these_are} empty)"
        return [Problem.at(source, code, f"{what} '{name}' does not exist: {known}{guess}")]


Check = Callable[[Context], Iterable[Problem]]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return "; did you mean 'x'?" for the closest of ``choices``, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def listing(names: Sequence[str]) -> str:
    """Return ``names`` joined with commas, at most a dozen of them."""
    if len(names) <= _MAX_LISTED:
        return ", ".join(names)
    return ", ".join(names[:_MAX_LISTED]) + f" and {len(names) - _MAX_LISTED} more"


def built_in(origin: Origin) -> bool:
    """Return whether a record was built in code rather than read from a file."""
    return origin.file.startswith("<")


def file_stem(origin: Origin) -> str:
    """Return the name of the file a record was read from, without folder and suffix."""
    return PurePosixPath(origin.file.replace("\\", "/")).stem


def step_label(step: Step) -> str:
    """Return a step as messages name it: ``'call' (due+21d)``."""
    return f"'{step.id}' ({step.at})"
