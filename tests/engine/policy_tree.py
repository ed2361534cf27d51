"""A copy of the fixture policy with changes, and exact problems: the tests of every stage use it.

``policy_tree(root, changes)`` copies tests/fixtures/policy (a small valid policy) to ``root`` and
applies ``changes``; ``assert_problems`` states the problems expected as (file, line, column,
code, message), in the yamllint idiom.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from engine.check.validate import check, warnings
from engine.load.policy_loader import load_policy
from engine.model.source import Problem

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "policy"

# A change to one file of the fixture: new content, (old, new) text to replace once, or None to
# delete the file.
Change = str | tuple[str, str] | None
Expected = tuple[str, int, int, str, str]


def policy_tree(root: Path, changes: Mapping[str, Change] | None = None) -> Path:
    """Return ``root`` holding a copy of the fixture policy with ``changes`` applied."""
    shutil.copytree(FIXTURE, root)
    for rel, change in (changes or {}).items():
        path = root / rel
        if change is None:
            path.unlink()
        elif isinstance(change, tuple):
            old, new = change
            text = path.read_text(encoding="utf-8")
            assert old in text, f"{old!r} is not in {rel}"
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(change, encoding="utf-8")
    return root


def problems_in(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[Problem]:
    """Return every problem of the policy in ``root``, as `dunning validate` run there finds."""
    monkeypatch.chdir(root)
    result = load_policy(["."])
    return sorted([*check(result), *warnings(result)], key=Problem.sort_key)


def assert_problems(problems: Sequence[Problem], expected: Sequence[Expected]) -> None:
    """Assert the problems are exactly ``expected``: file, line, column, code and message."""
    got = [(p.file, p.line, p.column, p.code, p.message) for p in problems]
    assert got == list(expected)


def fixture(rel: str) -> str:
    """Return the text of the fixture policy's file ``rel``."""
    return (FIXTURE / rel).read_text(encoding="utf-8")


STANDARD = "policies/ladders/standard.yaml"
STRATEGIC = "policies/ladders/strategic.yaml"
POLICY = "policies/policy.yaml"
TERMS = "policies/terms.yaml"
FEES = "policies/fees.yaml"
TEMPLATE = "policies/templates/reminder.yaml"
TEST = "policies/tests/first-reminder.yaml"
ACME = "customers/ACME-0001.yaml"
BETA = "customers/BETA-0002.yaml"


# One case of a semantic check: its name, the changes to the fixture, the problems expected.
Case = tuple[str, dict[str, Change], list[Expected]]


def each_case(cases: Sequence[Case]) -> pytest.MarkDecorator:
    """Return the parametrisation of a test over ``cases``, each named by its first element."""
    return pytest.mark.parametrize(
        ("changes", "expected"), [c[1:] for c in cases], ids=[c[0] for c in cases]
    )


def assert_case(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Change],
    expected: list[Expected],
) -> None:
    """Assert that the fixture with ``changes``, copied to ``root``, has exactly ``expected``."""
    assert_problems(problems_in(policy_tree(root, changes), monkeypatch), expected)
