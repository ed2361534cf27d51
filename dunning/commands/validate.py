"""``dunning validate``: check policy files against their schemas and the policy's own rules."""

from __future__ import annotations

import os
from pathlib import Path

import click

from engine.report.problems import REPORTERS


@click.command("validate")
@click.argument(
    "paths",
    nargs=-1,
    type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for workflow annotations.",
)
@click.pass_context
def command(ctx: click.Context, paths: tuple[Path, ...], fmt: str) -> None:
    """Check the policy in PATH (default: the current folder) and list every problem.

    PATH may be the policy repository, a folder in it, or single files; the rest of the policy is
    read from the repository so that references can be checked. Warnings (a policy that is valid
    but likely not what was meant) are listed too. Exit status: 0 valid (warnings or not), 1
    problems found, 2 usage error.
    """
    # Imported here so that `dunning --help` does not load the schemas' dependencies.
    from engine.check.validate import check, warnings  # noqa: PLC0415
    from engine.load.policy_loader import load_policies  # noqa: PLC0415
    from engine.report.problems import github_step_summary  # noqa: PLC0415

    problems = []
    files = 0
    for result in load_policies(list(paths) or [Path()]):
        problems += check(result)
        problems += warnings(result)
        files += len(result.files)
    click.echo(REPORTERS[fmt](problems, files))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary:
        try:
            with Path(summary).open("a", encoding="utf-8", errors="replace") as stream:
                stream.write(github_step_summary(problems, files))
        except OSError as error:
            click.echo(f"could not write the step summary to {summary}: {error}", err=True)
    ctx.exit(1 if any(not problem.is_warning for problem in problems) else 0)
