"""The policy committed at a git ref, loaded, checked and stamped in one step
(engine/tools/policy_at_ref.py): what `dunning plan` and the service both read."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.load.policy_loader import load_policy
from engine.load.policy_repo import GitError
from engine.tools.policy_at_ref import policy_at_ref
from tests.engine.policy_tree import STANDARD, policy_tree
from tests.git_repo import git, init_repository


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Return a git repository holding the fixture policy, committed on main."""
    root = policy_tree(tmp_path / "repo")
    init_repository(root)
    return root


def test_a_valid_commit_is_the_policy_with_its_commit_ref_and_digest(repo: Path) -> None:
    loaded = policy_at_ref(repo, "main")
    files = load_policy([repo]).policy
    assert loaded.problems == ()
    assert loaded.policy is not None and files is not None
    assert loaded.policy.digest == files.digest
    assert (loaded.version.commit, loaded.version.ref, loaded.version.source) == (
        git(repo, "rev-parse", "HEAD"),
        "main",
        "git",
    )
    assert loaded.version.digest == loaded.policy.digest


def test_the_commit_is_read_not_the_working_tree(repo: Path) -> None:
    """An uncommitted mistake in the working tree does not reach what was committed."""
    path = repo / STANDARD
    path.write_text(path.read_text(encoding="utf-8").replace("due+14d", "due+1"), "utf-8")
    assert load_policy([repo]).problems
    assert policy_at_ref(repo, "main").problems == ()


def test_an_invalid_commit_has_every_problem_and_no_policy(repo: Path) -> None:
    path = repo / STANDARD
    path.write_text(path.read_text(encoding="utf-8").replace("due+14d", "due+1"), "utf-8")
    git(repo, "commit", "-q", "-am", "Break a step date")
    loaded = policy_at_ref(repo, "HEAD")
    assert loaded.policy is None
    assert [(p.file, p.code) for p in loaded.problems] == [(STANDARD, "S004")]
    assert loaded.version.commit == git(repo, "rev-parse", "HEAD")


def test_an_unknown_ref_is_a_git_error(repo: Path) -> None:
    with pytest.raises(GitError):
        policy_at_ref(repo, "no-such-branch")
