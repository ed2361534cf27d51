"""CSV exports: a byte that is not text gets its line and the encoding to use; a header that
repeats a column the import reads is refused.

The story: Müller Gastro's accountant exports the customers from an old Windows program, which
writes Windows-1252. Importing it as UTF-8 says which line holds the first byte UTF-8 cannot
read and to import it with ``--encoding cp1252``; doing so imports ``Müller`` as written. A
spreadsheet that grew a second ``id`` column is refused before anything is read, because a row
could not say which of the two is its id.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

import store.csv_file
from dunning.cli import main
from store.imports import ImportResult, import_csv
from store.models import customers

HEADER = "id,name,country\n"


def write(tmp_path: Path, text: str, encoding: str, name: str = "c.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(engine: Engine, path: Path, encoding: str = "utf-8") -> ImportResult:
    with engine.connect() as conn:
        result = import_csv(conn, "customers", path, encoding=encoding)
        conn.commit()
    return result


def names(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(customers.c.name).order_by(customers.c.id)).scalars())


WINDOWS = HEADER + "ACME,Acme Ltd,GB\nMUEL,Müller Gastro,DE\nCAFE,Café € Co,FR\n"


def test_a_windows_file_read_as_utf8_names_the_line_and_the_encoding(
    ledger_engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, WINDOWS, "cp1252")
    result = run(ledger_engine, path)
    assert [str(p) for p in result.problems] == [
        f"{path}:3: the file is not UTF-8 text: line 3 holds the byte 0xFC, which it does not"
        " use there. The file reads as Windows-1252 (Excel and other Windows programs): import"
        " it with --encoding cp1252"
    ]
    assert names(ledger_engine) == []


def test_the_encoding_named_imports_the_file_as_written(
    ledger_engine: Engine, tmp_path: Path
) -> None:
    result = run(ledger_engine, write(tmp_path, WINDOWS, "cp1252"), encoding="cp1252")
    assert (result.inserted, result.problems) == (3, ())
    assert names(ledger_engine) == ["Acme Ltd", "Café € Co", "Müller Gastro"]


def test_bytes_windows_1252_does_not_use_suggest_latin_1(
    ledger_engine: Engine, tmp_path: Path
) -> None:
    """0x81 is no character in Windows-1252; Latin-1 reads every byte."""
    path = tmp_path / "c.csv"
    path.write_bytes(HEADER.encode() + b"ACME,Acme\x81Ltd,GB\n")
    (problem,) = run(ledger_engine, path).problems
    assert problem.line == 2
    assert problem.message.endswith(
        "The file reads as Latin-1 (ISO 8859-1): import it with --encoding latin-1"
    )
    (again,) = run(ledger_engine, path, encoding="cp1252").problems
    assert again.message.startswith(
        "the file is not Windows-1252 (Excel and other Windows programs) text: line 2 holds the"
        " byte 0x81"
    )


def test_utf8_with_excels_byte_order_mark_imports(ledger_engine: Engine, tmp_path: Path) -> None:
    result = run(ledger_engine, write(tmp_path, WINDOWS, "utf-8-sig"))
    assert (result.inserted, result.problems) == (3, ())
    assert names(ledger_engine) == ["Acme Ltd", "Café € Co", "Müller Gastro"]


def test_a_character_split_between_two_reads_is_text_and_lines_stay_right(
    ledger_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is checked a block at a time; a block may end inside a character."""
    monkeypatch.setattr(store.csv_file, "BLOCK", 5)
    good = write(tmp_path, WINDOWS, "utf-8", "good.csv")
    assert run(ledger_engine, good).inserted == 3
    bad = tmp_path / "bad.csv"
    bad.write_bytes(WINDOWS.encode() + "ZZZZ,Zoë\n".encode("cp1252"))
    (problem,) = run(ledger_engine, bad).problems
    assert (problem.line, "byte 0xEB" in problem.message) == (5, True)


def test_a_file_ending_inside_a_character(ledger_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(HEADER.encode() + b"ACME,Acme Ltd,GB\nMUEL,M\xc3")
    (problem,) = run(ledger_engine, path).problems
    assert problem.line == 3
    assert "the file is not UTF-8 text: line 3 holds the byte 0xC3" in problem.message


def test_a_repeated_column_the_import_reads_is_refused(
    ledger_engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "id,name,id\nACME,Acme Ltd,ACME-2\n", "utf-8")
    result = run(ledger_engine, path)
    assert [(p.line, p.message) for p in result.problems] == [
        (
            1,
            "the header repeats a column the import reads ('id' is columns 1 and 3): rename or"
            " remove all but one, so that each value has one place",
        )
    ]
    assert names(ledger_engine) == []


def test_a_repeated_column_the_import_ignores_is_harmless(
    ledger_engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "id,note,name,note\nACME,a,Acme Ltd,b\n", "utf-8")
    assert run(ledger_engine, path).inserted == 1


def test_the_cli_takes_an_encoding_and_refuses_an_unknown_one(
    ledger_engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, WINDOWS.replace("€ ", ""), "latin-1")
    url = ledger_engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    args = ["import", "customers", str(path), "--database", url]
    refused = runner.invoke(main, args, catch_exceptions=False)
    assert refused.exit_code == 1
    assert f"{path}:3: the file is not UTF-8 text: line 3 holds the byte 0xFC" in refused.output
    unknown = runner.invoke(main, [*args, "--encoding", "klingon"], catch_exceptions=False)
    assert unknown.exit_code == 2
    assert "'klingon' is not an encoding Python knows: try utf-8, cp1252 or latin-1" in (
        unknown.output
    )
    imported = runner.invoke(main, [*args, "--encoding", "latin-1"], catch_exceptions=False)
    assert imported.exit_code == 0, imported.output
    assert names(ledger_engine) == ["Acme Ltd", "Café Co", "Müller Gastro"]
