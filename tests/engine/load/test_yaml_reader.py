"""Tests for engine/load/yaml_reader.py: what a policy file reads as, where, and what is refused."""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.load import yaml_reader as yaml_loader
from engine.load.yaml_reader import (
    CODES,
    MAX_FILE_BYTES,
    YamlDocument,
    load_yaml_file,
    load_yaml_text,
)
from engine.model.source import DocPath, Problem

Expected = list[tuple[int, int, str]]


def assert_problems(text: bytes | str, expected: Expected) -> YamlDocument | None:
    """Return the document after checking that ``text`` has exactly these (line, column, code)."""
    document, problems = load_yaml_text(text, "policy.yaml")
    found = sorted((p.line, p.column, p.code) for p in problems)
    assert found == sorted(expected), "\n".join(str(p) for p in problems)
    return document


def loaded(text: bytes | str) -> YamlDocument:
    """Return the document read from ``text``, which must have no problem."""
    document = assert_problems(text, [])
    assert document is not None
    return document


# (id, input, expected problems): one row a story, each error code at least once.
PROBLEM_CASES: list[tuple[str, bytes | str, Expected]] = [
    ("valid", "apiVersion: dunning/v1\nkind: Customer\n", []),
    ("utf8-bom-accepted", b"\xef\xbb\xbfkind: Customer\n", []),
    ("Y001-latin1-byte", b"kind: Customer\nname: Caf\xe9 Noir\n", [(2, 10, "Y001")]),
    ("Y001-latin1-after-bom", b"\xef\xbb\xbfname: Caf\xe9\n", [(1, 10, "Y001")]),
    ("Y001-utf16", "kind: Customer\n".encode("utf-16"), [(1, 1, "Y001")]),
    ("Y001-nul-byte", b"kind: Customer\nid: A\x00\n", [(2, 6, "Y001")]),
    ("Y001-control-char", "kind: Customer\nname: Ann\x07\n", [(2, 10, "Y001")]),
    ("Y001-binary", bytes(range(256)), [(1, 1, "Y001")]),
    ("Y002-duplicate-key", "kind: Customer\nid: A\nkind: Ladder\n", [(3, 1, "Y002")]),
    ("Y002-in-flow-mapping", "fee: {GBP: '1.00', GBP: '2.00'}\n", [(1, 20, "Y002")]),
    ("Y002-nested", "steps:\n  - id: a\n    at: due+1d\n    id: b\n", [(4, 5, "Y002")]),
    ("Y002-quoted-and-plain", "a: 1\n'a': 2\n", [(2, 1, "Y002")]),
    ("Y003-norway", "country: NO\n", [(1, 10, "Y003")]),
    ("Y003-in-flow-list", "countries: [DE, no, FR]\n", [(1, 17, "Y003")]),
    ("Y003-key", "on: 1\n", [(1, 1, "Y003")]),
    ("Y004-february-30", "pause: {until: 2026-02-30}\n", [(1, 16, "Y004")]),
    ("Y004-month-13", "issued: 2026-13-01\n", [(1, 9, "Y004")]),
    ("Y005-anchor-and-alias", "a: &fee '15.00'\nb: *fee\n", [(1, 4, "Y005"), (2, 4, "Y005")]),
    ("Y005-merge-key", "base: {x: 1}\nother:\n  <<: {x: 2}\n", [(3, 3, "Y005")]),
    ("Y005-anchor-on-mapping", "a: &m {x: 1}\n", [(1, 4, "Y005")]),
    ("Y005-alias-as-key", "a: &k x\n*k : 1\n", [(1, 4, "Y005"), (2, 1, "Y005")]),
    ("Y006-python-object", "a: !!python/object/apply:os.system ['ls']\n", [(1, 4, "Y006")]),
    ("Y006-local-tag", "a: !money 15.00\n", [(1, 4, "Y006")]),
    ("Y006-str-tag", "a: !!str 010\n", [(1, 4, "Y006")]),
    ("Y006-tag-on-root", "!!map\na: 1\n", [(1, 1, "Y006")]),
    ("Y007-two-documents", "kind: Customer\n---\nkind: Ladder\n", [(2, 1, "Y007")]),
    ("Y007-trailing-separator", "kind: Customer\n---\n", [(2, 1, "Y007")]),
    ("Y008-empty", "", [(1, 1, "Y008")]),
    ("Y008-blank-lines", "\n\n  \n", [(1, 1, "Y008")]),
    ("Y008-only-comments", "# $schema=x.json\n# nothing yet\n", [(1, 1, "Y008")]),
    ("Y008-document-marker-only", "---\n", [(1, 1, "Y008")]),
    ("Y009-tab-indent", "pause:\n\tuntil: 2027-01-15\n", [(2, 1, "Y009")]),
    ("Y009-colon-in-value", "name: Acme: the trading co\n", [(1, 11, "Y009")]),
    ("Y009-bad-indent", "pause:\n  until: 2027-01-15\n reason: x\n", [(3, 2, "Y009")]),
    ("Y009-unclosed-quote", "name: 'Acme\nid: A\n", [(3, 1, "Y009")]),
    ("Y009-unclosed-list", "skip: [call, letter\nid: A\n", [(2, 3, "Y009")]),
    ("Y009-windows-path", 'path: "C:\\policies"\n', [(1, 10, "Y009")]),
    ("Y009-at-sign", "owner: @jane\n", [(1, 8, "Y009")]),
    ("Y009-bad-directive", "%YAML 2.0\n---\na: 1\n", [(1, 1, "Y009")]),
    ("Y010-list", "- kind: Customer\n", [(1, 1, "Y010")]),
    ("Y010-text", "just some words\n", [(1, 1, "Y010")]),
    ("Y010-null", "# c\n~\n", [(2, 1, "Y010")]),
    ("Y011-too-big", b"a: " + b"x" * MAX_FILE_BYTES, [(1, 1, "Y011")]),
    ("Y012-too-deep", "a: " + "[" * 64 + "]" * 64 + "\n", [(1, 67, "Y012")]),
    ("Y012-block-too-deep", "".join(f"{'  ' * i}k:\n" for i in range(70)), [(65, 129, "Y012")]),
    ("depth-64-accepted", "a: " + "[" * 63 + "]" * 63 + "\n", []),
    ("Y014-int-key", "delay:\n  7: final-notice\n", [(2, 3, "Y014")]),
    ("Y014-bool-key", "true: x\n", [(1, 1, "Y014")]),
    ("Y014-null-key", "~: x\n", [(1, 1, "Y014")]),
    ("Y014-empty-key", "? \n: x\n", [(1, 2, "Y014")]),
    ("Y014-decimal-key", "1.5: x\n", [(1, 1, "Y014")]),
    ("Y014-list-key", "? [a, b]\n: x\nc: d\n", [(1, 3, "Y014")]),
    ("date-key-is-text", "closed:\n  2026-12-24: Christmas Eve\n", []),
    ("problems-inside-duplicate-still-found", "a: 1\na: NO\n", [(2, 1, "Y002"), (2, 4, "Y003")]),
    ("all-problems-at-once", "a: yes\nb: 0x1F\nc: 2026-02-30\n",
     [(1, 4, "Y003"), (2, 4, "Y003"), (3, 4, "Y004")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [(text, expected) for _, text, expected in PROBLEM_CASES],
    ids=[case_id for case_id, _, _ in PROBLEM_CASES],
)
def test_problems_are_located(text: bytes | str, expected: Expected) -> None:
    assert_problems(text, expected)


def test_every_code_is_described_and_tested() -> None:
    tested = {code for _, _, expected in PROBLEM_CASES for _, _, code in expected}
    # Y013 is about the file itself, so its cases go through load_yaml_file below.
    assert tested | {"Y013"} == set(CODES)


# Plain scalars that YAML 1.1 and YAML 1.2 read differently, or that only look like numbers.
AMBIGUOUS = [
    "yes", "Yes", "YES", "yEs", "no", "No", "NO", "on", "On", "ON", "off", "OFF",
    "y", "Y", "n", "N",
    "010", "00", "08", "0o10", "0x1F", "0b101", "1:30", "-1:30:00", "1:30.5", "1_000", "1_000.5",
    "1e3", "1E3", "1.0e3", "1.0e+3", "-1e-3", ".inf", "-.inf", "+.Inf", ".nan", ".NaN", "-.5",
]  # fmt: skip


@pytest.mark.parametrize("scalar", AMBIGUOUS, ids=AMBIGUOUS)
def test_ambiguous_plain_scalar_must_be_quoted(scalar: str) -> None:
    document = assert_problems(f"value: {scalar}\n", [(1, 8, "Y003")])
    # The validator still gets the text, so it can go on checking the rest of the file.
    assert document is not None
    assert document.data == {"value": scalar}


@pytest.mark.parametrize("scalar", AMBIGUOUS, ids=AMBIGUOUS)
def test_quoted_ambiguous_scalar_is_text(scalar: str) -> None:
    assert loaded(f"value: '{scalar}'\n").data == {"value": scalar}
    assert loaded(f'value: "{scalar}"\n').data == {"value": scalar}


def test_ambiguous_message_speaks_to_the_author() -> None:
    _, problems = load_yaml_text("country: NO\n", "customers/ACME.yaml")
    assert [str(p) for p in problems] == [
        "customers/ACME.yaml:1:10: Y003 'NO' is read differently by editors (YAML 1.2) and by CI "
        '(YAML 1.1), which takes it as true or false: put it in quotes, e.g. "NO"'
    ]
    assert problems[0].path == "country"


VALUE_CASES: list[tuple[str, str, object]] = [
    ("decimal-kept-exact", "15.10", Decimal("15.10")),
    ("decimal-trailing-zeros", "15.00", Decimal("15.00")),
    ("decimal-negative", "-0.50", Decimal("-0.50")),
    ("decimal-leading-dot", ".5", Decimal(".5")),
    ("decimal-many-digits", "0.10000000000000000555", Decimal("0.10000000000000000555")),
    ("quoted-decimal-is-text", '"15.10"', "15.10"),
    ("int", "30", 30),
    ("int-negative", "-7", -7),
    ("int-plus", "+7", 7),
    ("zero", "0", 0),
    ("true", "true", True),
    ("True", "True", True),
    ("FALSE", "FALSE", False),
    ("other-case-true-is-text", "tRUE", "tRUE"),
    ("null-word", "null", None),
    ("null-tilde", "~", None),
    ("null-empty", "", None),
    ("date", "2026-11-23", datetime.date(2026, 11, 23)),
    ("leap-day", "2028-02-29", datetime.date(2028, 2, 29)),
    ("quoted-date-is-text", "'2026-11-23'", "2026-11-23"),
    ("timestamp-stays-text", "2026-11-23T10:00:00Z", "2026-11-23T10:00:00Z"),
    ("short-date-stays-text", "2026-1-5", "2026-1-5"),
    ("offset-is-text", "due+1bd", "due+1bd"),
    ("duration-is-text", "14d", "14d"),
    ("phone-is-text", "+44 20 7946 0000", "+44 20 7946 0000"),
    ("version-is-text", "1.2.3", "1.2.3"),
    ("base60-out-of-range-is-text", "10:75", "10:75"),
    ("non-ascii-digits-are-text", "١٢٣", "١٢٣"),
    ("literal-block", "|\n  line one\n  line two", "line one\nline two\n"),
    ("folded-block", ">\n  one\n  two", "one two\n"),
    ("single-quoted-escape", "'it''s'", "it's"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("scalar", "value"),
    [(scalar, value) for _, scalar, value in VALUE_CASES],
    ids=[case_id for case_id, _, _ in VALUE_CASES],
)
def test_scalar_reads_as(scalar: str, value: object) -> None:
    data = loaded(f"value: {scalar}\n").data
    assert data == {"value": value}
    assert isinstance(data, dict)
    assert type(data["value"]) is type(value)


def test_money_is_never_a_float() -> None:
    data = loaded("fees: {GBP: 15.10, EUR: 0.1}\n").data
    assert data == {"fees": {"GBP": Decimal("15.10"), "EUR": Decimal("0.1")}}
    assert str(Decimal("15.10")) == "15.10"  # the trailing zero is part of the value


def test_huge_integer_stays_text() -> None:
    digits = "9" * 5000
    assert loaded(f"count: {digits}\n").data == {"count": digits}


def test_impossible_date_is_read_as_the_nearest_real_one_with_what_to_write() -> None:
    """Y004: the value stands in as the nearest real date, so the rest of the file is still
    checked; the problem says what to write instead."""
    document, problems = load_yaml_text("until: 2026-02-30\n", "c.yaml")
    assert document is not None
    assert document.data == {"until": datetime.date(2026, 2, 28)}
    assert [(p.code, p.message) for p in problems] == [
        ("Y004", "'2026-02-30' is not a real date: February 2026 has 28 days; write 2026-02-28 "
                 "for its last day, or another real date"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("written", "why", "stand_in"),
    [
        ("2028-02-30", "February 2028 has 29 days; write 2028-02-29 for its last day, or "
                       "another real date", datetime.date(2028, 2, 29)),
        ("2027-04-31", "April 2027 has 30 days; write 2027-04-30 for its last day, or another "
                       "real date", datetime.date(2027, 4, 30)),
        ("2027-13-05", "there is no month 13; dates are YYYY-MM-DD, month first: write "
                       "2027-05-13 if that is the day meant", datetime.date(2027, 5, 13)),
        ("2027-45-01", "there is no month 45: months run from 01 to 12",
         datetime.date(2027, 12, 1)),
        ("2027-04-00", "there is no day 00: days run from 01; write 2027-04-01 for the first",
         datetime.date(2027, 4, 1)),
        ("0000-03-01", "there is no year 0000: write the year in four digits, e.g. 2027",
         datetime.date(1, 3, 1)),
    ],
    ids=["leap-year", "thirty-days", "day-and-month-swapped", "no-such-month", "day-zero",
         "year-zero"],
)  # fmt: skip
def test_impossible_date_says_what_to_write(
    written: str, why: str, stand_in: datetime.date
) -> None:
    """Y004 names the nearest real date, or the mistake (a day-first date), to write instead."""
    document, problems = load_yaml_text(f"until: {written}\n", "c.yaml")
    assert document is not None
    assert document.data == {"until": stand_in}
    assert [p.message for p in problems] == [f"'{written}' is not a real date: {why}"]


NESTED = """\
# yaml-language-server: $schema=../schemas/ladder.schema.json
apiVersion: dunning/v1
kind: Ladder
steps:
  - id: first-reminder
    at: due+1bd
    min_balance: {GBP: "500.00"}
  -   id: call
      channel: phone
matrix:
  - [a, b]
  - - c
    - d
empty:
"""


def test_locations_of_nested_list_and_mapping_items() -> None:
    document = loaded(NESTED)
    assert document.locations == {
        (): (2, 1),
        ("apiVersion",): (2, 13),
        ("kind",): (3, 7),
        ("steps",): (5, 3),
        ("steps", 0): (5, 5),
        ("steps", 0, "id"): (5, 9),
        ("steps", 0, "at"): (6, 9),
        ("steps", 0, "min_balance"): (7, 18),
        ("steps", 0, "min_balance", "GBP"): (7, 24),
        ("steps", 1): (8, 7),
        ("steps", 1, "id"): (8, 11),
        ("steps", 1, "channel"): (9, 16),
        ("matrix",): (11, 3),
        ("matrix", 0): (11, 5),
        ("matrix", 0, 0): (11, 6),
        ("matrix", 0, 1): (11, 9),
        ("matrix", 1): (12, 5),
        ("matrix", 1, 0): (12, 7),
        ("matrix", 1, 1): (13, 7),
        # An empty value sits just after its key's colon.
        ("empty",): (14, 7),
    }


def test_key_locations_point_at_the_keys() -> None:
    document = loaded(NESTED)
    assert document.key_locations == {
        ("apiVersion",): (2, 1),
        ("kind",): (3, 1),
        ("steps",): (4, 1),
        ("steps", 0, "id"): (5, 5),
        ("steps", 0, "at"): (6, 5),
        ("steps", 0, "min_balance"): (7, 5),
        ("steps", 0, "min_balance", "GBP"): (7, 19),
        ("steps", 1, "id"): (8, 7),
        ("steps", 1, "channel"): (9, 7),
        ("matrix",): (10, 1),
        ("empty",): (14, 1),
    }


def test_columns_count_characters_not_bytes() -> None:
    document = assert_problems("name: Zoë Ltd\nnote: café\nx: yes\n", [(3, 4, "Y003")])
    assert document is not None
    assert document.locations[("note",)] == (2, 7)


def test_duplicate_key_keeps_first_value_and_location() -> None:
    document = assert_problems("id: A\nname: x\nid: B\n", [(3, 1, "Y002")])
    assert document is not None
    assert document.data == {"id": "A", "name": "x"}
    assert document.key_locations[("id",)] == (1, 1)


def test_duplicate_message_names_the_first_line() -> None:
    _, problems = load_yaml_text("id: A\nname: x\nid: B\n", "c.yaml")
    assert problems[0].message == (
        "duplicate key 'id': it is already set on line 1; a key may appear once in a mapping"
    )


@pytest.mark.parametrize(
    ("path", "position"),
    [
        (("steps", 0, "at"), (6, 9)),
        (("steps", 0, "channel"), (5, 5)),  # missing: the step it belongs to
        (("steps", 7), (5, 3)),  # missing item: the list
        (("nothing", "here"), (2, 1)),  # missing: the root mapping
        ((), (2, 1)),
    ],
    ids=["known", "missing-key", "missing-item", "missing-branch", "root"],
)
def test_source_walks_up_to_nearest_known_location(
    path: DocPath, position: tuple[int, int]
) -> None:
    source = loaded(NESTED).source(path)
    assert (source.line, source.column) == position
    assert (source.file, source.path) == ("policy.yaml", path)


def test_source_without_any_location_is_the_first_line() -> None:
    document = YamlDocument("f.yaml", {}, {}, {})
    assert str(document.source(("a",))) == "f.yaml:1:1"


def test_values_behind_a_problem_are_still_returned() -> None:
    document = assert_problems(
        "a: !foo 1\nb: *nowhere\n1: c\n",
        [(1, 4, "Y006"), (2, 4, "Y005"), (3, 1, "Y014")],
    )
    assert document is not None
    assert document.data == {"a": "1", "b": None, "1": "c"}


def test_problem_carries_the_document_path() -> None:
    _, problems = load_yaml_text("steps:\n  - {id: a, channel: off}\n", "l.yaml")
    assert [(p.code, p.path) for p in problems] == [("Y003", "steps[0].channel")]


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_billion_laughs_is_refused_without_expanding() -> None:
    started = time.perf_counter()
    document, problems = load_yaml_text(BILLION_LAUGHS, "laughs.yaml")
    assert time.perf_counter() - started < 0.5
    assert {p.code for p in problems} == {"Y005"}
    assert len(problems) == 9 + 8 * 9  # every anchor and every alias, each located
    assert document is not None
    assert document.data["i"] == [None] * 9  # type: ignore[index]


@pytest.mark.parametrize("brackets", [65, 1_500, 200_000], ids=["ours", "libyaml", "huge"])
def test_deep_nesting_is_refused_not_a_recursion_error(brackets: int) -> None:
    # Whichever layer refuses first (our count at 64 levels, or libyaml's own limit, which scans
    # ahead of the events we count), the author gets Y012 on the right file and line, in words.
    started = time.perf_counter()
    document, problems = load_yaml_text("a:\n  b: " + "[" * brackets, "policy.yaml")
    assert document is None
    assert [(p.file, p.line, p.code) for p in problems] == [("policy.yaml", 2, "Y012")]
    assert "nested more than 64 levels deep" in problems[0].message
    assert time.perf_counter() - started < 0.5


def test_deep_nesting_within_libyaml_limit_is_refused_at_the_level_too_deep() -> None:
    # With 65 brackets only our own count can refuse: it points at the bracket that goes too deep.
    assert_problems("a: " + "[" * 65, [(1, 67, "Y012")])


def test_text_of_exactly_the_size_limit_is_read() -> None:
    text = "a: " + "x" * (MAX_FILE_BYTES - 4) + "\n"
    assert loaded(text).data == {"a": "x" * (MAX_FILE_BYTES - 4)}


def test_size_of_text_counts_utf8_bytes() -> None:
    # 2 million characters, 6 million bytes.
    document, problems = load_yaml_text("a: " + "€" * 2_000_000, "big.yaml")
    assert document is None
    assert [(p.code, p.message) for p in problems] == [
        ("Y011", "the file is 5.7 MB; policy files must be under 5 MB")
    ]


# Files


def test_file_is_read_with_its_display_name(tmp_path: Path) -> None:
    path = tmp_path / "ACME-0001.yaml"
    path.write_bytes(b"\xef\xbb\xbfid: ACME-0001\nlimit: 50000.00\n")
    document, problems = load_yaml_file(path, display="customers/ACME-0001.yaml")
    assert problems == []
    assert document is not None
    assert document.file == "customers/ACME-0001.yaml"
    assert document.data == {"id": "ACME-0001", "limit": Decimal("50000.00")}
    assert str(document.source(("limit",))) == "customers/ACME-0001.yaml:2:8"


def test_file_problems_name_the_path_when_no_display_is_given(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    _, problems = load_yaml_file(path)
    assert [str(p).split(": ")[0] for p in problems] == [f"{path}:2:1"]


def test_six_megabyte_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(6 * 1024 * 1024)  # sparse: all NUL bytes, which Y001 would report if read
    document, problems = load_yaml_file(path, "huge.yaml")
    assert document is None
    assert problems == [
        Problem("huge.yaml", 1, 1, "Y011", "the file is 6.0 MB; policy files must be under 5 MB")
    ]


def test_binary_file_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "logo.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    document, problems = load_yaml_file(path, "logo.yaml")
    assert document is None
    assert [(p.line, p.column, p.code) for p in problems] == [(1, 1, "Y001")]


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp, "this is a folder, not a file: name the YAML files in it"),
        (lambda tmp: tmp / "missing.yaml", "the file does not exist"),
        (lambda tmp: tmp / "missing" / "x.yaml", "the file does not exist"),
        (lambda tmp: tmp / "a\x00b.yaml", "the file name is not valid"),
        (_fifo, "this is not a regular file (a device, pipe or socket)"),
        (lambda tmp: tmp / ("x" * 300 + ".yaml"), "the file cannot be read: File name too long"),
    ],
    ids=["directory", "missing", "missing-folder", "nul-in-name", "fifo", "name-too-long"],
)
def test_unreadable_path_is_y013(
    tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    path = make(tmp_path)
    document, problems = load_yaml_file(path, "policies/x.yaml")
    assert document is None
    assert problems == [Problem("policies/x.yaml", 1, 1, "Y013", message)]


def test_unreadable_file_is_y013(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("a: 1\n", encoding="utf-8")

    def refuse(*_args: object, **_kwargs: object) -> None:
        # chmod 000 does not stop root, who runs these tests in containers.
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert load_yaml_file(path, "x.yaml") == (
        None,
        [Problem("x.yaml", 1, 1, "Y013", "the file cannot be read: permission denied")],
    )


# The pure-Python parser is the fallback without libyaml: it must read files the same way.


@pytest.fixture
def pure_python_parser(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(yaml_loader, "_PARSER", yaml.SafeLoader)
    yield


@pytest.mark.parametrize(
    ("text", "expected"),
    [(text, expected) for _, text, expected in PROBLEM_CASES],
    ids=[case_id for case_id, _, _ in PROBLEM_CASES],
)
@pytest.mark.usefixtures("pure_python_parser")
def test_pure_python_parser_finds_the_same_problems(text: bytes | str, expected: Expected) -> None:
    _, problems = load_yaml_text(text, "policy.yaml")
    # The two parsers word syntax errors differently and may place them a character apart.
    found = sorted((p.line, 0 if p.code == "Y009" else p.column, p.code) for p in problems)
    wanted = [(line, 0 if code == "Y009" else column, code) for line, column, code in expected]
    assert found == sorted(wanted)


@pytest.mark.usefixtures("pure_python_parser")
def test_pure_python_parser_gives_the_same_locations() -> None:
    document = loaded(NESTED)
    assert document.locations[("steps", 1, "channel")] == (9, 16)
    assert document.key_locations[("steps", 0, "min_balance", "GBP")] == (7, 19)


# Properties: whatever the input, the loader answers with values or problems, never a traceback.

VALID_SNIPPET = """\
apiVersion: dunning/v1
kind: Customer
id: ACME-0001
credit_limit: {amount: "50000.00", currency: GBP}
contacts: [{name: Ann, email: ap@acme.example}]
pause: {until: 2027-01-15, reason: "CFO agreed"}
steps:
  skip: [call]
  delay: {final-notice: 7d}
notes: |
  free text
"""

# Characters that change what YAML means, plus a few that break text itself.
YAML_PIECES = [*":-?,[]{}#&*!|>'\"%@` \t\n\r", "\x00", "\x85", "\ufeff", "é", "---", "...", "<<"]


def _assert_answer(result: tuple[YamlDocument | None, list[Problem]]) -> None:
    document, problems = result
    assert document is not None or problems, "no document needs a problem that says why"
    for problem in problems:
        assert problem.code in CODES
        assert problem.line >= 1
        assert problem.column >= 1


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_loader_never_raises_on_random_bytes(data: bytes) -> None:
    _assert_answer(load_yaml_text(data, "random.yaml"))


@st.composite
def mutated_snippets(draw: st.DrawFn) -> str:
    """Return the valid snippet with a few characters inserted, deleted or replaced."""
    text = VALID_SNIPPET
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        piece = draw(st.sampled_from(YAML_PIECES))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            text = text[:at] + piece + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + len(piece) :]
        else:
            text = text[:at] + piece + text[at + 1 :]
    return text


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(mutated_snippets())
def test_loader_never_raises_on_mutations_of_a_valid_policy(text: str) -> None:
    _assert_answer(load_yaml_text(text, "mutated.yaml"))
    _assert_answer(load_yaml_text(text.encode("utf-8", "surrogatepass"), "mutated.yaml"))
