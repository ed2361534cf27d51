"""The ``dunning`` command: a click group whose sub-commands live in ``dunning.commands``."""

from __future__ import annotations

import importlib

import click

# Each module defines a click command (or group) named ``command``. Imported lazily so that
# ``dunning validate`` in a pre-commit hook does not pay for FastAPI or SQLAlchemy.
COMMANDS: dict[str, str] = {
    "actions": "dunning.commands.actions",
    "customer": "dunning.commands.customer",
    "db": "dunning.commands.db",
    "demo": "dunning.commands.demo",
    "escalation": "dunning.commands.escalation",
    "handoff": "dunning.commands.handoff",
    "import": "dunning.commands.import_",
    "plan": "dunning.commands.plan",
    "portal": "dunning.commands.portal",
    "report": "dunning.commands.report",
    "run": "dunning.commands.run",
    "send": "dunning.commands.send",
    "serve": "dunning.commands.serve",
    "test": "dunning.commands.test",
    "token": "dunning.commands.token",
    "validate": "dunning.commands.validate",
    "waive": "dunning.commands.waive",
    "webhook": "dunning.commands.webhook",
    "write-off": "dunning.commands.write_off",
}


class LazyGroup(click.Group):
    """A group that imports a sub-command's module only when that sub-command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        command: click.Command = importlib.import_module(module_name).command
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dunning-as-code", prog_name="dunning")
def main() -> None:
    """Collections policy as code: validate the policy, list today's actions, serve them."""
