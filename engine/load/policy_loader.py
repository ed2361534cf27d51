"""Loading the policy files of a repository (or of a git commit) into the typed ``Policy``.

Each file is read with the strict YAML reader, dispatched by its ``kind``, checked against the
schema of that kind, and only then turned into the records of ``engine.model.policy``. A file with
any problem contributes no records, so the semantic checks (``engine.check.validate``) only ever see
well-formed data; references to what such a file would have defined are remembered as
``unavailable`` so that one broken ladder does not also flag every customer that uses it.

Everything works on bytes: ``load_policy`` reads the files and hands them to the same code as
``load_policy_from_texts``, which the API uses with the blobs of a git commit.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import InvalidOperation
from pathlib import Path, PurePosixPath

from engine.load import policy_files
from engine.load.payment_file import PAYMENT_FILES
from engine.load.policy_files import (
    POLICY_DIRS,
    link_problem,
    reads_as_policy,
    working_tree_files,
)
from engine.load.policy_parts import PolicyParts
from engine.load.policy_records import assemble, build_records
from engine.load.schema_check import check_document
from engine.load.yaml_reader import MAX_FILE_BYTES, YamlDocument, load_yaml_file, load_yaml_text
from engine.load.yaml_scalars import STOOD_IN
from engine.model.policy import (
    Policy,
)
from engine.model.source import Problem

CODES: dict[str, str] = {
    "P001": "no policy found: there is no policies/policy.yaml (kind: Policy) to check against",
    "P002": "more than one file of kind Policy",
    "P003": "a file is in the wrong folder for its kind",
    "P004": "the same name is defined twice (ladder, template, terms, fee, interest scheme, "
    "reference rate or customer id)",
    **policy_files.CODES,
}

POLICY_FILE = "policies/policy.yaml"
_POLICY_SUBFOLDERS = ("ladders", "templates", "tests")


def _in_policies_top(rel: str) -> bool:
    """Return whether ``rel`` is under policies/ but not in its ladders, templates or tests."""
    parts = PurePosixPath(rel).parts
    return len(parts) >= 2 and parts[0] == "policies" and parts[1] not in _POLICY_SUBFOLDERS


# Where each kind of file belongs, as a test on its path relative to the repository root.
_PLACES: dict[str, tuple[str, Callable[[str], bool]]] = {
    "Terms": ("policies/", _in_policies_top),
    "Fees": ("policies/", _in_policies_top),
    "Ladder": ("policies/ladders/", lambda rel: rel.startswith("policies/ladders/")),
    "Template": ("policies/templates/", lambda rel: rel.startswith("policies/templates/")),
    "PolicyTest": ("policies/tests/", lambda rel: rel.startswith("policies/tests/")),
    "Customer": ("customers/", lambda rel: rel.startswith("customers/")),
    "Payment": ("policies/payment.yaml", lambda rel: rel in PAYMENT_FILES),
}


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What loading gave: the policy (None when it cannot be built), problems, files checked.

    ``problems`` holds what reading, the schemas and the file-level rules found in the files
    checked; the semantic checks are ``engine.check.validate.check(result)``. ``files`` are the
    files checked, as displayed in problems; ``root`` is the repository holding ``policies/``;
    ``tests`` are the schema-valid policy tests; ``unavailable`` names, per kind of reference
    (``ladder``, ``terms``, ``template``, ``fee``, ``interest``, ``reference_rate``,
    ``customer``), what a file with problems would have defined ("*": anything of that kind).
    """

    policy: Policy | None
    problems: list[Problem]
    files: tuple[str, ...]
    root: Path | None
    tests: tuple[YamlDocument, ...] = ()
    unavailable: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # (file, path) of values read as a stand-in (Y004): the semantic checks do not report them.
    stood_in: frozenset[tuple[str, str]] = frozenset()


def find_root(path: Path) -> Path | None:
    """Return the nearest folder at or above ``path`` that holds ``policies/policy.yaml``."""
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        if (folder / POLICY_FILE).exists():
            return folder
    return None


