"""`dunning plan` on a real git history, and the workflow that posts it on pull requests.

The story: a policy repository (this repository's policies/ and customers/) gets two commits, as
a finance lead's pull request would: the second reminder moves from due+14d to due+10d, then the
phone call gets a GBP 25.00 fee. Five customers of a small ledger, seen on Monday 2026-11-23
(all net 30, standard ladder):

- ALDR-0201, due 11-12, first reminder done: the second reminder falls due on 11-22 instead of
  11-26, so it is added today (GBP 15.00 fee).
- BIRC-0202, due 11-11, nothing done: under the base policy the first reminder is due; under the
  head policy the second (catching up the first): one removed, one added (GBP 15.00 fee).
- CEDA-0203, due 11-05, first reminder done: the second reminder is due under both, but fell due
  on 11-15 instead of 11-19: changed, the reason says why.
- DAMS-0204, due 10-30, first and second reminders done: the call is due under both, with the
  new GBP 25.00 fee under head: changed.
- ELMS-0205, invoiced 11-20: the delivery check goes out under both: no change.

Fees: base GBP 15.00 (CEDA), head 15.00 x 3 + 25.00 = GBP 70.00, difference GBP 55.00.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from dunning.cli import COMMANDS, main
from dunning.commands.plan import ledger_label

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "plan"
WORKFLOW = ROOT / ".github" / "workflows" / "plan.yml"
UPDATE = os.environ.get("DUNNING_SNAPSHOT_UPDATE") == "1"
MARKER = "<!-- dunning-plan -->"
SHIPPED_TESTS = sorted((ROOT / "policies" / "tests").glob("*.yaml"))

LEDGER = """\
apiVersion: dunning/v1
kind: Ledger
customers:
  - {id: ALDR-0201, name: Alder Joinery Ltd, country: GB}
  - {id: BIRC-0202, name: Birch Interiors Ltd, country: GB}
  - {id: CEDA-0203, name: Cedar Cafés Ltd, country: GB}
  - {id: DAMS-0204, name: Damson Deli Ltd, country: GB}
  - {id: ELMS-0205, name: Elm Street Stores Ltd, country: GB}
invoices:
  - {id: AJ-1, customer: ALDR-0201, issued: 2026-10-13, amount: "900.00", currency: GBP}
  - {id: BI-1, customer: BIRC-0202, issued: 2026-10-12, amount: "1500.00", currency: GBP}
  - {id: CC-1, customer: CEDA-0203, issued: 2026-10-06, amount: "640.00", currency: GBP}
  - {id: DD-1, customer: DAMS-0204, issued: 2026-09-30, amount: "1000.00", currency: GBP}
  - {id: ES-1, customer: ELMS-0205, issued: 2026-11-20, amount: "300.00", currency: GBP}
history:
  - {customer: ALDR-0201, step: first-reminder, invoices: [AJ-1], date: 2026-11-13, status: done}
  - {customer: CEDA-0203, step: first-reminder, invoices: [CC-1], date: 2026-11-06, status: done}
  - {customer: DAMS-0204, step: first-reminder, invoices: [DD-1], date: 2026-11-02, status: done}
  - {customer: DAMS-0204, step: second-reminder, invoices: [DD-1], date: 2026-11-13, status: done}
"""

PLAN = ("plan", "--base", "base", "--ledger", "ledger.yaml", "--date", "2026-11-23")


def git(root: Path, *args: str) -> str:
    """Return the output of a git command in ``root``; a failure fails the test."""
    done = subprocess.run(
        [
            "git", "-C", str(root), "-c", "user.name=Finance Lead",
            "-c", "user.email=finance@example.com", "-c", "commit.gpgsign=false", *args,
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in the file at ``path``."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def shorten_second_reminder(root: Path) -> None:
    """Commit 1: the second reminder goes out 10 days after the due date instead of 14."""
    edit(
        root / "policies" / "ladders" / "standard.yaml",
        "  - id: second-reminder\n    at: due+14d\n",
        "  - id: second-reminder\n    at: due+10d\n",
    )


def add_call_fee(root: Path) -> None:
    """Commit 2: a GBP 25.00 fee on the collector's phone call."""
    edit(
        root / "policies" / "fees.yaml",
        'fixed: {GBP: "15.00", EUR: "15.00", USD: "20.00"}\n',
        'fixed: {GBP: "15.00", EUR: "15.00", USD: "20.00"}\n'
        "  call-fee:\n"
        "    description: Collection call fee.\n"
        '    fixed: {GBP: "25.00", EUR: "25.00", USD: "30.00"}\n',
    )
    edit(
        root / "policies" / "ladders" / "standard.yaml",
        "    channel: phone\n    assign: collector\n",
        "    channel: phone\n    assign: collector\n    fee: call-fee\n",
    )


