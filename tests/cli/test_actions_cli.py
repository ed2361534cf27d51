"""`dunning actions`: the day's list from a ledger file or a database, and clear refusals.

The story: the small ledger of tests/fixtures (six customers) seen on Monday 2026-11-23 under the
project's policy gives eight actions for four customers. Bramley & Hart's INV-1002 (GBP 480.00,
due 11-03) gets the second reminder with its GBP 15.00 fee, Kestrel's GBP 18,500.00 invoice the
final reminder; Hollins is paused and Riverside Florist owes too little to chase. A database
that cannot be read (no file, no tables, an older schema) is refused with what to run, and no
traceback; a missing SQLite file is not created.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import pytest
from click.testing import CliRunner, Result

from dunning.cli import main
from dunning.inputs import load_valid_policy
from dunning.list_output import write_list
from engine.evaluate import evaluate, evaluate_customers
from engine.load.ledger_file import read_ledger_file
from engine.report.render import RenderContext, render_actions
from store.connection import create_store_engine
from store.demo import build_demo
from store.migrate import upgrade
from store.reader import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "fixtures" / "ledger" / "small.yaml"
DAY = date(2026, 11, 23)
CSV_HEADER = [
    "date",
    "action_id",
    "customer_id",
    "customer_name",
    "step",
    "what_to_do",
    "channel",
    "assign_to",
    "template",
    "currency",
    "open_amount",
    "charges",
    "invoices",
    "max_days_overdue",
    "reason",
    "policy_version",
]


def actions(ledger: str, *options: str) -> Result:
    """Run `dunning actions` on ``ledger`` for 2026-11-23 under the project's policy."""
    args = ["actions", "--policy", str(ROOT), "--ledger", ledger, "--date", DAY.isoformat()]
    return CliRunner().invoke(main, [*args, *options], catch_exceptions=False)


def no_floats(text: str) -> NoReturn:
    raise AssertionError(f"a number with a fraction in the JSON: {text} (money is a string)")


# The small ledger file, in every format.


def test_table_lists_the_days_actions_and_what_is_held_back() -> None:
    result = actions(str(SMALL), "--format", "table")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Daily action list for 2026-11-23" in out
    assert "8 actions for 4 customers" in out
    lines = out.splitlines()
    bramley = next(line for line in lines if "BRAM-0001" in line and "second-reminder" in line)
    assert "INV-1002" in bramley and "GBP 480.00" in bramley and "GBP 15.00" in bramley
    kestrel = next(line for line in lines if line.startswith("KEST-0003"))
    assert "final-reminder" in kestrel and "GBP 18,500.00" in kestrel
    held = out[out.index("Held back today (3):") :]
    assert "HOLL-0002" in held and "SMB-1002" in held and "GBP 8.50" in held


def test_json_parses_with_money_as_strings() -> None:
    result = actions(str(SMALL), "--format", "json")
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout, parse_float=no_floats)
    assert listing["date"] == "2026-11-23"
    assert listing["ledger"] == str(SMALL)
    assert listing["totals"]["actions"] == len(listing["actions"]) == 8
    # Each open invoice once: MUEL-0004's INV-3001 (EUR 2,400.00) is in a credit hold and at
    # the agency step, BRAM-0001's INV-1001 and SMB-1001's INV-5002 are in two actions too.
    assert listing["totals"]["open_by_currency"] == {"EUR": "2400.00", "GBP": "22630.00"}
    by_step = {(a["customer"]["id"], a["step"]): a for a in listing["actions"]}
    reminder = by_step["BRAM-0001", "second-reminder"]
    assert [(i["id"], i["amount"], i["open"]) for i in reminder["invoices"]] == [
        ("INV-1002", "480.00", "480.00")
    ]
    assert [(c["currency"], c["amount"]) for c in reminder["charges"]] == [("GBP", "15.00")]
    assert by_step["KEST-0003", "final-reminder"]["totals"] == {"GBP": "18500.00"}
    assert {h["customer"]["id"] for h in listing["held_back"]} >= {"HOLL-0002", "SMB-1002"}


