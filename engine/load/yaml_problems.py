"""What makes a policy file unusable for the YAML reader, in words its author can act on.

Not UTF-8 text or holding characters YAML does not allow (Y001), too big (Y011), and the advice for
a YAML syntax error (Y009): where the problem is and what to write instead.
"""

from __future__ import annotations

import re

from engine.model.source import Problem

_MB = 1024 * 1024

# The characters YAML allows in a stream (YAML 1.1 §5.1, as PyYAML's reader checks them).
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def decode(text: bytes | str, file: str) -> str | Problem:
    """Return the text without a byte-order mark, or the Y001 problem that makes it unreadable."""
    bad_byte: int | None = None  # the first byte that is not UTF-8
    if isinstance(text, bytes):
        try:
            decoded = text.decode("utf-8")
        except UnicodeDecodeError as error:
            bad_byte = text[error.start]
            # Everything before the first bad byte decodes, so positions stay exact, and a NUL
            # or control character there is reported first, as it comes first.
            decoded = text[: error.start].decode("utf-8")
    else:
        decoded = text
    decoded = decoded.removeprefix("\ufeff")
    bad = _NOT_PRINTABLE.search(decoded)
    if bad is not None:
        line, column = line_column(decoded, bad.start())
        if bad.group() == "\x00":
            message = f"it holds NUL bytes (line {line}), so it looks like a binary file"
        else:
            kind = "control character" if bad.group() < "\xa0" else "character"
            message = (
                f"it holds the {kind} U+{ord(bad.group()):04X} on line {line}, "
                "which YAML does not allow"
            )
        return Problem(file, line, column, "Y001", f"the file is not UTF-8 text: {message}")
    if bad_byte is not None:
        line, column = line_column(decoded, len(decoded))
        message = f"byte 0x{bad_byte:02X} on line {line} is not UTF-8: save the file as UTF-8"
        return Problem(file, line, column, "Y001", f"the file is not UTF-8 text: {message}")
    return decoded


def line_column(text: str, position: int) -> tuple[int, int]:
    """Return the 1-based line and column of a character position, counting YAML's line breaks."""
    line, start = 1, 0
    for brk in LINE_BREAK.finditer(text, 0, position):
        line, start = line + 1, brk.end()
    return line, position - start + 1


def file_problem(file: str, code: str, message: str) -> Problem:
    """Return a problem about the file as a whole, placed on its first line."""
    return Problem(file, 1, 1, code, message)


def too_big(file: str, size: int, limit: int) -> Problem:
    """Return the Y011 problem for a file of ``size`` bytes, over ``limit``."""
    return file_problem(
        file,
        "Y011",
        f"the file is {size / _MB:.1f} MB; policy files must be under {limit // _MB} MB",
    )


def syntax_hint(problem: str, context: str, char: str, started: int) -> str:
    """Return what a policy author should do about a parser error, or '' if we have no advice."""
    if "cannot start any token" in problem:
        if char == "\t":
            return "a tab cannot indent YAML: indent with spaces"
        shown = repr(char) if char else "this character"
        return f"{shown} cannot start a value: put the value in quotes"
    if "mapping values are not allowed" in problem:
        return (
            "a ': ' here would start a key where none can start: check the indentation, "
            "or put a value that contains ': ' in quotes"
        )
    if "unknown escape character" in problem:
        return (
            "a backslash in double quotes starts an escape such as \\n: use single quotes, "
            "or write \\\\ for a backslash"
        )
    if "end of stream" in problem and "quoted scalar" in context:
        return (
            f"the quoted value that starts on line {started} is never closed: add the closing quote"
        )
    if "',' or ']'" in problem:
        return f"the [ list that starts on line {started} is not closed with ] or misses a comma"
    if "',' or '}'" in problem:
        return (
            f"the {{ mapping that starts on line {started} is not closed with }} or misses a comma"
        )
    if "expected key" in problem or "expected '-'" in problem or "<block end>" in problem:
        return (
            f"this line does not line up with the entries that start on line {started}: "
            "check the indentation"
        )
    return ""
