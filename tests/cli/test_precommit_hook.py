"""The `dunning-validate` pre-commit hook, run by pre-commit itself, blocks a broken commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pre-commit")]


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True,
                          check=False, env=env)


def _snapshot_of_checkout(dest: Path) -> str:
    """Copy the checkout as it is now (committed or not) into a new repository; return its HEAD."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    assert _git(dest, "commit", "-q", "-m", "snapshot").returncode == 0
    return _git(dest, "rev-parse", "HEAD").stdout.strip()


def test_hook_blocks_a_commit_with_a_broken_ladder(tmp_path: Path) -> None:
    """A policy repository using the hook by URL cannot commit a ladder with a bad step date."""
    hook_repo = tmp_path / "dunning-as-code"
    hook_repo.mkdir()
    rev = _snapshot_of_checkout(hook_repo)

    policy_repo = tmp_path / "acme-policy"
    shutil.copytree(ROOT / "policies", policy_repo / "policies")
    shutil.copytree(ROOT / "customers", policy_repo / "customers")
    (policy_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n"
        "    hooks:\n      - id: dunning-validate\n",
        encoding="utf-8",
    )
    _git(policy_repo, "init", "-q", "-b", "main")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    subprocess.run([str(PRE_COMMIT), "install"], cwd=policy_repo, check=True, env=env,
                   capture_output=True)
    _git(policy_repo, "add", "-A")
    good = subprocess.run(["git", "commit", "-q", "-m", "Add the policy"], cwd=policy_repo,
                          capture_output=True, text=True, env={**env, **_identity()}, check=False)
    assert good.returncode == 0, good.stdout + good.stderr

    ladder = policy_repo / "policies" / "ladders" / "standard.yaml"
    ladder.write_text(ladder.read_text(encoding="utf-8").replace("due+14d", "due+14"),
                      encoding="utf-8")
    _git(policy_repo, "add", "-A")
    bad = subprocess.run(["git", "commit", "-q", "-m", "Shorten the ladder"], cwd=policy_repo,
                         capture_output=True, text=True, env={**env, **_identity()}, check=False)
    assert bad.returncode != 0
    output = bad.stdout + bad.stderr
    assert "dunning validate" in output
    assert "policies/ladders/standard.yaml" in output
    assert "Failed" in output
    # Nothing was committed: the last commit is still the valid policy.
    assert _git(policy_repo, "log", "--format=%s", "-1").stdout.strip() == "Add the policy"


def _identity() -> dict[str, str]:
    return {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}