def test_csv_has_the_header_and_one_row_per_action() -> None:
    result = actions(str(SMALL), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == CSV_HEADER
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(records) == 8
    reminder = next(r for r in records if r["step"] == "second-reminder")
    assert (reminder["customer_id"], reminder["invoices"]) == ("BRAM-0001", "INV-1002")
    assert (reminder["currency"], reminder["open_amount"], reminder["charges"]) == (
        "GBP",
        "480.00",
        "15.00",
    )
    assert {r["date"] for r in records} == {"2026-11-23"}


def test_markdown_groups_the_actions_by_what_to_do() -> None:
    result = actions(str(SMALL), "--format", "markdown")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("## Daily action list for 2026-11-23")
    email = out[out.index("### Send email (1)") : out.index("### Send letter (2)")]
    assert (
        "| BRAM-0001 Bramley & Hart Catering Ltd | second-reminder | INV-1002 | GBP 480.00 |"
        " GBP 15.00 |" in email
    )
    letters = out[out.index("### Send letter (2)") : out.index("### Held back (3)")]
    assert "| KEST-0003 Kestrel Hotels Group plc | final-reminder | INV-2001 | GBP 18,500.00 |" in (
        letters
    )
    held = out[out.index("### Held back (3)") :]
    assert "| HOLL-0002 Hollins Builders Merchants Ltd |" in held


# A database ledger.


def test_a_demo_database_lists_what_the_engine_makes_of_its_ledger(db_url: str) -> None:
    engine = create_store_engine(db_url)
    try:
        build_demo(engine, DAY, seed=1, policy_root=ROOT)
        snapshot = load_snapshot(engine, as_of=DAY)
    finally:
        engine.dispose()
    result = actions(db_url, "--format", "json")
    assert result.exit_code == 0, result.output
    listing: dict[str, Any] = json.loads(result.stdout, parse_float=no_floats)
    assert listing["ledger"] == db_url
    assert listing["totals"]["customers_evaluated"] == 500
    assert listing["actions"], "a demo morning has work to do"
    demo_customers = {c.customer.id for c in snapshot}
    assert {a["customer"]["id"] for a in listing["actions"]} <= demo_customers
    assert all(isinstance(i["open"], str) for a in listing["actions"] for i in a["invoices"])
    # The same list as the engine gives for the ledger read into memory.
    loaded = load_valid_policy(ROOT)
    expected = render_actions(
        evaluate(loaded.policy, snapshot, DAY, loaded.version),
        "json",
        RenderContext(policy=loaded.policy, ledger_label=db_url),
    )
    assert result.stdout == expected


@pytest.mark.parametrize("options", [("--format", "csv"), ("--format", "json", "--no-messages")])
def test_a_database_list_written_as_it_is_evaluated_is_the_whole_lists_text(
    db_url: str, options: tuple[str, ...]
) -> None:
    """JSON and CSV from a database are written customer by customer (never the whole list in
    memory): byte for byte what the whole evaluation renders."""
    engine = create_store_engine(db_url)
    try:
        build_demo(engine, DAY, seed=1, policy_root=ROOT)
        snapshot = load_snapshot(engine, as_of=DAY)
    finally:
        engine.dispose()
    result = actions(db_url, *options)
    assert result.exit_code == 0, result.output
    loaded = load_valid_policy(ROOT)
    expected = render_actions(
        evaluate(loaded.policy, snapshot, DAY, loaded.version),
        options[1],
        RenderContext(policy=loaded.policy, ledger_label=db_url, with_messages=False),
    )
    assert result.stdout == expected


def test_a_list_whose_customers_come_out_of_order_is_not_written_in_parts() -> None:
    """Joined parts are the list in order only when the customers arrive in id order: out of
    order, nothing is written and the caller evaluates the whole list."""
    loaded = load_valid_policy(ROOT)
    snapshot, problems = read_ledger_file(SMALL)
    assert snapshot is not None and not problems
    backwards = sorted(snapshot, key=lambda c: c.customer.id, reverse=True)
    outcomes = evaluate_customers(loaded.policy, backwards, DAY)
    ctx = RenderContext(policy=loaded.policy)
    assert not write_list(outcomes, "json", loaded.version, ctx)
    assert not outcomes.in_order
    in_order = evaluate_customers(loaded.policy, backwards[::-1], DAY)
    assert write_list(in_order, "csv", loaded.version, ctx)
    assert in_order.in_order


def test_a_demo_database_as_a_table_names_the_example_customers(db_url: str) -> None:
    engine = create_store_engine(db_url)
    try:
        build_demo(engine, DAY, seed=1, policy_root=ROOT)
    finally:
        engine.dispose()
    result = actions(db_url, "--format", "table", "--customer", "KEST-0003")
    assert result.exit_code == 0, result.output
    assert "Daily action list for 2026-11-23" in result.stdout
    assert "KEST-0003" in result.stdout
    assert "Traceback" not in result.output


# Databases that cannot be read.


def test_a_sqlite_file_that_does_not_exist_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    url = f"sqlite:///{missing}"
    result = actions(url)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"There is no ledger at {url}: the file {missing} does not exist." in result.stderr
    assert f"`dunning db upgrade --database {url}`" in result.stderr
    assert "`dunning demo`" in result.stderr
    assert not missing.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_database_without_tables_says_to_upgrade_then_import(db_url: str) -> None:
    engine = create_store_engine(db_url)
    with engine.connect():  # creates the SQLite file, empty
        pass
    shown = engine.url.render_as_string(hide_password=True)
    engine.dispose()
    result = actions(db_url)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"The database at {shown} has no ledger yet: run")
    assert f"`dunning db upgrade --database {shown}` then `dunning import ...`" in result.stderr
    assert "`dunning demo`" in result.stderr


def test_a_database_with_an_older_schema_says_to_upgrade(db_url: str) -> None:
    engine = create_store_engine(db_url)
    upgrade(engine, "0001")
    shown = engine.url.render_as_string(hide_password=True)
    engine.dispose()
    result = actions(db_url)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "has an older schema (revision 0001)" in result.stderr
    assert f"run `dunning db upgrade --database {shown}`" in result.stderr


@pytest.mark.parametrize("ledger", ["ledger.txt", "ledger"], ids=["txt-file", "bare-name"])
def test_a_ledger_that_is_neither_a_file_nor_a_url_is_a_usage_error(ledger: str) -> None:
    result = CliRunner().invoke(
        main, ["actions", "--policy", str(ROOT), "--ledger", ledger], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert "expected a ledger file ending in .yaml, .yml or .json" in result.stderr
