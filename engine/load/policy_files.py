"""Which files are the policy: one rule for a working tree (``dunning validate``) and a commit.

CI validates a checkout and the service loads the commit's tree; they must agree on what the
policy is, or a commit passes CI and is refused by the service. Both list the files git knows
(``git ls-files`` in a working tree: tracked files, and new ones that are not ignored; ``git
ls-tree`` in a commit), and both apply ``policy_path`` and ``reads_as_policy``:

- the policy is under ``policies/`` and ``customers/``; a file or folder whose name starts with a
  dot (an editor's backup, ``.git`` metadata, a hidden folder) is not part of it, anywhere;
- of those files, the YAML files (``.yaml``, ``.yml``) are read;
- a symbolic link is refused (P005) wherever it is: in a commit git stores the link's target
  path, not the file, so the service would read a path where CI read a file.

Outside a git repository (a policy folder copied somewhere) the folder is walked with the same
rules, links not followed.
"""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from engine.model.source import Problem

CODES: dict[str, str] = {
    "P005": "a policy file or folder is a symbolic link",
}

POLICY_DIRS = ("policies", "customers")
YAML_SUFFIXES = (".yaml", ".yml")


def policy_path(rel: str) -> bool:
    """Return whether ``rel`` (relative to the repository, ``/``-separated) is in the policy:
    under policies/ or customers/, and no part of it hidden (a name starting with a dot)."""
    parts = PurePosixPath(rel).parts
    return (
        len(parts) >= 2
        and parts[0] in POLICY_DIRS
        and not any(part.startswith(".") for part in parts)
    )


def reads_as_policy(rel: str) -> bool:
    """Return whether ``rel`` is a policy file that is read: a YAML file in the policy."""
    return policy_path(rel) and rel.endswith(YAML_SUFFIXES)


def link_problem(rel: str, shown: str) -> Problem:
    """Return the problem of a symbolic link at ``rel`` in the policy (shown as ``shown``)."""
    return Problem(
        shown,
        1,
        1,
        "P005",
        f"{rel} is a symbolic link: commit the file itself (git stores a link as the path it "
        "points to, so the service would read that path, not the file)",
    )


@dataclass(frozen=True, slots=True)
class TreeFiles:
    """The policy's entries in a working tree: files to read and links to refuse (relative)."""

    files: tuple[str, ...]
    links: tuple[str, ...]


def working_tree_files(root: Path) -> TreeFiles:
    """Return the policy's YAML files and links under ``root``, as a commit of it would hold
    them: the files git lists (tracked, or new and not ignored), else every file found."""
    listed = _git_listed(root)
    names = listed if listed is not None else _walked(root)
    files: list[str] = []
    links: list[str] = []
    for rel in sorted(set(names)):
        if not policy_path(rel):
            continue
        try:
            mode = (root / rel).lstat().st_mode
        except OSError:
            continue  # deleted from the working tree, not yet from git's index
        if stat.S_ISLNK(mode):
            links.append(rel)
        elif not stat.S_ISDIR(mode) and rel.endswith(YAML_SUFFIXES):
            files.append(rel)
    return TreeFiles(tuple(files), tuple(links))


def _git_listed(root: Path) -> list[str] | None:
    """Return the paths under the policy folders that git lists in ``root``'s working tree
    (None when ``root`` is not in one, or git is missing)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
             "--exclude-standard", "--", *POLICY_DIRS],
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return [name.decode("utf-8", "surrogateescape") for name in done.stdout.split(b"\0") if name]


def _walked(root: Path) -> list[str]:
    """Return every path under the policy folders of ``root``, links reported, not followed."""
    found: list[str] = []
    for top in POLICY_DIRS:
        for folder, dirs, files in os.walk(root / top):
            here = Path(folder)
            for name in dirs:
                if (here / name).is_symlink():
                    found.append((here / name).relative_to(root).as_posix())
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found += [(here / name).relative_to(root).as_posix() for name in files]
    return found
