"""`dunning validate`: exit codes, the three formats, and no traceback whatever the input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning.cli import main
from engine.model.source import Problem
from engine.report.problems import (
    REPORTERS,
    escape_data,
    escape_property,
    github_step_summary,
    report_github,
    report_text,
)
from tests.engine.policy_tree import ACME, BETA, FIXTURE, POLICY, STANDARD, policy_tree

ROOT = Path(__file__).resolve().parents[2]
BROKEN = {
    ACME: ("skip: [call]", "skip: [cal]"),
    STANDARD: ("at: due+21d", "at: due+10d"),
}


def run(*args: str) -> Result:
    """Return the result of `dunning validate ARGS`; a traceback fails the test."""
    return CliRunner().invoke(main, ["validate", *args], catch_exceptions=False)


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a copy of the fixture policy with two problems, made the current folder."""
    root = policy_tree(tmp_path / "repo", BROKEN)
    monkeypatch.chdir(root)
    return root


def test_shipped_repository_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example policy of this repository passes its own gate."""
    monkeypatch.chdir(ROOT)
    result = run()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")


def test_valid_policy_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A valid policy: exit 0 and one summary line."""
    monkeypatch.chdir(policy_tree(tmp_path / "repo"))
    result = run()
    assert (result.exit_code, result.output) == (0, "OK: 9 files checked, no problems\n")


def test_text_lists_every_problem_sorted(broken: Path) -> None:
    """Text: `path:line:col: CODE message` per problem, sorted, then a summary; exit 1."""
    result = run(".")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{ACME}:11:16: P027 customer 'ACME-0001' skips step 'cal', but ladder 'standard' has no "
        "such step: the steps are discount-nudge, courtesy, first-reminder, second-reminder, "
        "call, credit-hold, final-notice, agency; did you mean 'call'?",
        f"{STANDARD}:10:20: P020 step 'call' (due+10d) comes after step 'second-reminder' "
        "(due+14d) in the list but happens earlier: steps must be in date order",
        "2 problems in 2 files",
    ]


def test_json_is_machine_readable(broken: Path) -> None:
    """JSON: valid, files_checked and each problem's file, line, column, code, message, path."""
    result = run("--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["valid"] is False
    assert document["files_checked"] == 9
    assert document["problems"][0] == {
        "file": ACME,
        "line": 11,
        "column": 16,
        "code": "P027",
        "message": document["problems"][0]["message"],
        "path": "steps.skip[0]",
        "severity": "error",
    }
    assert [p["code"] for p in document["problems"]] == ["P027", "P020"]


UNSAID = {POLICY: ("other_currencies: not_chased\n", "")}


def test_a_warning_is_listed_and_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warning (P077: min_balance without other_currencies) is listed, marked as a warning,
    and leaves the policy valid: exit 0, in every format."""
    monkeypatch.chdir(policy_tree(tmp_path / "repo", UNSAID))
    result = run()
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{POLICY}:14:14: P077 warning: min_balance names EUR, GBP only")
    assert lines[-1] == "OK: 9 files checked, 1 warning"
    document = json.loads(run("--format", "json").output)
    assert document["valid"] is True
    assert [(p["code"], p["severity"]) for p in document["problems"]] == [("P077", "warning")]
    github = run("--format", "github")
    assert github.exit_code == 0
    assert github.output.startswith("::warning file=policies/policy.yaml,line=14,")


def test_warnings_beside_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Errors make the policy invalid; the summary counts the warnings apart."""
    monkeypatch.chdir(policy_tree(tmp_path / "repo", {**BROKEN, **UNSAID}))
    result = run()
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "2 problems in 2 files, 1 warning"


def test_json_when_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON of a valid policy says so."""
    monkeypatch.chdir(policy_tree(tmp_path / "repo"))
    result = run("--format", "json")
    assert json.loads(result.output) == {"valid": True, "files_checked": 9, "problems": []}


def test_github_annotations_and_step_summary(
    broken: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub: one ::error per problem with file, line and col; the full list in the summary."""
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run("--format", "github")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"::error file={ACME},line=11,col=16,title=P027::customer ")
    assert lines[1].startswith(f"::error file={STANDARD},line=10,col=20,title=P020::step ")
    assert lines[2] == "2 problems in 2 files"
    table = summary.read_text(encoding="utf-8")
    assert "| file | line | column | code | problem |" in table
    assert f"| {ACME} | 11 | 16 | P027 |" in table


def test_github_shows_at_most_10_annotations_and_says_how_many_more() -> None:
    """GitHub drops annotations past 10 silently: we stop at 10 and add a notice."""
    problems = [Problem("f.yaml", line, 1, "P020", "m") for line in range(1, 14)]
    lines = report_github(problems, 1).splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert lines[10].startswith("::notice title=More problems::3 more problems not annotated")
    assert lines[11] == "13 problems in 1 file"
    assert github_step_summary(problems, 1).count("| f.yaml |") == 13


def test_github_escapes_file_names_and_messages() -> None:
    """%, CR and LF are escaped in messages; also : and , in properties such as the file name."""
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%.yaml") == "a%2Cb%3Ac%25.yaml"
    line = report_github([Problem("x,y:z.yaml", 2, 3, "P001", "a: b, c\nd")], 1).splitlines()[0]
    assert line == "::error file=x%2Cy%3Az.yaml,line=2,col=3,title=P001::a: b, c%0Ad"


