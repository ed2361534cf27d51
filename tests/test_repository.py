"""The repository's contracts: README commands, CI entry, workflow, hooks and import rules."""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from dunning.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]

# The evaluation core: pure functions of (policy, ledger, history, date). No I/O libraries, no
# process-wide state (docs/decisions/005-engine-by-pipeline-stage.md): every module of the
# model and the rules, the composition, and the messages.
ENGINE = ROOT / "engine"
CORE_MODULES = sorted(
    [
        *(f"{folder}/{path.stem}" for folder in ("model", "rules")
          for path in (ENGINE / folder).glob("*.py")),
        "evaluate",
        "report/messages",
    ]
)  # fmt: skip
IO_IMPORTS = {
    "yaml", "jsonschema", "sqlalchemy", "fastapi", "subprocess", "os", "pathlib", "socket",
    "urllib.request", "http", "requests", "httpx", "sqlite3", "click", "shutil", "tempfile", "io",
}
# Modules whose use changes the whole process: the garbage collector, the interpreter, locales,
# signals, threads. The edges (store, api, dunning) may tune the collector; the core never does.
PROCESS_STATE_IMPORTS = {"gc", "sys", "locale", "signal", "threading", "atexit"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(path: Path) -> set[str]:
    """Return the full dotted names of the modules ``path`` imports (``urllib.parse``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _uses(path: Path, modules: set[str]) -> set[str]:
    """Return which of ``modules`` (or their submodules) ``path`` imports."""
    return {
        name for name in _modules(path) for module in modules
        if name == module or name.startswith(module + ".")
    }  # fmt: skip


def _makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z0-9_./$()-]+):", text, flags=re.MULTILINE))


def test_engine_never_imports_api_store_or_cli() -> None:
    """engine/ is the bottom layer: it imports neither api/, store/ nor dunning/."""
    for path in sorted((ROOT / "engine").rglob("*.py")):
        assert not _imports(path) & {"api", "store", "dunning"}, path


@pytest.mark.parametrize("module", CORE_MODULES)
def test_evaluation_core_does_no_io(module: str) -> None:
    """The evaluation core imports no file, database, network or process library."""
    path = ROOT / "engine" / f"{module}.py"
    if not path.exists():
        pytest.fail(f"engine/{module}.py is part of the evaluation core and must exist")
    # urllib.parse quotes text and is pure; urllib.request opens connections.
    assert not _uses(path, IO_IMPORTS)
    assert "open(" not in path.read_text(encoding="utf-8").replace("_open(", "")


@pytest.mark.parametrize("module", CORE_MODULES)
def test_evaluation_core_changes_no_process_wide_state(module: str) -> None:
    """The evaluation core neither pauses the garbage collector nor touches the interpreter."""
    assert not _uses(ROOT / "engine" / f"{module}.py", PROCESS_STATE_IMPORTS)


# What each stage of the engine may import (docs/decisions/005-engine-by-pipeline-stage.md): the
# data flows one way, model <- rules <- evaluate <- report/tools; check may use rules.
STAGE_IMPORTS = {
    "model": {"model"},
    "load": {"model", "load"},
    "check": {"model", "load", "rules", "check"},
    "rules": {"model", "rules"},
    "evaluate": {"model", "rules"},
    "report": {"model", "rules", "report"},
    "tools": {"model", "load", "check", "rules", "evaluate", "report", "tools"},
}


def _stages_imported(path: Path) -> set[str]:
    """Return the stages of the engine (``rules``, ``load``…) that ``path`` imports from."""
    stages = set()
    for name in _modules(path):
        parts = name.split(".")
        if parts[0] == "engine" and len(parts) > 1:
            stages.add(parts[1])
    return stages


@pytest.mark.parametrize(
    "path",
    sorted(p for p in ENGINE.rglob("*.py") if p.name != "__init__.py"),
    ids=lambda p: p.relative_to(ENGINE).as_posix(),
)
def test_each_stage_imports_only_the_stages_below_it(path: Path) -> None:
    """A lower stage never imports a higher one: move the thing down, or pass it in."""
    stage = path.relative_to(ENGINE).parts[0].removesuffix(".py")
    assert _stages_imported(path) <= STAGE_IMPORTS[stage], path


def test_the_evaluation_core_is_every_module_of_model_and_rules() -> None:
    """The core is found from the folders, so a new rule module is checked without a list."""
    assert {"rules/ladder", "rules/suppressions", "model/ledger", "evaluate"} <= set(CORE_MODULES)
    assert all((ENGINE / f"{module}.py").is_file() for module in CORE_MODULES)


def test_readme_starts_with_the_two_setup_commands() -> None:
    """README.md opens with `make demo` and `make test`, which the Makefile defines."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make demo", "make test"]
    assert {"demo", "test"} <= _makefile_targets()