def load_policy(paths: Sequence[str | Path]) -> LoadResult:
    """Return the policy of the repository that ``paths`` belong to, with the problems found.

    A path may be the repository root (its ``policies/`` and ``customers/`` are read), a folder
    inside it, or single files; the rest of the policy is always read from the repository so that
    references can be checked, but only the files named are checked and reported. When the paths
    belong to several repositories, the first one's policy is returned and the files of the others
    are only read and schema-checked (see ``load_policies`` to load each).
    """
    results = load_policies(paths)
    if len(results) == 1:
        return results[0]
    first = next((result for result in results if result.root is not None), results[0])
    problems = [problem for result in results for problem in result.problems]
    files = tuple(name for result in results for name in result.files)
    return LoadResult(
        first.policy, problems, files, first.root, first.tests, first.unavailable, first.stood_in
    )


def load_policies(paths: Sequence[str | Path]) -> list[LoadResult]:
    """Return one load result per policy repository that ``paths`` belong to.

    Files that belong to no repository come last, in a result of their own without a policy.
    """
    cwd = Path.cwd()
    groups: dict[Path, _Selection] = {}
    loose: list[tuple[Path, str]] = []
    missing: list[Problem] = []
    for given in paths or (".",):
        path = Path(given)
        absolute = Path(os.path.normpath(cwd / path))
        shown = os.path.normpath(str(given))
        root = find_root(absolute) if absolute.exists() else None
        if root is None:
            if absolute.is_dir():
                missing.append(_no_policy(_display(absolute / POLICY_FILE, cwd), shown))
            else:
                loose.append((absolute, shown))
            continue
        selection = groups.setdefault(root, _Selection())
        if absolute == root:
            selection.everything = True
        elif absolute.is_dir():
            inside = [file for file in _policy_files(root) if file.is_relative_to(absolute)]
            if not inside:
                prefix = _root_prefix(root, cwd)
                missing.append(
                    Problem(
                        shown,
                        1,
                        1,
                        "P001",
                        f"no policy files in {shown}: policy files are the YAML files in "
                        f"{prefix}policies/ and {prefix}customers/",
                    )
                )
            selection.files.update(inside)
        else:
            rel = absolute.relative_to(root).as_posix()
            if rel.split("/", 1)[0] in POLICY_DIRS:
                selection.files.add(absolute)
                selection.shown[absolute] = shown
            else:
                loose.append((absolute, shown))
    results = [_load_root(root, selection, cwd) for root, selection in groups.items()]
    if loose or missing or not results:
        results.append(_load_loose(loose, missing))
    return results


def _root_prefix(root: Path, cwd: Path) -> str:
    """Return how a repository root is shown as a prefix: '' for the current folder, else 'x/'."""
    shown = _display(root, cwd)
    return "" if shown == "." else f"{shown}/"


@dataclass(slots=True)
class _Selection:
    """The files of one repository that were named on the command line."""

    everything: bool = False
    files: set[Path] = field(default_factory=set)
    shown: dict[Path, str] = field(default_factory=dict)


def _display(path: Path, cwd: Path) -> str:
    """Return ``path`` relative to the current folder when it is inside it, else absolute."""
    try:
        return path.relative_to(cwd).as_posix() or "."
    except ValueError:
        return str(path)


def _policy_files(root: Path) -> list[Path]:
    """Return the policy's YAML files and symbolic links under ``root``, as a commit would hold
    them (``engine.load.policy_files``: the same rule as the service's)."""
    tree = working_tree_files(root)
    found = [root / rel for rel in (*tree.files, *tree.links)]
    policy = root / POLICY_FILE
    if policy not in found:
        found.append(policy)  # e.g. a folder called policy.yaml: reported as unreadable
    return sorted(found)


def _no_policy(where: str, shown: str) -> Problem:
    place = "this folder" if shown == "." else shown
    return Problem(
        where,
        1,
        1,
        "P001",
        f"no policy found for {place}: expected {POLICY_FILE} (kind: Policy) there or in a "
        "folder above it; run dunning validate in the policy repository",
    )


def _load_root(root: Path, selection: _Selection, cwd: Path) -> LoadResult:
    """Return the load result of one repository, reporting on the selected files only."""
    files = _policy_files(root)
    texts: dict[str, bytes] = {}
    shown: dict[str, str] = {}
    unreadable: dict[str, list[Problem]] = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        display = selection.shown.get(path) or _display(path, cwd)
        shown[rel] = display
        if path.is_symlink():
            unreadable[rel] = [link_problem(rel, display)]
            continue
        data = _read(path, display)
        if isinstance(data, bytes):
            texts[rel] = data
        else:
            unreadable[rel] = data
    selected = (
        None
        if selection.everything
        else {path.relative_to(root).as_posix() for path in selection.files}
    )
    result = _load_texts(texts, shown.__getitem__, unreadable=unreadable, selected=selected)
    return LoadResult(
        result.policy,
        result.problems,
        result.files,
        root,
        result.tests,
        result.unavailable,
        result.stood_in,
    )


