"""Git repositories for tests: a fixed identity, no user or system configuration, and the
project's policy committed on main, as a policy repository of a finance team would hold it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its output; a failure raises with git's own message."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **GIT_ENV},
    )
    if done.returncode:
        raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr)
    return done.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in ``repo`` and return the new commit id."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def init_repository(repo: Path, message: str = "Policy") -> str:
    """Make ``repo`` (a folder already holding files) a repository on main with one commit."""
    git(repo, "init", "-q", "-b", "main")
    return commit_all(repo, message)


def policy_repository(where: Path) -> Path:
    """Return a git repository at ``where`` holding the project's policy, committed on main."""
    where.mkdir(parents=True, exist_ok=True)
    for folder in ("policies", "customers"):
        shutil.copytree(ROOT / folder, where / folder, dirs_exist_ok=True)
    init_repository(where)
    return where