def test_step_summary_table_cells_are_escaped() -> None:
    """A | or a line break in a message cannot break the markdown table."""
    table = github_step_summary([Problem("f.yaml", 1, 1, "P001", "a | b\nc")], 1)
    assert "| a \\| b<br>c |" in table


def test_text_summary_words() -> None:
    """The summary counts problems and files in plain words."""
    one = [Problem("a.yaml", 1, 1, "P001", "m")]
    assert report_text(one, 3).splitlines()[-1] == "1 problem in 1 file"
    assert report_text([], 1) == "OK: 1 file checked, no problems"
    assert sorted(REPORTERS) == ["github", "json", "text"]


@pytest.mark.parametrize(
    "args",
    [["does-not-exist.yaml"], ["--format", "xml"], ["--nope"]],
    ids=["missing path", "unknown format", "unknown option"],
)
def test_usage_errors_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """A path that does not exist or a bad option is a usage error: exit 2."""
    monkeypatch.chdir(policy_tree(tmp_path / "repo"))
    assert run(*args).exit_code == 2


def test_folder_without_policy_is_invalid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing to validate is not a pass: exit 1 and say where the policy was expected."""
    monkeypatch.chdir(tmp_path)
    result = run()
    assert result.exit_code == 1
    assert result.output.startswith("policies/policy.yaml:1:1: P001 no policy found for this ")


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("customers/EMPTY.yaml", b"", "Y008"),
        ("customers/BINARY.yaml", bytes(range(256)) * 4, "Y001"),
        ("customers/HUGE.yaml", None, "Y011"),
        ("customers/FOLDER.yaml", "dir", "P004"),
    ],
    ids=["empty file", "binary file", "50 MB file", "folder named like a file"],
)
def test_nasty_files_are_problems_not_tracebacks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: bytes | str | None,
    code: str,
) -> None:
    """Empty, binary, huge files and folders where files belong each give a problem, exit 1."""
    root = policy_tree(tmp_path / "repo")
    monkeypatch.chdir(root)
    target = root / name
    if content is None:
        with target.open("wb") as stream:
            stream.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    elif content == "dir":
        target.mkdir()
        (target / "BETA-0009.yaml").write_bytes((root / BETA).read_bytes())
    else:
        assert isinstance(content, bytes)
        target.write_bytes(content)
    result = run(name)
    assert result.exit_code == 1
    assert f" {code} " in result.output


def test_folder_passed_where_the_policy_file_should_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """policies/policy.yaml being a folder is a problem (Y013), exit 1."""
    root = policy_tree(tmp_path / "repo", {"policies/policy.yaml": None})
    (root / "policies" / "policy.yaml").mkdir()
    monkeypatch.chdir(root)
    result = run("policies/policy.yaml")
    assert result.exit_code == 1
    assert "policies/policy.yaml:1:1: Y013 this is a folder" in result.output


def test_validate_command_loads_the_schemas_only_when_it_runs() -> None:
    """Listing the command (as `dunning --help` does) imports neither jsonschema nor PyYAML."""
    code = (
        "import sys, dunning.commands.validate; "
        "print('jsonschema' in sys.modules or 'yaml' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.stdout.strip() == "False"


# -- never a traceback: random and mutated YAML ------------------------------------------------

FILES = sorted(path.relative_to(FIXTURE).as_posix() for path in FIXTURE.rglob("*.yaml"))

# What a mutation inserts: YAML syntax, tabs, anchors and aliases, tags, merge keys, a second
# document, unicode and control characters, and scalars YAML 1.1 and 1.2 read differently.
_SNIPPETS = [
    ": ", "\t", "&a ", "*a", "- ", "{", "}", "[", "]", '"', "'", "#", "\n", "!!str ", "<<: ",
    "---\n", "é", "\u2028", "\x00", "0x1F", "1e3", "no", "~", "%", "@",
]  # fmt: skip


@st.composite
def mutated_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """Return a fixture file name and a mutation of its content (or random text)."""
    name = draw(st.sampled_from(FILES))
    lines = (FIXTURE / name).read_text(encoding="utf-8").splitlines(keepends=True)
    how = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate", "random"]))
    if how == "random":
        return name, draw(st.binary(max_size=300)) if draw(st.booleans()) else draw(
            st.text(max_size=300)
        ).encode("utf-8", "surrogatepass")
    index = draw(st.integers(0, len(lines) - 1))
    if how == "delete":
        del lines[index]
    elif how == "duplicate":
        lines.insert(index, lines[index])
    elif how == "truncate":
        text = "".join(lines)
        return name, text[: draw(st.integers(0, len(text)))].encode("utf-8")
    else:
        line = lines[index]
        at = draw(st.integers(0, len(line)))
        if how == "swap" and len(line) > 1:
            at = min(at, len(line) - 2)
            line = line[:at] + line[at + 1] + line[at] + line[at + 2 :]
        else:
            line = line[:at] + draw(st.sampled_from(_SNIPPETS)) + line[at:]
        lines[index] = line
    return name, "".join(lines).encode("utf-8", "surrogatepass")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(change=mutated_file())
def test_any_mutated_policy_exits_0_1_or_2_without_traceback(
    tmp_path_factory: pytest.TempPathFactory, change: tuple[str, bytes]
) -> None:
    """Whatever the bytes of a policy file, validate answers with 0, 1 or 2 and never raises."""
    name, content = change
    root = policy_tree(tmp_path_factory.mktemp("mutant") / "repo")
    (root / name).write_bytes(content)
    for args in ([str(root)], [str(root / name)], ["--format", "github", str(root)]):
        result = run(*args)
        assert result.exit_code in (0, 1, 2), result.output
