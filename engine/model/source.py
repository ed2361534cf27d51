"""Where a value came from, and the problems found in policy files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# A path inside a YAML document: keys and list indices from the root, e.g. ("steps", 3, "at").
DocPath = tuple[str | int, ...]

# The last element of a path given to ``Origin.at`` to locate a mapping key instead of its value
# (a currency code in ``{GBP: "15.00"}``, a step id in ``delay: {call: 7d}``).
KEY = "\x00key"


def format_path(path: DocPath) -> str:
    """Return a path as people read it: ``steps[3].at``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True, slots=True)
class Source:
    """The file, line and column (1-based) a value was read from, and its path in the document."""

    file: str
    line: int
    column: int
    path: DocPath = ()

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a policy file, located and explained for the person who must fix it."""

    file: str
    line: int
    column: int
    code: str
    message: str
    path: str = ""
    # "error" (the policy is invalid) or "warning" (valid, but likely not what was meant:
    # only `dunning validate` reports warnings, docs/decisions/019-validation-warnings.md).
    severity: str = "error"

    @classmethod
    def at(cls, source: Source, code: str, message: str) -> Problem:
        """Return a problem located at ``source``."""
        return cls(source.file, source.line, source.column, code, message, format_path(source.path))

    @classmethod
    def warning_at(cls, source: Source, code: str, message: str) -> Problem:
        """Return a warning located at ``source``."""
        path = format_path(source.path)
        return cls(source.file, source.line, source.column, code, message, path, "warning")

    @property
    def is_warning(self) -> bool:
        """Return whether this is a warning (the policy stays valid)."""
        return self.severity == "warning"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Return the key that orders problems by file, line, column, then code."""
        return (self.file, self.line, self.column, self.code, self.message)

    def __str__(self) -> str:
        kind = " warning:" if self.is_warning else ""
        return f"{self.file}:{self.line}:{self.column}: {self.code}{kind} {self.message}"


def _nowhere(path: DocPath) -> Source:
    return Source("<built in code>", 1, 1, path)


@dataclass(frozen=True, slots=True, eq=False)
class Origin:
    """Where a policy record sits in its file; finds the line of any field below it."""

    file: str
    path: DocPath
    lookup: Callable[[DocPath], Source] = _nowhere

    def at(self, *sub: str | int) -> Source:
        """Return the location of the field ``sub`` below this record (or the record itself)."""
        return self.lookup(self.path + tuple(sub))

    @property
    def source(self) -> Source:
        """Return the location of the record itself."""
        return self.at()


NOWHERE = Origin("<built in code>", ())
