"""A CSV export as rows: its text encoding and its header checked, every row with its line.

Accounting systems write CSV in UTF-8 (often with Excel's byte-order mark) or, the older ones and
Excel's "CSV" on Windows, in Windows-1252 or Latin-1. A file is checked whole before any row is
read, so a byte that is not text in the file's encoding is reported with its line and the
encoding that reads the file, never as a codec error half-way through an import.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from store.mapping import ColumnMapping
from store.row_reader import KINDS, kind_mapping

if TYPE_CHECKING:
    from _csv import Reader

BLOCK = 1 << 20  # bytes read at a time while checking the encoding and hashing the file

# The encodings to suggest for a file that is not in the one asked for, most likely first, and how
# to name them to a person. Latin-1 reads any byte, so a suggestion is always found.
_SUGGESTIONS = {
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252 (Excel and other Windows programs)",
    "latin-1": "Latin-1 (ISO 8859-1)",
}


class CsvFileError(ValueError):
    """A file that cannot be imported as it is: the line to look at and why, in words."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def encoding_name(encoding: str) -> str:
    """Return the codec's canonical name (``latin-1`` for ``ISO-8859-1``); raise ``LookupError``
    for an encoding Python does not know, or a codec that is not a text encoding.
    """
    name = codecs.lookup(encoding).name
    # LookupError for a codec that is not a text encoding (hex, rot13, zip); a text encoding
    # may fail to read one byte alone (UTF-16), which is fine.
    with contextlib.suppress(UnicodeError):
        b"x".decode(name)
    return {"iso8859-1": "latin-1", "windows-1252": "cp1252"}.get(name, name)


@dataclass(frozen=True, slots=True)
class CsvExport:
    """An open CSV file: its header (names trimmed), its digest, and a reader of its rows."""

    header: list[str]
    digest: str
    reader: Reader

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """Yield each row that is not blank with the line where it starts (a quoted field may
        span several lines)."""
        header, reader = self.header, self.reader
        previous = reader.line_num
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if record:  # a blank line imports nothing
                yield start, dict(zip(header, record, strict=False))


@contextmanager
def open_export(path: Path, encoding: str = "utf-8") -> Iterator[CsvExport]:
    """Yield the CSV file ``path`` read in ``encoding``; raise ``CsvFileError`` when it holds a
    byte that is not text in that encoding, or has no header row.
    """
    name = encoding_name(encoding)
    digest = _digest_of_text(path, name)
    # Excel starts UTF-8 files with a byte-order mark, which is not part of the first column name.
    with path.open(newline="", encoding="utf-8-sig" if name == "utf-8" else name) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise CsvFileError(1, "the file is empty: expected a header row")
        yield CsvExport([column.strip() for column in header], digest, reader)


def header_problems(kind: str, header: Sequence[str], mapping: ColumnMapping | None) -> list[str]:
    """Return what is wrong with a file's header for importing ``kind``: columns the import
    needs and the header lacks, and columns it reads that the header has twice (which of the two
    would hold the value?).
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown import kind {kind!r}: use one of {', '.join(KINDS)}")
    fields = kind_mapping(spec, mapping)
    present = set(header)
    needed: list[str] = []
    read: set[str] = set(fields.when)
    for name, source in fields.fields.items():
        read.update(source.columns())
        if mapping is None and name not in spec.required and name not in present:
            continue  # optional default columns may be left out of the file
        needed += [c for c in source.columns() if c not in present and c not in needed]
    needed += [c for c in fields.when if c not in present and c not in needed]
    problems = []
    if needed:
        names = ", ".join(repr(c) for c in needed)
        problems.append(f"the header has no column {names} (it has: {', '.join(header)})")
    repeated = [name for name, count in Counter(header).items() if count > 1 and name in read]
    if repeated:
        where = "; ".join(
            f"{name!r} is columns "
            + " and ".join(str(i) for i, column in enumerate(header, 1) if column == name)
            for name in repeated
        )
        problems.append(
            f"the header repeats a column the import reads ({where}): rename or remove all but"
            " one, so that each value has one place"
        )
    return problems


def count_data_lines(path: Path) -> int:
    """Return the number of lines after the header of ``path`` (for sizing a progress bar)."""
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def _digest_of_text(path: Path, encoding: str) -> str:
    """Return the SHA-256 of the file, having checked that all of it is text in ``encoding``."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    lines_before = 0
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
            pending = len(decoder.getstate()[0])  # bytes of a character cut by the last block
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                at = max(error.start - pending, 0)
                line = lines_before + block[:at].count(b"\n") + 1
                raise _not_text(path, encoding, line, error) from error
            lines_before += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:  # the file ends in the middle of a character
            raise _not_text(path, encoding, lines_before + 1, error) from error
    return digest.hexdigest()


def _not_text(path: Path, encoding: str, line: int, error: UnicodeDecodeError) -> CsvFileError:
    byte = error.object[error.start]
    suggestion = next(name for name in _SUGGESTIONS if name != encoding and _reads(path, name))
    return CsvFileError(
        line,
        f"the file is not {_SUGGESTIONS.get(encoding, encoding)} text: line {line} holds the byte"
        f" 0x{byte:02X}, which it does not use there. The file reads as"
        f" {_SUGGESTIONS[suggestion]}: import it with --encoding {suggestion}",
    )


def _reads(path: Path, encoding: str) -> bool:
    """Return whether all of the file is text in ``encoding``."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while block := handle.read(BLOCK):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