def policy_history(root: Path) -> Path:
    """Return a git repository with this repository's policy as `base`, then the two commits."""
    root.mkdir(parents=True)
    for folder in ("policies", "customers"):
        shutil.copytree(ROOT / folder, root / folder)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "policies", "customers")
    git(root, "commit", "--quiet", "-m", "Policy as merged")
    git(root, "tag", "base")
    shorten_second_reminder(root)
    git(root, "commit", "--quiet", "-am", "Send the second reminder after 10 days")
    git(root, "tag", "shorter")
    add_call_fee(root)
    git(root, "commit", "--quiet", "-am", "Charge for the collection call")
    (root / "ledger.yaml").write_text(LEDGER, encoding="utf-8")
    return root


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return the policy repository with its two-commit history, made the current folder."""
    root = policy_history(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> Result:
    """Return the result of `dunning ARGS`; a traceback fails the test."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def normalised(data: Any) -> Any:
    """Return plan JSON without what changes from run to run: commits, digests, action ids."""
    if isinstance(data, dict):
        return {
            key: ("<volatile>" if key in {"commit", "digest"} and value else normalised(value))
            for key, value in data.items()
            if key != "id" or not str(value).startswith("act_")
        }
    if isinstance(data, list):
        return [normalised(item) for item in data]
    return data


def action(customer: str, name: str, step: str, invoice: str, amount: str, **more: Any) -> Any:
    """Return an action as the plan's JSON shows it (ids left out)."""
    return {
        "customer": {"id": customer, "name": name},
        "ladder": "standard",
        "step": step,
        "occurrence": 0,
        "kind": "email",
        "what_to_do": "Send email",
        "template": step,
        "tone": "standard",
        "language": "en",
        "invoices": [invoice],
        "open": {"GBP": amount},
        "fees": more.pop("fees", {}),
        "interest": {},
        "reasons": more.pop("reasons"),
    }


