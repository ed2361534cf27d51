"""Every `dunning` command the README shows works as written, in a copy of the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Long-running or needing a token from an earlier command: covered by tests/api/test_serve.py.
NOT_RUN_HERE = ("dunning serve", "curl ")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("readme")]


def readme_commands() -> list[str]:
    """Return the README's `.venv/bin/dunning ...` command lines, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            shown = command.removeprefix(".venv/bin/")
            if command.startswith(".venv/bin/dunning") and not shown.startswith(NOT_RUN_HERE):
                commands.append(command)
    return commands


def _copy_of_repository(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    (dest / ".venv").mkdir()
    (dest / ".venv" / "bin").symlink_to(Path(sys.executable).parent)
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "copy"]):
        subprocess.run(["git", *args], cwd=dest, check=True, env=env, capture_output=True)


def test_readme_lists_the_everyday_commands() -> None:
    """The README shows validate, test, plan, demo, actions, db, import and token."""
    shown = {command.split()[1] for command in readme_commands()}
    assert {"validate", "test", "plan", "demo", "actions", "db", "import", "token"} <= shown


def test_every_readme_command_works_as_written(tmp_path: Path) -> None:
    """Each command runs in a fresh copy of the repository and exits 0, except the one the
    README shows failing (a broken ladder), which exits 1 with the message it quotes."""
    _copy_of_repository(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "DUNNING_DATABASE_URL"}
    for command in readme_commands():
        done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    assert (tmp_path / "today.csv").read_text(encoding="utf-8").startswith("date,action_id,")


def test_the_error_the_readme_quotes_is_what_validate_prints(tmp_path: Path) -> None:
    """The finance lead's walk-through: `due+10` gives exactly the error the README shows."""
    _copy_of_repository(tmp_path)
    ladder = tmp_path / "policies" / "ladders" / "standard.yaml"
    ladder.write_text(ladder.read_text(encoding="utf-8").replace("at: due+14d", "at: due+10"),
                      encoding="utf-8")
    done = subprocess.run([".venv/bin/dunning", "validate"], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1
    quoted = re.search(r"```\n(policies/ladders/standard\.yaml:.*?)```",
                       (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.DOTALL)
    assert quoted is not None
    assert done.stdout == quoted.group(1)
