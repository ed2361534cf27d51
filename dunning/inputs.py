"""What the commands read: the policy (with its version) and the ledger, or a clear error."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.check.validate import check
from engine.load.policy_loader import load_policy
from engine.load.policy_repo import working_tree_version
from engine.model.actions import PolicyVersion
from engine.model.ledger import CustomerLedger
from engine.model.policy import Policy
from engine.report.problems import REPORTERS as PROBLEM_REPORTERS

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from store.migrate import DatabaseNotReadyError

DEFAULT_DATABASE_URL = "sqlite:///dunning.db"
LEDGER_FILE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True, slots=True)
class LoadedPolicy:
    """A valid policy and the version that names it."""

    policy: Policy
    version: PolicyVersion
    root: Path


def load_valid_policy(path: str | Path) -> LoadedPolicy:
    """Return the policy at ``path``, or exit 1 printing its problems (as `validate` would)."""
    result = load_policy([path])
    problems = check(result)
    if problems or result.policy is None:
        click.echo(PROBLEM_REPORTERS["text"](problems, len(result.files)), err=True)
        click.echo(
            "The policy is invalid, so no action list was produced. "
            "Fix the problems above (`dunning validate` shows them too).",
            err=True,
        )
        raise SystemExit(1)
    root = result.root or Path(path)
    return LoadedPolicy(result.policy, working_tree_version(root, result.policy.digest), root)


def ledger_spec(explicit: str | None) -> str:
    """Return the ledger to read: the option, else $DUNNING_DATABASE_URL, else the default."""
    return explicit or os.environ.get("DUNNING_DATABASE_URL") or DEFAULT_DATABASE_URL


def is_ledger_file(spec: str) -> bool:
    """Return whether ``spec`` names a ledger file rather than a database URL."""
    return "://" not in spec and spec.lower().endswith(LEDGER_FILE_SUFFIXES)


def read_ledger(
    spec: str, customers: Sequence[str] = (), as_of: date | None = None, *,
    open_from: date | None = None,
) -> Iterable[CustomerLedger]:
    """Return the customers' ledgers from a ledger file or a database URL, or exit with a reason.

    ``as_of``: the day to be evaluated (a database then reads the ledger as it stood that day,
    invoices paid in full later included); ``open_from`` with it: every day from ``open_from`` to
    ``as_of`` (a plan). A ledger file is read whole: the evaluation leaves out what is dated later.
    """
    if is_ledger_file(spec):
        from engine.load.ledger_file import read_ledger_file  # noqa: PLC0415 - only file ledgers need it

        snapshot, problems = read_ledger_file(Path(spec))
        if problems or snapshot is None:
            for problem in problems:
                click.echo(str(problem), err=True)
            click.echo(f"The ledger file {spec} has problems; nothing was evaluated.", err=True)
            raise SystemExit(1)
        return snapshot.only(customers) if customers else snapshot
    if "://" not in spec:
        raise click.UsageError(
            f"--ledger {spec}: expected a ledger file ending in .yaml, .yml or .json, "
            "or a database URL such as sqlite:///dunning.db"
        )
    # SQLAlchemy only for database ledgers, so a file ledger or --help never imports it.
    from store.migrate import DatabaseNotReadyError  # noqa: PLC0415
    from store.reader import open_ledger  # noqa: PLC0415

    try:
        return open_ledger(spec, customers or None, as_of, open_from=open_from)
    except DatabaseNotReadyError as error:
        _explain_not_ready(error)
    raise SystemExit(1)


def open_database(spec: str) -> Engine:
    """Return an engine on the ledger database ``spec`` at the current schema, or exit with
    what to do (no file, no tables, an older schema)."""
    from store.connection import create_store_engine, missing_sqlite_file  # noqa: PLC0415
    from store.migrate import (  # noqa: PLC0415
        DatabaseMissingError,
        DatabaseNotReadyError,
        require_current,
    )

    if "://" not in spec:
        raise click.UsageError(
            f"--ledger {spec}: expected a ledger file ending in .yaml, .yml or .json, "
            "or a database URL such as sqlite:///dunning.db"
        )
    missing = missing_sqlite_file(spec)
    if missing is not None:
        _explain_not_ready(DatabaseMissingError("", url=spec, path=missing))
        raise SystemExit(1)
    engine = create_store_engine(spec)
    try:
        require_current(engine)
    except DatabaseNotReadyError as error:
        engine.dispose()
        _explain_not_ready(error)
        raise SystemExit(1) from error
    return engine


def _explain_not_ready(error: DatabaseNotReadyError) -> None:
    from store.migrate import DatabaseMissingError  # noqa: PLC0415

    if isinstance(error, DatabaseMissingError):
        click.echo(
            f"There is no ledger at {error.url}: the file {error.path.resolve()} does not exist."
            f" Create it with `dunning db upgrade --database {error.url}` then"
            " `dunning import ...`, or try `dunning demo`.",
            err=True,
        )
    elif error.revision is None:
        click.echo(
            f"The database at {error.url} has no ledger yet: run"
            f" `dunning db upgrade --database {error.url}` then `dunning import ...`, or"
            " try `dunning demo`.",
            err=True,
        )
    else:
        click.echo(
            f"The database at {error.url} has an older schema (revision {error.revision})"
            f" than this version of dunning: run `dunning db upgrade --database {error.url}`.",
            err=True,
        )
