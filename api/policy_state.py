"""The policy in force: loaded from a git ref (the committed policy), reloaded only when valid.

The service serves what was merged, not a working tree: it reads the ``policies/`` and
``customers/`` blobs of ``--policy-ref`` with ``git cat-file`` and validates them exactly as
``dunning validate`` does. A reload (on request, or when a request notices that the ref moved)
builds and checks the new policy beside the old one and swaps it in only when it has no problem;
an invalid commit is refused, remembered (it is not retried until the ref moves again) and
reported by ``/v1/policy`` and ``/readyz`` while the last good policy stays in force.

Outside a git repository there is nothing committed to serve: the service falls back to the
files, says so in ``mode``/``note``, and reloads them on request only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from engine.load.policy_loader import load_policy
from engine.load.policy_repo import GitError, git_root, resolve_commit
from engine.model.actions import PolicyVersion
from engine.model.policy import Policy
from engine.model.source import Problem
from engine.tools.policy_at_ref import CheckedPolicy, checked, policy_at_ref

log = logging.getLogger("api.policy")

Mode = Literal["git", "files"]
Trigger = Literal["startup", "request", "ref-moved"]


@dataclass(frozen=True, slots=True)
class ServedPolicy:
    """A valid policy and the version stamped on everything computed from it."""

    policy: Policy
    version: PolicyVersion


@dataclass(frozen=True, slots=True)
class ReloadAttempt:
    """What the last load or reload did: when, why, which commit, and what was wrong."""

    at: datetime
    trigger: Trigger
    ok: bool
    message: str
    commit: str | None = None
    digest: str | None = None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyStatus:
    """The policy in force (if any), where it comes from, and the last reload attempt."""

    mode: Mode
    ref: str | None
    note: str | None
    served: ServedPolicy | None
    last_attempt: ReloadAttempt | None

    @property
    def degraded(self) -> bool:
        """Return whether the last attempt failed (an older policy, or none, is served)."""
        return self.last_attempt is not None and not self.last_attempt.ok


class PolicyHolder:
    """Holds the policy in force and reloads it; safe to call from many request threads."""

    def __init__(
        self,
        repo: Path,
        ref: str,
        *,
        check_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[PolicyStatus], None] | None = None,
    ) -> None:
        self.repo = repo.resolve()
        self.ref = ref
        self.check_seconds = check_seconds
        self._clock = clock
        self._on_change = on_change
        self._served: ServedPolicy | None = None
        self._last_attempt: ReloadAttempt | None = None
        self._reload_lock = threading.Lock()
        self._check_lock = threading.Lock()
        self._last_check = clock()
        top = git_root(self.repo)
        if top is None:
            self.mode: Mode = "files"
            self.note: str | None = (
                f"{self.repo} is not in a git repository: serving the policy files as they are "
                "on disk (no commit to pin), reloaded only on request"
            )
        elif top.resolve() != self.repo:
            self.mode = "files"
            self.note = (
                f"{self.repo} is not the top of its git repository ({top}): serving the policy "
                "files as they are on disk, reloaded only on request"
            )
        else:
            self.mode = "git"
            self.note = None

    # -- reading -------------------------------------------------------------------------------

    def check_due(self) -> bool:
        """Return whether the next ``current()`` call will load the policy or ask git."""
        if self._last_attempt is None:
            return True
        return self.mode == "git" and self._clock() - self._last_check >= self.check_seconds

    def current(self) -> ServedPolicy | None:
        """Return the policy in force, first checking (at most every N seconds) if the ref moved.

        The first call loads the policy, if the app's startup has not already done so.
        """
        if self._last_attempt is None:
            with self._reload_lock:
                needed = self._last_attempt is None
            if needed:
                self.reload("startup")
        elif self.check_due():
            self._check_ref()
        return self._served

    def served(self) -> ServedPolicy | None:
        """Return the policy in force without checking the ref (never blocks)."""
        return self._served

    def status(self) -> PolicyStatus:
        """Return the policy in force and the state of the last reload attempt."""
        return PolicyStatus(
            self.mode,
            self.ref if self.mode == "git" else None,
            self.note,
            self._served,
            self._last_attempt,
        )

    # -- reloading -----------------------------------------------------------------------------

    def reload(self, trigger: Trigger = "request") -> ReloadAttempt:
        """Return the result of loading the policy again (the old one stays unless it is valid)."""
        with self._reload_lock:
            attempt = self._load(trigger)
            self._last_attempt = attempt
            self._last_check = self._clock()
        if attempt.ok:
            log.info("policy %s: %s", trigger, attempt.message)
        else:
            log.warning("policy %s refused: %s", trigger, attempt.message)
        if self._on_change is not None:
            self._on_change(self.status())
        return attempt

    def _check_ref(self) -> None:
        # One request checks; the others go on with the policy in force meanwhile.
        if not self._check_lock.acquire(blocking=False):
            return
        try:
            self._last_check = self._clock()
            try:
                commit = resolve_commit(self.repo, self.ref)
            except GitError:
                commit = None
            served = self._served.version.commit if self._served else None
            tried = self._last_attempt.commit if self._last_attempt else None
            if commit not in (served, tried):
                self.reload("ref-moved")
        finally:
            self._check_lock.release()

    def _load(self, trigger: Trigger) -> ReloadAttempt:
        now = datetime.now(UTC)
        if self.mode == "files":
            return self._load_files(trigger, now)
        try:
            commit = resolve_commit(self.repo, self.ref)
            if self._served is not None and self._served.version.commit == commit:
                return ReloadAttempt(
                    now,
                    trigger,
                    ok=True,
                    commit=commit,
                    digest=self._served.version.digest,
                    message=f"commit {commit[:12]} of {self.ref} is already in force",
                )
            loaded = policy_at_ref(self.repo, self.ref, loaded_at=now)
        except GitError as exc:
            return ReloadAttempt(now, trigger, ok=False, message=str(exc))
        commit = loaded.version.commit or commit
        return self._swap(loaded, trigger, f"commit {commit[:12]} of {self.ref}")

    def _load_files(self, trigger: Trigger, now: datetime) -> ReloadAttempt:
        result = load_policy([self.repo])
        digest = result.policy.digest if result.policy else ""
        version = PolicyVersion(digest=digest, source="files", loaded_at=now)
        return self._swap(checked(result, version), trigger, f"the policy files in {self.repo}")

    def _swap(self, loaded: CheckedPolicy, trigger: Trigger, what: str) -> ReloadAttempt:
        version = loaded.version
        policy = loaded.policy
        if policy is None:
            count = len(loaded.problems)
            kept = (
                f"; {self._served.version.label()} stays in force"
                if self._served
                else "; no policy is in force"
            )
            return ReloadAttempt(
                version.loaded_at or datetime.now(UTC),
                trigger,
                ok=False,
                commit=version.commit,
                digest=version.digest or None,
                problems=loaded.problems,
                message=f"{what} is invalid ({count} problem{'s' if count != 1 else ''}){kept}",
            )
        self._served = ServedPolicy(policy, version)
        return ReloadAttempt(
            version.loaded_at or datetime.now(UTC),
            trigger,
            ok=True,
            commit=version.commit,
            digest=version.digest,
            message=f"{what} is in force ({version.label()})",
        )
