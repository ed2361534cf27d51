"""Every error code has a page in docs/errors/, and its examples do what the page says.

A page's failing example, written over a copy of the fixture policy, must produce its code; the
passing example must produce no problem at all. A ledger code's (L) examples are ledger files,
read on their own by the ledger reader. Pages of conditions that cannot be written as a YAML
example (a binary file, a 50 MB file) say so in a marked comment instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.check.validate import CODES as SEMANTIC_CODES
from engine.check.validate import check, warnings
from engine.load.ledger_file import read_ledger_file
from engine.load.policy_loader import CODES as FILE_CODES
from engine.load.policy_loader import load_policy
from engine.load.schema_check import CODES as SCHEMA_CODES
from engine.load.yaml_reader import CODES as YAML_CODES
from engine.model.ledger_fields import CODES as LEDGER_CODES
from tests.engine.policy_tree import policy_tree

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "errors"
POLICY_CODES = {**YAML_CODES, **SCHEMA_CODES, **FILE_CODES, **SEMANTIC_CODES}
CODES = {**POLICY_CODES, **LEDGER_CODES}
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
    result = load_policy(["."])
    return [problem.code for problem in (*check(result), *warnings(result))]


def _ledger_codes_of(tmp_path: Path, files: dict[str, str]) -> list[str]:
    """Return the codes of the problems the ledger reader finds in the example's one file."""
    assert len(files) == 1, "a ledger example is one ledger file"
    ((name, text),) = files.items()
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    snapshot, problems = read_ledger_file(path)
    assert (snapshot is None) == bool(problems)
    return [problem.code for problem in problems]


def test_codes_do_not_overlap() -> None:
    """No code is defined by two modules."""
    modules = (YAML_CODES, SCHEMA_CODES, FILE_CODES, SEMANTIC_CODES, LEDGER_CODES)
    assert len(CODES) == sum(len(codes) for codes in modules)


def test_index_lists_every_code_once() -> None:
    """docs/errors.md has one table row per code, linking to its page, and no other code."""
    index = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| \[([A-Z]\d{3})\]\(errors/\1\.md\) \| (.+) \|$", index, re.MULTILINE)
    assert sorted(code for code, _ in listed) == sorted(CODES)
    assert all(meaning.strip() for _, meaning in listed)


def test_index_and_pages_give_the_engines_meaning() -> None:
    """A code's index row and page title say what the engine's code table says."""
    index = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for code, meaning in CODES.items():
        assert f"| [{code}](errors/{code}.md) | {meaning} |" in index.splitlines()
        title = (DOCS / f"{code}.md").read_text(encoding="utf-8").splitlines()[0]
        assert title == f"# {code}: {meaning}"


def test_ledger_codes_have_their_own_section() -> None:
    """The L codes are listed under "Ledger files", and only there."""
    index = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    match = re.search(r"^## Ledger files.*?\n(.*?)(?=^## |\Z)", index, re.MULTILINE | re.DOTALL)
    assert match is not None, "no '## Ledger files' section"
    listed = re.findall(r"^\| \[([A-Z]\d{3})\]", match.group(1), re.MULTILINE)
    assert sorted(listed) == sorted(LEDGER_CODES)


def test_no_page_without_a_code() -> None:
    """Every page in docs/errors/ belongs to a code the engine has."""
    assert {path.stem for path in DOCS.glob("*.md")} == set(CODES)


@pytest.mark.parametrize("code", sorted(POLICY_CODES))
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


@pytest.mark.parametrize("code", sorted(LEDGER_CODES))
def test_ledger_page_examples_fail_and_pass(code: str, tmp_path: Path) -> None:
    """A ledger code's failing example produces the code; the passing example reads cleanly."""
    page = (DOCS / f"{code}.md").read_text(encoding="utf-8")
    assert page.startswith(f"# {code}: ")
    assert NOT_EXECUTABLE not in page
    failing = _ledger_codes_of(tmp_path / "failing", _examples(page, "Failing example"))
    assert code in failing
    passing = _ledger_codes_of(tmp_path / "passing", _examples(page, "Passing example"))
    assert passing == []


def test_only_file_conditions_lack_examples() -> None:
    """Only conditions about the file itself may go without an executable example."""
    marked = {path.stem for path in DOCS.glob("*.md") if NOT_EXECUTABLE in path.read_text("utf-8")}
    assert marked <= {"Y001", "Y011", "Y013", "P001", "P005"}