def _read(path: Path, display: str) -> bytes | list[Problem]:
    """Return the bytes of a policy file, or the problems that say why it cannot be read."""
    try:
        info = path.stat()
        if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE_BYTES:
            return path.read_bytes()
    except OSError:
        pass
    # Not a regular file, too big or unreadable: the YAML reader says which, in its words.
    return load_yaml_file(path, display)[1]


def _load_loose(loose: Iterable[tuple[Path, str]], missing: list[Problem]) -> LoadResult:
    """Return the result for files outside any policy repository: read and schema-checked only.

    A ledger file needs no policy; any other kind cannot be checked against the policy it belongs
    to, which is reported.
    """
    problems = list(missing)
    files: list[str] = []
    for path, shown in loose:
        files.append(shown)
        doc, read_problems = load_yaml_file(path, shown)
        problems += read_problems
        if doc is None:
            continue
        kind, schema_problems = check_document(doc)
        problems += _without_repeats(read_problems, schema_problems)
        if kind not in (None, "Ledger"):
            problems.append(_no_policy(shown, shown))
    return LoadResult(None, problems, tuple(files), None)


def load_policy_from_texts(
    files: Mapping[str, bytes], links: Sequence[str] = ()
) -> LoadResult:
    """Return the policy held in ``files`` (repository-relative path -> content), with problems.

    Only the policy's YAML files are read (``engine.load.policy_files``); ``links`` are the
    symbolic links among the commit's policy files, each refused (P005). Paths are shown as given.
    """
    texts = {
        name.removeprefix("./"): data
        for name, data in files.items()
        if reads_as_policy(name.removeprefix("./"))
    }
    unreadable = {rel: [link_problem(rel, rel)] for rel in links}
    return _load_texts(texts, lambda rel: rel, unreadable=unreadable, selected=None)


def policy_digest(texts: Mapping[str, bytes]) -> str:
    """Return ``sha256:<hex>`` over the sorted (relative path, content) of the policy files.

    Each file contributes its path, a NUL, its length in decimal, a NUL and its bytes, so that
    moving bytes between a name and a content can never give the same digest.
    """
    digest = hashlib.sha256()
    for rel in sorted(texts):
        data = texts[rel]
        digest.update(rel.encode("utf-8", "surrogateescape"))
        digest.update(b"\0" + str(len(data)).encode() + b"\0")
        digest.update(data)
    return "sha256:" + digest.hexdigest()


def _load_texts(
    texts: Mapping[str, bytes],
    display: Callable[[str], str],
    *,
    unreadable: Mapping[str, list[Problem]],
    selected: set[str] | None,
) -> LoadResult:
    """Return the load result for the policy files ``texts`` (relative path -> bytes)."""
    parts = PolicyParts()
    for rel, problems in unreadable.items():
        for problem in problems:
            parts.add_problem(rel, problem)
        _mark_file_unavailable(parts, rel, None)
    for rel in sorted(texts):
        _load_file(parts, rel, display(rel), texts[rel])
    policy = assemble(parts, policy_digest(texts))
    if policy is None and not any(rel == POLICY_FILE for rel, _ in parts.problems):
        if POLICY_FILE in texts:
            message = (
                f"{POLICY_FILE} must be the Policy file: write kind: Policy in it (the calendar, "
                "defaults and guardrails of the policy)"
            )
        else:
            message = f"no policy found: expected {POLICY_FILE} (kind: Policy)"
        parts.add_problem(POLICY_FILE, Problem(display(POLICY_FILE), 1, 1, "P001", message))
    names = sorted(set(texts) | set(unreadable))
    checked = names if selected is None else [rel for rel in names if rel in selected]
    wanted = set(checked)
    if policy is None:
        # Without the Policy file nothing else can be checked: say why, whatever was selected.
        wanted.add(POLICY_FILE)
    problems = [problem for rel, problem in parts.problems if rel in wanted]
    unavailable = {kind: frozenset(names) for kind, names in parts.unavailable.items()}
    return LoadResult(
        policy,
        problems,
        tuple(display(rel) for rel in checked),
        None,
        tuple(parts.tests),
        unavailable,
        frozenset(parts.stood_in),
    )