def test_the_readme_folder_table_names_every_folder() -> None:
    """README's "What is in the repository" names every folder the repository holds at the top,
    and every folder of engine/ and policies/, so a reader finds where anything lives."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## What is in the repository", 1)[1].split("\n\n", 2)[1]
    listed = re.findall(r"^\| `([^`]+)`", table, flags=re.MULTILINE)
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    folders = {path.split("/", 1)[0] + "/" for path in tracked if "/" in path}
    folders |= {
        "/".join(path.split("/", 2)[:2]) + "/"
        for path in tracked
        if path.startswith(("engine/", "policies/")) and path.count("/") >= 2
    }
    missing = sorted(f for f in folders if not any(name.startswith(f) for name in listed))
    assert not missing, f"add them to the README's folder table: {missing}"


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs `make test` (the README's command) and stops on the first failure."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script
    assert re.search(r"^make test$", script, flags=re.MULTILINE)


def _workflow_runs() -> list[str]:
    runs: list[str] = []
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        # PyYAML reads the key `on` as True (YAML 1.1): accept both spellings.
        assert "on" in workflow or True in workflow, path
        for job in workflow["jobs"].values():
            runs.extend(step["run"] for step in job["steps"] if "run" in step)
    return runs


def test_workflow_commands_exist() -> None:
    """Every command the workflows run is a Makefile target or an existing dunning command."""
    runs = _workflow_runs()
    assert runs
    targets = _makefile_targets()
    for run in runs:
        for line in run.splitlines():
            words = shlex.split(line)
            if not words:
                continue
            if words[0] == "make":
                assert words[1] in targets, line
            elif words[0].endswith("dunning"):
                assert words[1] in COMMANDS, line


def test_workflow_validates_with_github_annotations() -> None:
    """CI validates the policy with annotations on the exact file and line."""
    assert any("dunning validate --format github" in run for run in _workflow_runs())


def test_pre_commit_hook_is_declared_for_other_repositories() -> None:
    """.pre-commit-hooks.yaml exposes `dunning-validate` running `dunning validate`."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "dunning-validate")
    assert hook["entry"] == "dunning validate"
    assert hook["language"] == "python"
    assert re.search(hook["files"], "policies/ladders/standard.yaml")
    assert re.search(hook["files"], "customers/ACME-0001.yaml")


def test_this_repository_uses_the_hook() -> None:
    """This repository's own pre-commit configuration runs the policy gate."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    ids = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert "dunning-validate" in ids
    assert "trailing-whitespace" in ids


def _policy_yaml_files() -> list[Path]:
    policies = ROOT.joinpath("policies").rglob("*.yaml")
    return sorted([*policies, *ROOT.joinpath("customers").glob("*.yaml")])


@pytest.mark.parametrize("path", _policy_yaml_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_policy_file_names_a_schema_that_exists(path: Path) -> None:
    """Each shipped policy file starts with a `$schema` line that resolves, for editors."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match is not None, f"{path}: first line is {first!r}"
    target = (path.parent / match.group(1)).resolve()
    assert target.is_file(), target
    assert target.parent == ROOT / "schemas"


def test_editor_settings_map_every_folder_to_a_schema() -> None:
    """.vscode/settings.json maps the policy folders to schemas that exist."""
    import json

    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    for schema in mapping:
        assert (ROOT / schema).is_file(), schema
    globs = [
        g for value in mapping.values() for g in ([value] if isinstance(value, str) else value)
    ]
    for folder in ("policies/ladders", "policies/templates", "policies/tests", "customers"):
        assert any(folder in g for g in globs), folder


def _locked_versions() -> dict[str, str]:
    """Return the pinned version of each package in requirements.lock, by normalised name."""
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].split(";", 1)[0].strip()
        if requirement:
            name, _, version = requirement.partition("==")
            assert version, f"requirements.lock pins every package exactly: {line!r}"
            pins[canonicalize_name(name)] = version
    return pins


def test_lock_file_pins_every_dependency_of_pyproject() -> None:
    """A dependency added to pyproject.toml without `make lock` fails here, not on a fresh clone."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = [
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["dev"],
        *project["dependency-groups"]["build"],
    ]
    pins = _locked_versions()
    stale = []
    for text in declared:
        requirement = Requirement(text)
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned, prereleases=True):
            stale.append(f"{text} (locked: {pinned or 'missing'})")
    assert not stale, "run `make lock` and commit requirements.lock: " + ", ".join(stale)


def test_make_and_ci_install_from_the_lock_file() -> None:
    """`make` installs requirements.lock, and the project itself without re-resolving anything."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "install --quiet -r requirements.lock" in makefile
    assert "--no-deps --no-build-isolation -e ." in makefile
    assert {"lock", "lock-upgrade"} <= _makefile_targets()
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_each_decision_has_its_own_number() -> None:
    """docs/decisions/NNN-*.md: a number names one decision, so a link to it is unambiguous."""
    numbers: dict[str, list[str]] = {}
    for path in sorted((ROOT / "docs" / "decisions").glob("*.md")):
        number = path.name.split("-", 1)[0]
        assert re.fullmatch(r"\d{3}", number), f"{path.name}: name it NNN-what-was-decided.md"
        numbers.setdefault(number, []).append(path.name)
    shared = {number: names for number, names in numbers.items() if len(names) > 1}
    assert not shared, f"decisions sharing a number: {shared}"