CATCH_UP = "so only this step is sent."
EXPECTED_DAY = {
    "date": "2026-11-23",
    "actions": {"base": 4, "head": 5},
    "added": [
        action(
            "ALDR-0201", "Alder Joinery Ltd", "second-reminder", "AJ-1", "900.00",
            fees={"GBP": "15.00"},
            reasons=[
                "Invoice AJ-1 (GBP 900.00 open) is 11 days overdue; the step 'second-reminder' "
                "(due+10d) fell due on 2026-11-22."
            ],
        ),
        action(
            "BIRC-0202", "Birch Interiors Ltd", "second-reminder", "BI-1", "1500.00",
            fees={"GBP": "15.00"},
            reasons=[
                "Invoice BI-1 (GBP 1,500.00 open) is 12 days overdue; the step 'second-reminder' "
                "(due+10d) fell due on 2026-11-21.",
                # The delivery check and courtesy note expired at the due date (rule "expiry").
                "Catch-up: 'first-reminder' also fell due and is superseded by "
                f"'second-reminder', {CATCH_UP}",
            ],
        ),
    ],
    "removed": [
        action(
            "BIRC-0202", "Birch Interiors Ltd", "first-reminder", "BI-1", "1500.00",
            reasons=[
                "Invoice BI-1 (GBP 1,500.00 open) is 12 days overdue; the step 'first-reminder' "
                "(due+1bd) fell due on 2026-11-12.",
            ],
        ),
    ],
    "changed": [
        {
            "customer": {"id": "CEDA-0203", "name": "Cedar Cafés Ltd"},
            "step": "second-reminder",
            "occurrence": 0,
            "invoices": ["CC-1"],
            "changes": [
                {
                    "field": "reason",
                    "base": "Invoice CC-1 (GBP 640.00 open) is 18 days overdue; the step "
                    "'second-reminder' (due+14d) fell due on 2026-11-19.",
                    "head": "Invoice CC-1 (GBP 640.00 open) is 18 days overdue; the step "
                    "'second-reminder' (due+10d) fell due on 2026-11-15.",
                }
            ],
        },
        {
            "customer": {"id": "DAMS-0204", "name": "Damson Deli Ltd"},
            "step": "call",
            "occurrence": 0,
            "invoices": ["DD-1"],
            "changes": [{"field": "fees", "base": "-", "head": "GBP 25.00"}],
        },
    ],
    "held_back": [],
    "no_longer_held_back": [],
    "newly_on_credit_hold": [],
    "newly_escalated": [],
    "newly_write_off_review": [],
    "charges": {
        "GBP": {
            "fees": {"base": "15.00", "head": "70.00", "difference": "55.00"},
            "interest": {"base": "0.00", "head": "0.00", "difference": "0.00"},
            "total": {"base": "15.00", "head": "70.00", "difference": "55.00"},
        }
    },
    "steps": [
        {"ladder": "standard", "step": "delivery-check", "base": 1, "head": 1, "difference": 0},
        {"ladder": "standard", "step": "first-reminder", "base": 1, "head": 0, "difference": -1},
        {"ladder": "standard", "step": "second-reminder", "base": 1, "head": 3, "difference": 2},
        {"ladder": "standard", "step": "call", "base": 1, "head": 1, "difference": 0},
    ],
}  # fmt: skip


def test_plan_reports_exactly_the_hand_computed_difference(repo: Path) -> None:
    """Base `base`, head the working tree (both commits): the full JSON, as worked out above."""
    result = run(*PLAN, "--format", "json")
    assert result.exit_code == 0, result.output
    data = normalised(json.loads(result.stdout))
    # CEDA-0203 gets the same second reminder, only its explanation changed (it fell due earlier).
    assert data["headline"] == (
        "3 customers get a different letter or call on 2026-11-23; "
        "1 more customer with other changes."
    )
    assert data["base"] == {
        "ref": "base", "commit": "<volatile>", "digest": "<volatile>", "source": "git",
        "valid": True, "problems": [],
    }  # fmt: skip
    assert data["head"] == {
        "ref": "HEAD", "commit": "<volatile>", "digest": "<volatile>", "source": "git",
    }  # fmt: skip
    assert (data["ledger"], data["dates"]) == ("ledger.yaml", ["2026-11-23"])
    assert data["summary"] == {
        "changed": True,
        "actions": {"base": 4, "head": 5},
        "added": 2,
        "removed": 1,
        "changed_actions": 2,
        "customers_affected": ["ALDR-0201", "BIRC-0202", "CEDA-0203", "DAMS-0204"],
        "customers_contacted_differently": ["ALDR-0201", "BIRC-0202", "DAMS-0204"],
        "moved": [],
        "newly_on_credit_hold": [],
        "newly_escalated": [],
        "newly_write_off_review": [],
        "charges": EXPECTED_DAY["charges"],
        "steps": EXPECTED_DAY["steps"],
    }
    assert data["days"] == [EXPECTED_DAY]


def test_each_commit_on_its_own(repo: Path) -> None:
    """--head names a ref: the shorter ladder alone; the fee alone against the working tree."""
    shorter = json.loads(run(*PLAN, "--head", "shorter", "--format", "json").stdout)
    assert shorter["summary"]["charges"]["GBP"]["fees"] == {
        "base": "15.00", "head": "45.00", "difference": "30.00",
    }  # fmt: skip
    assert [c["customer"]["id"] for c in shorter["days"][0]["changed"]] == ["CEDA-0203"]
    assert shorter["head"]["ref"] == "shorter"

    fee = run("plan", "--base", "shorter", "--ledger", "ledger.yaml", "--date", "2026-11-23")
    assert fee.exit_code == 0, fee.output
    assert fee.stdout.splitlines()[0] == (
        "Policy plan: 1 customer gets a different letter or call on 2026-11-23."
    )
    assert "    ~ changed    call: Phone call, DD-1 (GBP 1,000.00 open), fees GBP 25.00" in (
        fee.stdout
    )
    assert "  GBP           45.00      70.00           0.00           0.00  +25.00" in fee.stdout


