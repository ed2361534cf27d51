"""Every error code has a page in docs/errors/, and its examples do what the page says.

A page's failing example, written over a copy of the fixture policy, must produce its code; the
passing example must produce no problem at all. Pages of conditions that cannot be written as a
YAML example (a binary file, a 50 MB file) say so in a marked comment instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.policy_loader import CODES as FILE_CODES
from engine.policy_loader import load_policy
from engine.schema_check import CODES as SCHEMA_CODES
from engine.validate import CODES as SEMANTIC_CODES
from engine.validate import check
from engine.yaml_loader import CODES as YAML_CODES
from tests.engine.test_validate import policy_tree

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "errors"
CODES = {**YAML_CODES, **SCHEMA_CODES, **FILE_CODES, **SEMANTIC_CODES}
NOT_EXECUTABLE = "<!-- examples not executable:"
_BLOCK = re.compile(r"```yaml file=(\S+)\n(.*?)```", re.DOTALL)


def _examples(page: str, heading: str) -> dict[str, str]:
    """Return the files of the example under ``## heading``: path -> content."""
    match = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", page, re.MULTILINE | re.DOTALL)
    assert match is not None, f"no '## {heading}' section"
    files = dict(_BLOCK.findall(match.group(1)))
    assert files, f"no ```yaml file=...``` block under '## {heading}'"
    return files


def _codes_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> list[str]:
    monkeypatch.chdir(policy_tree(tmp_path, files))
    return [problem.code for problem in check(load_policy(["."]))]


def test_codes_do_not_overlap() -> None:
    """No code is defined by two modules."""
    total = len(YAML_CODES) + len(SCHEMA_CODES) + len(FILE_CODES) + len(SEMANTIC_CODES)
    assert len(CODES) == total


def test_index_lists_every_code_once() -> None:
    """docs/errors.md has one table row per code, linking to its page, and no other code."""
    index = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| \[([A-Z]\d{3})\]\(errors/\1\.md\) \| (.+) \|$", index, re.MULTILINE)
    assert sorted(code for code, _ in listed) == sorted(CODES)
    assert all(meaning.strip() for _, meaning in listed)


def test_no_page_without_a_code() -> None:
    """Every page in docs/errors/ belongs to a code the engine has."""
    assert {path.stem for path in DOCS.glob("*.md")} == set(CODES)


@pytest.mark.parametrize("code", sorted(CODES))
def test_page_examples_fail_and_pass(
    code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failing example produces the code; the passing example has no problem at all."""
    page = (DOCS / f"{code}.md").read_text(encoding="utf-8")
    assert page.startswith(f"# {code}: ")
    if NOT_EXECUTABLE in page:
        assert "## Example" in page
        return
    failing = _codes_of(tmp_path / "failing", monkeypatch, _examples(page, "Failing example"))
    assert code in failing
    passing = _codes_of(tmp_path / "passing", monkeypatch, _examples(page, "Passing example"))
    assert passing == []


def test_only_file_conditions_lack_examples() -> None:
    """Only conditions about the file itself may go without an executable example."""
    marked = {path.stem for path in DOCS.glob("*.md") if NOT_EXECUTABLE in path.read_text("utf-8")}
    assert marked <= {"Y001", "Y011", "Y013", "P001"}
