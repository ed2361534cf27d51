"""Ledger files: a ledger snapshot written as YAML or JSON (`kind: Ledger`), read and checked.

The format is documented in docs/policy-format.md ("Ledger") and is also the ``ledger:`` of a policy
test, so ``ledger_from_data`` reads an already-parsed mapping too. Like the policy loader it never
raises for a user's mistake: every problem comes back located (file, line, column, path) with a
code from ``CODES``, all of them at once. This module reads the file; ``ledger_records`` builds
the records and ``ledger_values`` reads their fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from engine.load.ledger_records import LedgerRecords
from engine.load.ledger_values import Locator, origin
from engine.load.yaml_reader import MAX_FILE_BYTES, load_yaml_file, load_yaml_text
from engine.model.ledger import LedgerSnapshot
from engine.model.source import Problem

API_VERSION = "dunning/v1"
KIND = "Ledger"


def read_ledger_file(path: Path) -> tuple[LedgerSnapshot | None, list[Problem]]:
    """Return the ledger in a YAML or JSON file (by its suffix) and the problems found.

    The snapshot is None when the file cannot be used at all or has any problem: a ledger with a
    bad row is not evaluated, as a bad import imports nothing.
    """
    file = str(path)
    if path.suffix.lower() == ".json":
        return _read_json(path, file)
    # The YAML reader's own problems (codes Y0xx, documented with it) come first-hand.
    document, problems = load_yaml_file(path)
    if document is None:
        return None, problems
    snapshot, found = _from_document(document.data, file, document.source)
    problems += found
    return (snapshot if not problems else None), sorted(problems, key=Problem.sort_key)


def _read_json(path: Path, file: str) -> tuple[LedgerSnapshot | None, list[Problem]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [Problem(file, 1, 1, "L001", f"the file cannot be read: {reason}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [Problem(file, 1, 1, "L001", f"the file is not UTF-8 text: {error.reason}")]
    try:
        # Amounts are read exactly: a JSON number becomes a Decimal as written, never a float.
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        return None, [
            Problem(file, error.lineno, error.colno, "L001", f"not valid JSON: {error.msg}")
        ]
    except ValueError as error:
        return None, [Problem(file, 1, 1, "L001", f"not valid JSON: {error}")]
    snapshot, problems = _from_document(data, file, origin(file))
    if problems and len(raw) <= MAX_FILE_BYTES:
        # Only when something is wrong: read the text again for the line of each problem.
        located, _ = load_yaml_text(text, file)
        if located is not None:
            snapshot, problems = _from_document(data, file, located.source)
    return (snapshot if not problems else None), problems


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def _from_document(
    data: object, file: str, source: Locator
) -> tuple[LedgerSnapshot | None, list[Problem]]:
    if not isinstance(data, Mapping):
        return None, [Problem.at(source(()), "L001", _NOT_A_LEDGER)]
    problems: list[Problem] = []
    if data.get("apiVersion") != API_VERSION or data.get("kind") != KIND:
        problems.append(Problem.at(source(()), "L001", _NOT_A_LEDGER))
        return None, problems
    snapshot, found = ledger_from_data(data, file, source)
    return snapshot, problems + found


_NOT_A_LEDGER = (
    "this is not a ledger file: it must be a mapping starting with `apiVersion: dunning/v1` "
    "and `kind: Ledger`"
)


def ledger_from_data(
    data: Mapping[str, object], file: str, source: Locator | None = None
) -> tuple[LedgerSnapshot | None, list[Problem]]:
    """Return the ledger held in ``data`` (the mapping of a ledger file or a policy test's
    ``ledger:``) and the problems found, sorted; the snapshot is None when there is any.

    ``source`` locates a path inside ``data`` (by default: line 1 of ``file``). Customers that
    appear only through their invoices get a bare record, unless ``customers`` lists customers:
    then every reference must name a listed one.
    """
    reader = LedgerRecords(file, source or origin(file))
    snapshot = reader.read(data)
    problems = sorted(reader.problems, key=Problem.sort_key)
    return (snapshot if not problems else None), problems

