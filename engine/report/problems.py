"""Reporting problems found in policy files: plain text, JSON and GitHub workflow annotations.

A small registry (``REPORTERS``) behind ``dunning validate --format``. Every reporter takes the
problems and the number of files checked and returns the text to print; none of them writes
anything (the GitHub step summary, ``github_step_summary``, is written by the CLI).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from engine.model.source import Problem

Reporter = Callable[[Sequence[Problem], int], str]

# GitHub shows at most 10 error annotations per step and drops the rest without a word.
GITHUB_MAX_ANNOTATIONS = 10


def _sorted(problems: Sequence[Problem]) -> list[Problem]:
    return sorted(set(problems), key=Problem.sort_key)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_line(problems: Sequence[Problem], files_checked: int) -> str:
    """Return the last line of a report: ``3 problems in 2 files`` or ``OK: …, no problems``,
    with the number of warnings when there are any (warnings leave the policy valid)."""
    unique = {problem for problem in problems if not problem.is_warning}
    warned = len(set(problems)) - len(unique)
    warnings = f", {_plural(warned, 'warning')}" if warned else ""
    if not unique:
        if warned:
            return f"OK: {_plural(files_checked, 'file')} checked{warnings}"
        return f"OK: {_plural(files_checked, 'file')} checked, no problems"
    files = len({problem.file for problem in unique})
    return f"{_plural(len(unique), 'problem')} in {_plural(files, 'file')}{warnings}"


def report_text(problems: Sequence[Problem], files_checked: int) -> str:
    """Return one ``path:line:col: CODE message`` line per problem, sorted, then a summary."""
    lines = [str(problem) for problem in _sorted(problems)]
    lines.append(summary_line(problems, files_checked))
    return "\n".join(lines)


def report_json(problems: Sequence[Problem], files_checked: int) -> str:
    """Return ``{"valid", "files_checked", "problems": [...]}`` as indented JSON."""
    document = {
        "valid": not any(not problem.is_warning for problem in problems),
        "files_checked": files_checked,
        "problems": [
            {
                "file": problem.file,
                "line": problem.line,
                "column": problem.column,
                "code": problem.code,
                "message": problem.message,
                "path": problem.path,
                "severity": problem.severity,
            }
            for problem in _sorted(problems)
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def escape_data(text: str) -> str:
    """Return ``text`` escaped for the message of a GitHub workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Return ``text`` escaped for a property (file=, title=) of a GitHub workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def report_github(problems: Sequence[Problem], files_checked: int) -> str:
    """Return GitHub ``::error`` (and ``::warning``) annotations (at most 10), a notice for the
    rest, then a summary."""
    ordered = _sorted(problems)
    lines = [
        f"::{problem.severity} file={escape_property(problem.file)},line={problem.line},"
        f"col={problem.column},title={escape_property(problem.code)}::"
        f"{escape_data(problem.message)}"
        for problem in ordered[:GITHUB_MAX_ANNOTATIONS]
    ]
    omitted = len(ordered) - GITHUB_MAX_ANNOTATIONS
    if omitted > 0:
        lines.append(
            f"::notice title=More problems::{_plural(omitted, 'more problem')} not annotated "
            "(GitHub shows at most 10): see the job summary or run dunning validate locally"
        )
    lines.append(summary_line(problems, files_checked))
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Return ``text`` safe inside a markdown table cell."""
    return (
        text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")
    )


def github_step_summary(problems: Sequence[Problem], files_checked: int) -> str:
    """Return the full list of problems as markdown, for ``$GITHUB_STEP_SUMMARY``."""
    lines = ["## dunning validate", "", summary_line(problems, files_checked), ""]
    ordered = _sorted(problems)
    if ordered:
        lines += ["| file | line | column | code | problem |", "| --- | ---: | ---: | --- | --- |"]
        lines += [
            f"| {_cell(p.file)} | {p.line} | {p.column} | {p.code}"
            f"{' (warning)' if p.is_warning else ''} | {_cell(p.message)} |"
            for p in ordered
        ]
        lines.append("")
    return "\n".join(lines)


REPORTERS: dict[str, Reporter] = {
    "text": report_text,
    "json": report_json,
    "github": report_github,
}
