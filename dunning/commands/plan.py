"""``dunning plan``: what a policy change will do to the action list, before it merges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import click

from dunning.params import DAY
from engine.model.source import Problem
from engine.report.plan_render import REPORTERS

INVALID_HEAD = 1
TESTS_FOLDER = "/policies/tests/"


def ledger_label(spec: str) -> str:
    """Return the ledger as shown in a plan: a file path, or a database URL without credentials.

    A plan is posted on pull requests, so a configured database URL must not leak its user,
    password or host there.
    """
    if "://" not in spec:
        return spec
    parts = urlsplit(spec)
    if parts.scheme.startswith("sqlite"):
        return f"{parts.scheme}://{parts.path}"
    name = parts.path.rsplit("/", 1)[-1]
    return f"{parts.scheme} database '{name}'" if name else f"{parts.scheme} database"


def policy_problems(problems: Sequence[Problem]) -> list[Problem]:
    """Return the problems that make a policy unusable: those outside its policy tests.

    A broken policy test says nothing about what the policy does to the ledger; `dunning test`
    and `dunning validate` report it.
    """
    return [p for p in problems if TESTS_FOLDER not in "/" + Path(p.file).as_posix()]


@click.command("plan")
@click.option(
    "--base",
    "base_ref",
    required=True,
    metavar="REF",
    help="The branch, tag or commit to compare against, e.g. origin/main.",
)
@click.option(
    "--head",
    "head_ref",
    metavar="REF",
    help="The policy to compare: a branch, tag or commit. Default: the working tree.",
)
@click.option(
    "--ledger",
    "ledger",
    metavar="FILE|URL",
    help="A ledger file (.yaml, .yml, .json) or a database URL. "
    "Default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db.",
)
@click.option(
    "--date",
    "as_of",
    type=DAY,
    help="The (first) day to compare (YYYY-MM-DD). Default: today in the head policy's time zone.",
)
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=1,
    show_default=True,
    help="Compare this many days from --date, as if each day's list were worked in full.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for tools.",
)
@click.option(
    "--policy",
    "policy_path",
    default=".",
    show_default=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The policy repository (the git repository holding policies/ and customers/).",
)
@click.pass_context
def command(
    ctx: click.Context,
    base_ref: str,
    head_ref: str | None,
    ledger: str | None,
    as_of: date | None,
    days: int,
    fmt: str,
    policy_path: Path,
) -> None:
    """Show what the policy change will do: actions added, removed and changed, by customer.

    Evaluates the same ledger under the policy at --base and at --head (default: the working
    tree) and prints the difference: who gets a different letter or call, who is newly on credit
    hold, escalated or sent to write-off review, fees and interest by currency, actions per step.
    Exit status: 0 the plan was made (with or without differences), 1 the head policy or the
    ledger file is invalid, 2 a usage error (unknown ref, no git repository, a --ledger that is
    neither a ledger file nor a database URL).
    """
    # Imported here so that `dunning --help` stays fast.
    from dunning.inputs import ledger_spec, read_ledger  # noqa: PLC0415
    from engine.load.policy_loader import find_root, load_policy  # noqa: PLC0415
    from engine.load.policy_repo import GitError, git_root, working_tree_version  # noqa: PLC0415
    from engine.report.plan_render import render_plan  # noqa: PLC0415
    from engine.report.problems import report_text  # noqa: PLC0415
    from engine.tools.plan import empty_evaluations, make_plan, simulate  # noqa: PLC0415
    from engine.tools.policy_at_ref import CheckedPolicy, checked, policy_at_ref  # noqa: PLC0415
    from engine.tools.today import today_in  # noqa: PLC0415
    from store.collector import collector_paused  # noqa: PLC0415

    top = git_root(policy_path.resolve())
    if top is None:
        raise click.UsageError(
            f"{policy_path} is not in a git repository: plan compares committed policies, so "
            "run it in the policy repository (with its history: fetch-depth 0 in CI)"
        )
    root = find_root(policy_path.resolve())
    if root is None or root.resolve() != top.resolve():
        raise click.UsageError(
            f"no policies/policy.yaml at the top of the git repository {top}: plan reads "
            "policies/ and customers/ from the top of the repository"
        )

    def at_ref(ref: str, option: str) -> CheckedPolicy:
        try:
            return policy_at_ref(top, ref)
        except GitError as error:
            raise click.BadParameter(str(error), param_hint=option) from error

    # The head first: an invalid head is the finance lead's to fix, and nothing else matters.
    if head_ref is None:
        result = load_policy([root])
        digest = result.policy.digest if result.policy is not None else ""
        head = checked(result, working_tree_version(root, digest))
    else:
        head = at_ref(head_ref, "--head")
    head_problems = policy_problems(head.problems)
    if head_problems or head.result.policy is None:
        click.echo(report_text(head_problems, len(head.result.files)), err=True)
        click.echo(
            f"The head policy ({head_ref or 'working tree'}) is invalid, so no plan was made. "
            "Fix the problems above (`dunning validate` shows them too).",
            err=True,
        )
        ctx.exit(INVALID_HEAD)
    head_policy = head.result.policy
    assert head_policy is not None  # for the type checker: ctx.exit does not return

    base = at_ref(base_ref, "--base")
    base_problems = policy_problems(base.problems)
    base_policy = None if base_problems else base.result.policy
    if base_policy is None:
        click.echo(
            f"Warning: the base policy ({base_ref}) is invalid; it is taken as producing no "
            "actions, so everything the head policy does shows as added.",
            err=True,
        )

    first: date = as_of if as_of is not None else today_in(head_policy.timezone)
    dates = [first + timedelta(days=n) for n in range(days)]
    spec = ledger_spec(ledger)
    # Read once for every day: both policies see the very same ledger.
    customers = list(read_ledger(spec, as_of=dates[-1], open_from=dates[0]))

    with collector_paused():  # each day's lists: records that never form a cycle
        head_lists = simulate(head_policy, customers, dates, head.version)
        if base_policy is None:
            base_lists = empty_evaluations(dates, base.version)
        else:
            base_lists = simulate(base_policy, customers, dates, base.version)
    plan = make_plan(base_lists, head_lists, ledger_label(spec), base_problems)
    click.echo(render_plan(plan, fmt), nl=False)
