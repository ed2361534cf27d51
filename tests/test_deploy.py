"""The examples in deploy/ start a command that exists, with options it accepts, and the README
shows each of them."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from dunning.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
# Where the examples put the policy repository: an existing folder in this test.
POLICY_HOME = "/srv/dunning/policy"


def dunning_arguments(command_line: str) -> list[str]:
    """Return the arguments after the ``dunning`` executable in a shell command line."""
    words = shlex.split(command_line.replace(POLICY_HOME, str(ROOT)))
    found = [i for i, word in enumerate(words) if word.endswith(".venv/bin/dunning")]
    assert found, f"no .venv/bin/dunning in {command_line!r}"
    rest = words[found[0] + 1 :]
    for stop in (">>", ">", "&&", "|", ";"):
        if stop in rest:
            rest = rest[: rest.index(stop)]
    return rest


def accepts(arguments: list[str]) -> click.Command:
    """Return the sub-command ``arguments`` names, after checking it parses them."""
    assert arguments, "no sub-command"
    context = main.make_context("dunning", list(arguments))
    name = arguments[0]
    command = main.get_command(context, name)
    assert command is not None, f"`dunning {name}` does not exist"
    command.make_context(name, arguments[1:], parent=context)  # raises on an unknown option
    return command


class _UnitParser(configparser.ConfigParser):
    """A unit file's sections; its keys keep their case, as systemd reads them."""

    def optionxform(self, optionstr: str) -> str:
        return optionstr


def systemd_unit(path: Path) -> configparser.ConfigParser:
    parser = _UnitParser(strict=False, interpolation=None)
    parser.read(path, encoding="utf-8")
    return parser


def test_the_systemd_service_starts_the_daily_job() -> None:
    unit = systemd_unit(DEPLOY / "systemd" / "dunning-run.service")
    start = unit["Service"]["ExecStart"]
    assert accepts(dunning_arguments(start)).name == "run"
    assert unit["Service"]["Type"] == "oneshot"
    assert unit["Service"]["ExecStart"].startswith(unit["Service"]["WorkingDirectory"])


def test_the_webhook_service_delivers_continuously() -> None:
    unit = systemd_unit(DEPLOY / "systemd" / "dunning-webhooks.service")
    arguments = dunning_arguments(unit["Service"]["ExecStart"])
    assert accepts(arguments).name == "webhook"
    assert arguments[1:3] == ["deliver", "--watch"]


def test_the_timer_starts_the_service_daily_and_catches_up() -> None:
    timer = (DEPLOY / "systemd" / "dunning-run.timer").read_text(encoding="utf-8")
    assert re.search(r"^OnCalendar=\*-\*-\* \d\d:\d\d:\d\d ", timer, flags=re.MULTILINE)
    assert "Persistent=true" in timer
    # A timer starts the service of its own name.
    assert (DEPLOY / "systemd" / "dunning-run.service").is_file()


def test_the_cron_line_runs_the_daily_job() -> None:
    text = (DEPLOY / "cron" / "dunning").read_text(encoding="utf-8")
    # The schedule lines: not comments, not variables (CRON_TZ=...).
    lines = [line for line in text.splitlines()
             if line and not line.startswith("#") and "=" not in line.split()[0]]  # fmt: skip
    (line,) = lines
    fields = line.split(maxsplit=6)
    assert len(fields) == 7 and fields[5] == "dunning"  # /etc/cron.d lines name the user
    assert accepts(dunning_arguments(fields[6])).name == "run"


def test_the_scheduled_workflow_runs_the_daily_job() -> None:
    workflow = yaml.safe_load((DEPLOY / "github-actions" / "dunning-run.yml").read_text("utf-8"))
    triggers = workflow[True]  # PyYAML reads the key `on` as true
    assert triggers["schedule"][0]["cron"]
    steps = workflow["jobs"]["run"]["steps"]
    runs = [step["run"] for step in steps if "dunning run" in step.get("run", "")]
    (run,) = runs
    assert accepts(dunning_arguments(run)).name == "run"
    assert workflow["concurrency"]["cancel-in-progress"] is False


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix()
                                        for p in DEPLOY.rglob("*") if p.is_file()))  # fmt: skip
def test_the_readme_names_each_deploy_file(path: str) -> None:
    assert path in (ROOT / "README.md").read_text(encoding="utf-8")