def test_markdown_matches_the_golden_file(repo: Path) -> None:
    """The pull-request comment, word for word (DUNNING_SNAPSHOT_UPDATE=1 rewrites it)."""
    result = run(*PLAN, "--format", "markdown")
    assert result.exit_code == 0, result.output
    text = re.sub(r"\(([0-9a-f]{12})\)", "(<commit>)", result.stdout)
    golden = FIXTURES / "two-commits.md"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_several_days_show_the_shorter_ladder_as_moved(repo: Path) -> None:
    """--days 4 from 11-23: ALDR's second reminder comes 4 days earlier, not on top."""
    result = run(*PLAN, "--head", "shorter", "--days", "4", "--format", "json")
    data = json.loads(result.stdout)
    assert data["dates"] == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"]
    moved = {
        (m["customer"]["id"], m["base_date"], m["head_date"]) for m in data["summary"]["moved"]
    }
    assert ("ALDR-0201", "2026-11-26", "2026-11-23") in moved


def test_an_invalid_head_policy_exits_1_with_the_problems(repo: Path) -> None:
    """The finance lead's mistake: the problems as validate prints them, and no plan."""
    edit(repo / "policies" / "ladders" / "standard.yaml", "at: due+21d", "at: due+5d")
    result = run(*PLAN)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert re.search(r"^policies/ladders/standard\.yaml:\d+:\d+: P020 ", result.stderr, re.M)
    assert "The head policy (working tree) is invalid, so no plan was made." in result.stderr


def test_an_invalid_base_policy_is_a_warning_and_an_empty_list(repo: Path) -> None:
    """A broken base (the pull request may be the fix): every head action shows as added."""
    edit(repo / "policies" / "ladders" / "standard.yaml", "at: due+21d", "at: due+5d")
    git(repo, "commit", "--quiet", "-am", "Broken")
    git(repo, "tag", "broken")
    git(repo, "revert", "--no-edit", "HEAD")
    result = run("plan", "--base", "broken", "--ledger", "ledger.yaml", "--date", "2026-11-23",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Warning: the base policy (broken) is invalid" in result.stderr
    data = json.loads(result.stdout)
    assert data["base"]["valid"] is False
    assert any(" P020 " in problem for problem in data["base"]["problems"])
    assert (data["summary"]["added"], data["summary"]["actions"]) == (5, {"base": 0, "head": 5})


def test_a_broken_policy_test_does_not_stop_the_plan(repo: Path) -> None:
    """A policy test says nothing about the ledger: `dunning test` reports it, plan runs."""
    (repo / "policies" / "tests" / "broken.yaml").write_text(
        "apiVersion: dunning/v1\nkind: PolicyTest\nname: no ledger\n", encoding="utf-8"
    )
    result = run(*PLAN)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Policy plan: 3 customers get a different letter or call")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--base", "no-such-branch"), "'no-such-branch' is not a branch, tag or commit"),
        (("--base", "base", "--head", "nope"), "'nope' is not a branch, tag or commit"),
        (("--base", "base", "--days", "0"), "0 is not in the range"),
    ],
    ids=["unknown-base", "unknown-head", "zero-days"],
)
def test_usage_errors_exit_2(repo: Path, args: tuple[str, ...], message: str) -> None:
    """An unknown ref or a bad option is a usage error, said plainly."""
    result = run("plan", *args, "--ledger", "ledger.yaml", "--date", "2026-11-23")
    assert result.exit_code == 2
    assert message in result.stderr


