"""The policy's git repository: which commit is in force, and the policy files of any ref.

Reading files from a commit (not the working tree) is what lets ``plan`` compare two versions and
the service serve exactly what was merged.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.load.policy_files import POLICY_DIRS, policy_path
from engine.model.actions import PolicyVersion

# The mode git gives a symbolic link in a tree (its blob holds the path it points to).
GIT_LINK_MODE = b"120000"


class GitError(Exception):
    """A git command failed; the message says what to do."""


@dataclass(frozen=True, slots=True)
class RefFiles:
    """The policy files of one commit, and the symbolic links among them (refused: P005)."""

    commit: str
    ref: str
    files: dict[str, bytes]
    links: tuple[str, ...] = ()


def _git(root: Path, *args: str, binary: bool = False) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, check=False, timeout=60
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed: install git to read committed policies") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise GitError(message or f"git {' '.join(args)} failed")
    return done.stdout


def git_root(path: Path) -> Path | None:
    """Return the top of the git work tree holding ``path``, or None outside a repository."""
    try:
        out = _git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel")
    except GitError:
        return None
    return Path(out.decode().strip())


def resolve_commit(root: Path, ref: str) -> str:
    """Return the full commit id that ``ref`` names."""
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except GitError as exc:
        raise GitError(f"'{ref}' is not a branch, tag or commit of {root}") from exc


def policy_changed_since_commit(root: Path) -> bool:
    """Return whether the working tree's policy files differ from the last commit."""
    out = _git(root, "status", "--porcelain", "--untracked-files=all", "--", *POLICY_DIRS)
    return bool(out.strip())


def files_at_ref(root: Path, ref: str) -> RefFiles:
    """Return the policy files (policies/, customers/) as committed at ``ref``, chosen by the
    rule ``dunning validate`` applies to a working tree (``engine.load.policy_files``)."""
    commit = resolve_commit(root, ref)
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *POLICY_DIRS)
    entries = []
    links = []
    for item in listing.split(b"\0"):
        if not item:
            continue
        meta, _, raw_name = item.partition(b"\t")
        mode, kind, sha = meta.split()
        name = raw_name.decode("utf-8", "surrogateescape")
        if kind != b"blob" or not policy_path(name):
            continue
        if mode == GIT_LINK_MODE:
            links.append(name)
        else:
            entries.append((name, sha.decode()))
    files: dict[str, bytes] = {}
    if entries:
        # One `git cat-file --batch` for all blobs instead of a process per file.
        request = "".join(f"{sha}\n" for _, sha in entries).encode()
        done = subprocess.run(
            ["git", "-C", str(root), "cat-file", "--batch"],
            input=request, capture_output=True, check=True, timeout=120,
        )
        data = done.stdout
        pos = 0
        for name, _sha in entries:
            header_end = data.index(b"\n", pos)
            size = int(data[pos:header_end].split()[2])
            start = header_end + 1
            files[name] = data[start : start + size]
            pos = start + size + 1
    return RefFiles(commit=commit, ref=ref, files=files, links=tuple(links))


@dataclass(frozen=True, slots=True)
class PolicyCommit:
    """A commit that changed the policy: its id, when it was committed, and its subject."""

    commit: str
    committed: datetime
    subject: str


def policy_history(root: Path, ref: str = "HEAD") -> list[PolicyCommit]:
    """Return the commits reachable from ``ref`` that changed policies/ or customers/, oldest
    first (the policy's version history: which version was in force on which day)."""
    out = _git(
        root, "log", "--first-parent", "--format=%H%x1f%cI%x1f%s", resolve_commit(root, ref),
        "--", *POLICY_DIRS,
    )  # fmt: skip
    commits = []
    for line in out.decode("utf-8", "replace").splitlines():
        commit, committed, subject = line.split("\x1f", 2)
        commits.append(PolicyCommit(commit, datetime.fromisoformat(committed), subject))
    commits.reverse()
    return commits


def file_at(root: Path, commit: str, path: str) -> bytes | None:
    """Return the file ``path`` as committed at ``commit`` (None when it is not there)."""
    try:
        return _git(root, "show", f"{commit}:{path}", binary=True)
    except GitError:
        return None


def working_tree_version(root: Path, digest: str) -> PolicyVersion:
    """Return the version of the policy in the working tree: the commit when it is clean."""
    now = datetime.now(UTC)
    top = git_root(root)
    if top is None:
        return PolicyVersion(digest=digest, source="files", loaded_at=now)
    try:
        commit = resolve_commit(top, "HEAD")
        dirty = policy_changed_since_commit(top)
    except GitError:
        return PolicyVersion(digest=digest, source="files", loaded_at=now)
    if dirty:
        # Uncommitted changes: naming HEAD would claim a version that did not produce the list.
        return PolicyVersion(digest=digest, commit=None, ref="working tree", source="files",
                             loaded_at=now)
    return PolicyVersion(digest=digest, commit=commit, ref="HEAD", source="git", loaded_at=now)
