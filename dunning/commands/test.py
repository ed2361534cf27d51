"""``dunning test``: run the policy tests in policies/tests/ and show what failed, side by side."""

from __future__ import annotations

from pathlib import Path

import click

# Exit statuses, as pytest's: CI reads them the same way.
ALL_PASSED = 0
SOME_FAILED = 1
INVALID = 2
NO_TESTS = 5


@click.command("test")
@click.argument(
    "path",
    required=False,
    default=".",
    type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "junit"]),
    default="text",
    show_default=True,
    help="text for people; junit for CI test reports (JUnit XML on standard output).",
)
@click.option(
    "--junit-xml",
    "junit_xml",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    metavar="FILE",
    help="Also write the results as JUnit XML to FILE.",
)
@click.option(
    "-k",
    "keyword",
    metavar="NAME",
    help="Only the tests whose name or file name contains NAME (case ignored).",
)
@click.pass_context
def command(
    ctx: click.Context, path: Path, fmt: str, junit_xml: Path | None, keyword: str | None
) -> None:
    """Run the policy tests of the policy in PATH (default: the current folder).

    PATH may be the policy repository, policies/tests/ or one test file. Every test evaluates its
    own small ledger on its dates and checks the actions it expects (and those that must not
    appear). Exit status, as pytest's: 0 all passed, 1 some failed, 2 invalid policy or test
    files (or a usage error), 5 no tests found.
    """
    # Imported here so that `dunning --help` does not load the schemas and the engine.
    from engine.check.validate import check  # noqa: PLC0415
    from engine.load.policy_loader import find_root, load_policy  # noqa: PLC0415
    from engine.load.policy_repo import working_tree_version  # noqa: PLC0415
    from engine.report.problems import report_text as problems_text  # noqa: PLC0415
    from engine.tools.policy_test_report import REPORTERS  # noqa: PLC0415
    from engine.tools.policy_tests import read_tests, run_tests, select  # noqa: PLC0415

    target = path.resolve()
    root = find_root(target)
    if root is None:
        click.echo(
            f"No policy found at {path}: expected policies/policy.yaml there or in a folder "
            "above it. Run dunning test in the policy repository.",
            err=True,
        )
        ctx.exit(INVALID)
    assert root is not None  # for the type checker: ctx.exit does not return
    result = load_policy([root])
    problems = check(result)
    if problems or result.policy is None:
        click.echo(problems_text(problems, len(result.files)), err=True)
        click.echo(
            "The policy or its tests have problems, so no test was run. Fix them "
            "(`dunning validate` lists them too) and run dunning test again.",
            err=True,
        )
        ctx.exit(INVALID)
    assert result.policy is not None
    tests, test_problems = read_tests(result.tests)
    if test_problems:
        click.echo(problems_text(test_problems, len(result.tests)), err=True)
        click.echo("Some policy tests cannot be run; fix the problems above.", err=True)
        ctx.exit(INVALID)
    if target != root:
        tests = [t for t in tests if Path(t.file).resolve().is_relative_to(target)]
    tests = select(tests, keyword)
    if not tests:
        where = f"matching -k {keyword!r} " if keyword else ""
        click.echo(
            f"No policy tests {where}found in {path}: a policy test is a file of kind "
            "PolicyTest in policies/tests/ (see docs/policy-tests.md). A policy without tests "
            "proves nothing, so this counts as a failure.",
            err=True,
        )
        if fmt == "junit":
            click.echo(REPORTERS["junit"](()), nl=False)
        ctx.exit(NO_TESTS)

    version = working_tree_version(root, result.policy.digest)
    results = run_tests(result.policy, tests, version)
    click.echo(REPORTERS[fmt](results), nl=False)
    if junit_xml is not None:
        try:
            junit_xml.write_text(REPORTERS["junit"](results), encoding="utf-8")
        except OSError as error:
            click.echo(f"could not write {junit_xml}: {error}", err=True)
            ctx.exit(INVALID)
    ctx.exit(ALL_PASSED if all(r.passed for r in results) else SOME_FAILED)
