"""CI and the service agree on what a commit's policy is: the same files, the same problems.

Each case builds a git repository from the fixture policy, changes it, commits, and checks the
working tree as ``dunning validate`` does (``load_policy``) and the commit as the service and
``dunning plan`` do (``policy_at_ref``): both must name the same files and report the same
problems.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.check.validate import check
from engine.load.policy_files import policy_path, reads_as_policy, working_tree_files
from engine.load.policy_loader import load_policy
from engine.tools.policy_at_ref import policy_at_ref
from tests.engine.policy_tree import policy_tree
from tests.git_repo import commit_all, git

ACME = "customers/ACME-0001.yaml"


def committed(root: Path, change: Callable[[Path], None]) -> Path:
    """Return a git repository of the fixture policy with ``change`` made and committed."""
    repo = policy_tree(root / "repo")
    git(repo, "init", "-q", "-b", "main")
    change(repo)
    commit_all(repo, "Policy")
    return repo


# The files checked, and the problems found as (file, code).
Seen = tuple[tuple[str, ...], list[tuple[str, str]]]


def both(repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Seen, Seen]:
    """Return (files, problems) as ``dunning validate`` sees the working tree and as the
    service sees the commit."""
    monkeypatch.chdir(repo)
    validated = load_policy(["."])
    served = policy_at_ref(repo, "main")
    ci: Seen = (validated.files, [(p.file, p.code) for p in check(validated)])
    service: Seen = (served.result.files, [(p.file, p.code) for p in served.problems])
    return ci, service


def link_customer(repo: Path) -> None:
    target = repo / "elsewhere" / "ACME-0001.yaml"
    target.parent.mkdir()
    (repo / ACME).rename(target)
    (repo / ACME).symlink_to(Path("..") / "elsewhere" / "ACME-0001.yaml")


def link_folder(repo: Path) -> None:
    (repo / "elsewhere").mkdir()
    (repo / "elsewhere" / "GAMM-0003.yaml").write_text(
        (repo / ACME).read_text().replace("ACME-0001", "GAMM-0003")
    )
    (repo / "customers" / "more").symlink_to(Path("..") / "elsewhere")


def dot_file(repo: Path) -> None:
    # A second copy of a customer under a hidden name: read, it would be a duplicate id.
    (repo / "customers" / ".ACME-0001.yaml").write_text((repo / ACME).read_text())
    (repo / "customers" / ".drafts").mkdir()
    (repo / "customers" / ".drafts" / "ACME-0001.yaml").write_text("not: [valid")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (link_customer, [(ACME, "P005")]),
        (link_folder, [("customers/more", "P005")]),
        (dot_file, []),
    ],
    ids=["symlinked-customer-file", "symlinked-folder", "dot-files"],
)
def test_validate_and_the_service_see_the_same_policy(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Path], None],
    expected: list[tuple[str, str]],
) -> None:
    repo = committed(tmp_path, change)

    ci, service = both(repo, monkeypatch)

    assert ci == service
    files, problems = ci
    assert problems == expected
    assert not any("/." in name for name in files)


def test_a_symlink_is_refused_outside_git_too(tmp_path: Path) -> None:
    root = policy_tree(tmp_path / "plain")
    link_customer(root)
    dot_file(root)

    problems = check(load_policy([root]))

    assert [(p.code, Path(p.file).name) for p in problems] == [("P005", "ACME-0001.yaml")]
    assert "ACME-0001.yaml is a symbolic link: commit the file itself" in problems[0].message


def test_validate_reads_new_files_but_not_ignored_ones(tmp_path: Path) -> None:
    repo = committed(tmp_path, lambda _: None)
    (repo / ".gitignore").write_text("customers/local-*.yaml\n")
    (repo / "customers" / "local-notes.yaml").write_text("not: [valid")
    (repo / "customers" / "NEW-0009.yaml").write_text("not: [valid")

    listed = working_tree_files(repo)

    assert "customers/NEW-0009.yaml" in listed.files  # not committed yet: still checked
    assert "customers/local-notes.yaml" not in listed.files  # a commit would not hold it


@pytest.mark.parametrize(
    ("rel", "in_policy", "read"),
    [
        ("customers/ACME-0001.yaml", True, True),
        ("policies/ladders/standard.yml", True, True),
        ("policies/assets/logo.svg", True, False),
        ("customers/.ACME-0001.yaml", False, False),
        ("customers/.drafts/ACME-0001.yaml", False, False),
        ("README.yaml", False, False),
        ("customers", False, False),
    ],
)
def test_the_rule_for_a_path(rel: str, in_policy: bool, read: bool) -> None:
    assert (policy_path(rel), reads_as_policy(rel)) == (in_policy, read)
