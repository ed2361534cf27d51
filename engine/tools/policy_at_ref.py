"""The policy as committed at a git ref: loaded, checked and stamped with its version in one step.

``dunning plan`` (its ``--base``, and ``--head`` when given) and the service (``api.policy_state``)
read a committed policy this way, so both see the same files, the same problems and the same
version: the commit's blobs (never the working tree), every problem ``dunning validate`` would
report, and a ``PolicyVersion`` naming the commit, the ref and the content digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.check.validate import check
from engine.load.policy_loader import POLICY_FILE, LoadResult, load_policy_from_texts
from engine.load.policy_repo import files_at_ref
from engine.model.actions import PolicyVersion
from engine.model.policy import Policy
from engine.model.source import Problem


@dataclass(frozen=True, slots=True)
class CheckedPolicy:
    """A policy as loaded, every problem found in it, and the version that names it."""

    result: LoadResult
    problems: tuple[Problem, ...]
    version: PolicyVersion

    @property
    def policy(self) -> Policy | None:
        """Return the policy when it loaded without any problem, else None."""
        return self.result.policy if not self.problems else None


def checked(result: LoadResult, version: PolicyVersion) -> CheckedPolicy:
    """Return ``result`` with all its problems (reading, schemas, files, semantics), stamped.

    A load that gave no policy always has a problem to say why (P001 at the least).
    """
    problems = check(result)
    if result.policy is None and not problems:
        problems = [Problem(POLICY_FILE, 1, 1, "P001", "no policy found")]
    return CheckedPolicy(result, tuple(problems), version)


def policy_at_ref(repo: Path, ref: str, *, loaded_at: datetime | None = None) -> CheckedPolicy:
    """Return the policy committed at ``ref`` in the git repository ``repo``, checked and stamped.

    Raises ``engine.load.policy_repo.GitError`` when the ref cannot be read (unknown ref, no
    repository): a usage error for the command line, a refused reload for the service.
    """
    files = files_at_ref(repo, ref)
    result = load_policy_from_texts(files.files, files.links)
    digest = result.policy.digest if result.policy is not None else ""
    version = PolicyVersion(
        digest=digest, commit=files.commit, ref=ref, source="git", loaded_at=loaded_at
    )
    return checked(result, version)