def test_outside_a_git_repository_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plan compares commits: without git history it cannot run."""
    for folder in ("policies", "customers"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    result = run("plan", "--base", "main", "--date", "2026-11-23")
    assert result.exit_code == 2
    assert "is not in a git repository" in result.stderr


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        ("ledger/snapshot.yaml", "ledger/snapshot.yaml"),
        ("sqlite:///plan-ledger.db", "sqlite:///plan-ledger.db"),
        ("postgresql+psycopg://plan:s3cret@db.internal:5432/ledger", "postgresql+psycopg "
         "database 'ledger'"),
    ],
    ids=["file", "sqlite", "postgres-without-credentials"],
)  # fmt: skip
def test_the_ledger_is_named_without_credentials(spec: str, shown: str) -> None:
    """The plan is posted on pull requests: a database URL loses its user, password and host."""
    assert ledger_label(spec) == shown


# -- the workflow ----------------------------------------------------------------------------


def workflow() -> dict[Any, Any]:
    """Return the plan workflow as data."""
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps() -> list[dict[str, Any]]:
    """Return the steps of the workflow's one job."""
    [job] = workflow()["jobs"].values()
    found = job["steps"]
    assert isinstance(found, list)
    return found


def test_the_workflow_runs_on_policy_pull_requests_with_history() -> None:
    """Pull requests touching policies/ or customers/; full history; may comment."""
    data = workflow()
    trigger = data["on"] if "on" in data else data[True]  # PyYAML reads `on` as True
    assert trigger["pull_request"]["paths"] == ["policies/**", "customers/**"]
    assert data["permissions"] == {"contents": "read", "pull-requests": "write"}
    checkout = next(s for s in steps() if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    python = next(s for s in steps() if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == "3.11"


def run_step(
    step: dict[str, Any], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Return the outcome of a step's shell script, run as GitHub runs it (bash -e -o pipefail)."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


@pytest.mark.slow
def test_the_workflow_commands_run_on_a_pull_request_checkout(tmp_path: Path) -> None:
    """Validate, test, choose the ledger, plan: as in CI, on a clone with origin/main."""
    origin = policy_history(tmp_path / "origin")
    git(origin, "reset", "--quiet", "--hard", "base")
    clone = tmp_path / "pr"
    git(tmp_path, "clone", "--quiet", str(origin), str(clone))
    shorten_second_reminder(clone)
    add_call_fee(clone)
    git(clone, "commit", "--quiet", "-am", "Shorter ladder, call fee")
    (clone / "ledger").mkdir()
    (clone / "ledger" / "snapshot.yaml").write_text(LEDGER, encoding="utf-8")
    (clone / ".venv").symlink_to(ROOT / ".venv")
    github_env = tmp_path / "github_env"
    summary = tmp_path / "step_summary"
    env = {
        **os.environ,
        "GITHUB_ENV": str(github_env),
        "GITHUB_STEP_SUMMARY": str(summary),
        "BASE_REF": "main",
        "DUNNING_PLAN_LEDGER_URL": "",
    }
    for path in (github_env, summary):
        path.write_text("", encoding="utf-8")
    outcomes: dict[str, str] = {}
    for step in steps():
        condition = step.get("if")
        if "run" not in step or step["run"].startswith("make "):
            continue
        if condition is not None:
            # The only condition on a shell step: fail the job when the policy tests failed.
            assert condition == "steps.tests.outcome == 'failure'"
            if outcomes["Run the policy tests"] != "failure":
                continue
        done = run_step(step, clone, env)
        outcomes[step["name"]] = "success" if done.returncode == 0 else "failure"
        if not step.get("continue-on-error"):
            assert done.returncode == 0 or condition, (step["name"], done.stdout, done.stderr)
        for line in github_env.read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition("=")
            env[name] = value
    # The change breaks two shipped policy tests (they expect the second reminder at due+14d,
    # and no fee on the call): the plan is still made and posted, then the job fails.
    assert outcomes == {
        "Validate the policy": "success",
        "Run the policy tests": "failure",
        "Choose the ledger snapshot": "success",
        "Plan the change": "success",
        "Fail when a policy test failed": "failure",
    }
    report = ET.parse(clone / "policy-tests.xml").getroot()
    assert (report.get("tests"), report.get("failures")) == (str(len(SHIPPED_TESTS)), "2")
    assert env["PLAN_LEDGER"] == "ledger/snapshot.yaml"
    plan = (clone / "plan.md").read_text(encoding="utf-8")
    assert plan.startswith("### Policy plan: ")
    assert summary.read_text(encoding="utf-8").endswith(plan)  # after validate's summary


@pytest.mark.slow
@pytest.mark.skipif("demo" not in COMMANDS, reason="dunning demo is not registered yet")
def test_without_a_snapshot_the_workflow_plans_on_the_demo_ledger(tmp_path: Path) -> None:
    """No ledger/snapshot.yaml and no secret: the demo ledger is built and named for the plan."""
    clone = policy_history(tmp_path / "repo")
    (clone / ".venv").symlink_to(ROOT / ".venv")
    github_env = tmp_path / "github_env"
    github_env.write_text("", encoding="utf-8")
    env = {**os.environ, "GITHUB_ENV": str(github_env), "DUNNING_PLAN_LEDGER_URL": ""}
    step = next(s for s in steps() if s.get("name") == "Choose the ledger snapshot")
    done = run_step(step, clone, env)
    assert done.returncode == 0, done.stderr
    assert github_env.read_text(encoding="utf-8") == "PLAN_LEDGER=sqlite:///plan-ledger.db\n"
    assert (clone / "plan-ledger.db").exists()


COMMENT_HARNESS = """
const calls = [];
const comments = JSON.parse(process.env.COMMENTS);
const github = {
  paginate: async (fn, args) => { calls.push(['list', args.issue_number]); return comments; },
  rest: { issues: {
    listComments: 'listComments',
    updateComment: async (args) => calls.push(['update', args.comment_id, args.body]),
    createComment: async (args) => calls.push(['create', args.issue_number, args.body]),
  } },
};
const context = { repo: { owner: 'northwind', repo: 'policy' }, issue: { number: 42 } };
(async () => {
SCRIPT
})().then(() => console.log(JSON.stringify(calls)));
"""


def comment_calls(tmp_path: Path, plan: str, comments: list[dict[str, Any]]) -> Any:
    """Return the GitHub API calls the workflow's comment script makes (run with node)."""
    step = next(s for s in steps() if s.get("uses", "").startswith("actions/github-script@"))
    script = COMMENT_HARNESS.replace("SCRIPT", textwrap.indent(step["with"]["script"], "  "))
    (tmp_path / "plan.md").write_text(plan, encoding="utf-8")
    (tmp_path / "comment.js").write_text(script, encoding="utf-8")
    done = subprocess.run(
        ["node", "comment.js"], cwd=tmp_path, capture_output=True, text=True, check=False,
        env={**os.environ, "COMMENTS": json.dumps(comments)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed to run the script")
def test_the_comment_is_created_once_then_updated(tmp_path: Path) -> None:
    """No earlier plan comment: create one with the marker; an earlier one is updated."""
    plan = "### Policy plan: No change.\n"
    created = comment_calls(tmp_path, plan, [{"id": 7, "user": {"type": "User"}, "body": "LGTM"}])
    assert created == [["list", 42], ["create", 42, f"{MARKER}\n{plan}"]]
    earlier = {"id": 9, "user": {"type": "Bot"}, "body": f"{MARKER}\nold plan"}
    updated = comment_calls(tmp_path, plan, [earlier])
    assert updated == [["list", 42], ["update", 9, f"{MARKER}\n{plan}"]]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed to run the script")
def test_a_plan_too_long_for_a_comment_is_cut_with_its_blocks_closed(tmp_path: Path) -> None:
    """GitHub refuses comments over 65,536 characters: cut at a line, close <details>."""
    plan = "### Policy plan\n\n<details>\n<summary>Changes</summary>\n\n" + "| row |\n" * 20000
    [_, (_, _, body)] = comment_calls(tmp_path, plan, [])
    assert len(body) < 65536
    assert body.count("<details>") == body.count("</details>") == 1
    assert body.endswith("the whole plan is in the job summary._\n")