def _load_file(parts: PolicyParts, rel: str, shown: str, data: bytes) -> None:
    """Read one file into ``parts``: its records, or its problems."""
    doc, read_problems = load_yaml_text(data, shown)
    for problem in read_problems:
        parts.add_problem(rel, problem)
    if doc is None:
        _mark_file_unavailable(parts, rel, None)
        return
    kind, schema_problems = check_document(doc)
    schema_problems = _without_repeats(read_problems, schema_problems)
    for problem in schema_problems:
        parts.add_problem(rel, problem)
    if kind is None:
        _mark_file_unavailable(parts, rel, doc)
        return
    misplaced = _misplaced(kind, rel, doc, shown)
    if misplaced is not None:
        parts.add_problem(rel, misplaced)
    # A date that does not exist was read as the nearest real one (Y004): the rest of the file
    # is still built and checked, so one bad date hides no other problem of the file.
    blocking = [problem for problem in read_problems if problem.code not in STOOD_IN]
    if blocking or schema_problems or misplaced:
        _mark_file_unavailable(parts, rel, doc, kind)
        return
    parts.stood_in.update((p.file, p.path) for p in read_problems if p.code in STOOD_IN)
    try:
        build_records(parts, kind, rel, doc)
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as error:
        # The schema let through something the model cannot hold: a bug in the schema or here,
        # reported rather than raised so that the gate still lists every other problem.
        parts.add_problem(
            rel,
            Problem.at(
                doc.source(()),
                "S006",
                f"this file passes its schema but cannot be read ({type(error).__name__}: "
                f"{error}); please report this as a bug",
            ),
        )
        _mark_file_unavailable(parts, rel, doc, kind)


def _misplaced(kind: str, rel: str, doc: YamlDocument, shown: str) -> Problem | None:
    """Return the problem with a file that is not where files of its kind belong, if any."""
    at = doc.source(("kind",))
    if kind == "Policy":
        if rel == POLICY_FILE:
            return None
        return Problem.at(
            at,
            "P002",
            f"there must be exactly one Policy file, {POLICY_FILE}; {shown} is another: merge "
            "it into that file and delete this one",
        )
    place = _PLACES.get(kind)
    if rel == POLICY_FILE and place is not None:
        return Problem.at(
            at,
            "P003",
            f"{POLICY_FILE} is reserved for the Policy file (kind: Policy): a {kind} file "
            f"belongs in {place[0]} under another name",
        )
    if place is None or place[1](rel):
        return None
    return Problem.at(
        at,
        "P003",
        f"a {kind} file belongs in {place[0]}, not in {PurePosixPath(rel).parent}/: move it there",
    )


def _without_repeats(first: list[Problem], later: list[Problem]) -> list[Problem]:
    """Return ``later`` without problems at a value that ``first`` already complains about."""
    said = {problem.path for problem in first if problem.path}
    return [problem for problem in later if problem.path not in said]


def _mark_file_unavailable(
    parts: PolicyParts, rel: str, doc: YamlDocument | None, kind: str | None = None
) -> None:
    """Remember what a file with problems would have defined, so references to it stay quiet."""
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    if kind is None:
        raw = data.get("kind")
        kind = raw if isinstance(raw, str) else None
    stem = PurePosixPath(rel).stem
    if kind is None:
        # Unknown content: guess from where the file is.
        if rel.startswith("policies/ladders/"):
            kind = "Ladder"
        elif rel.startswith("policies/templates/"):
            kind = "Template"
        elif rel.startswith("customers/"):
            kind = "Customer"
        elif rel in ("policies/terms.yaml", "policies/terms.yml"):
            kind = "Terms"
        elif rel in ("policies/fees.yaml", "policies/fees.yml"):
            kind = "Fees"
    if kind in ("Ladder", "Template", "Customer"):
        key = {"Ladder": "name", "Template": "name", "Customer": "id"}[kind]
        names = {stem}
        if isinstance(data.get(key), str):
            names.add(data[key])
        parts.mark_unavailable(kind.lower(), names)
    elif kind == "Terms":
        terms = data.get("terms")
        parts.mark_unavailable("terms", terms if isinstance(terms, dict) and terms else {"*"})
    elif kind == "Fees":
        for section, reference in (
            ("fees", "fee"),
            ("interest", "interest"),
            ("reference_rates", "reference_rate"),
        ):
            defined = data.get(section)
            parts.mark_unavailable(reference, defined if isinstance(defined, dict) else {"*"})
