"""``dunning handoff``: the case file on disk, the agency's report built from case.csv imported
back (once), a bad report refused whole, the recall."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner, Result
from pypdf import PdfReader
from sqlalchemy import Engine, func, select

from dunning.cli import main
from store.connection import create_store_engine
from store.migrate import upgrade
from store.models import agency_results, payments
from tests.api.conftest import ROOT
from tests.api.ledger_data import DAY, seed


def _ledger(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine: Engine = create_store_engine(url)
    upgrade(engine)
    seed(engine)
    engine.dispose()
    return url


def _run(*args: str) -> Result:
    return CliRunner().invoke(
        main, ["handoff", *args, "--policy", str(ROOT)], catch_exceptions=False
    )


def _count(url: str, table: object) -> int:
    engine = create_store_engine(url)
    with engine.connect() as conn:
        found = int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]
    engine.dispose()
    return found


def test_a_hand_off_writes_the_case_file_and_the_agency_report_imports_back(tmp_path: Path) -> None:
    url = _ledger(tmp_path)
    out = tmp_path / "case"
    done = _run(
        "TEST-0001",
        "--to",
        "agency",
        "--database",
        url,
        "--date",
        DAY.isoformat(),
        "--out",
        str(out),
        "--who",
        "ann",
        "--note",
        "no answer to the final notice",
    )
    assert done.exit_code == 0, done.output
    assert "TEST-0001 handed to agency" in done.output
    assert sorted(p.name for p in out.iterdir()) == ["case.csv", "case.json", "statement.pdf"]
    document = json.loads((out / "case.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader((out / "case.csv").open(encoding="utf-8")))
    for totals in document["totals"]:
        claim = sum(
            (Decimal(r["amount"]) for r in rows if r["currency"] == totals["currency"]), Decimal(0)
        )
        assert claim == Decimal(totals["claim"])
        assert f"claim {totals['currency']} {Decimal(totals['claim']):,}" in done.output
    text = PdfReader(out / "statement.pdf").pages[0].extract_text()
    assert "Statement of account" in text and "TEST-0001" in text
    # The agency sends back the case's invoice lines with what it collected and its fee.
    report = tmp_path / "report.csv"
    with report.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["case", "ref", "date", "kind", "invoice", "amount", "fee", "currency", "note"]
        )
        for row in rows:
            if row["kind"] == "invoice":
                writer.writerow(
                    [
                        row["case"],
                        f"L{row['line']}",
                        "2026-11-30",
                        "payment",
                        row["ref"],
                        row["amount"],
                        "25.00",
                        row["currency"],
                        "paid in full",
                    ]
                )
        writer.writerow(
            [rows[0]["case"], "closing", "2026-11-30", "outcome", "", "", "", "", "closed"]
        )
    paid_before = _count(url, payments)
    imported = _run("--results", str(report), "--database", url)
    assert imported.exit_code == 0, imported.output
    invoices = sum(1 for r in rows if r["kind"] == "invoice")
    assert f"{invoices + 1} line(s), {invoices + 1} added, 0 already imported" in imported.output
    assert "the agency keeps GBP" in imported.output
    again = _run("--results", str(report), "--database", url)
    assert f"0 added, {invoices + 1} already imported" in again.output
    assert _count(url, payments) == paid_before + invoices
    listed = _run("--database", url)
    assert document["case"]["id"] in listed.output
    recalled = _run("TEST-0001", "--recall", "--database", url, "--date", "2026-12-01")
    assert recalled.exit_code == 0 and "chased again" in recalled.output
    assert "No case is open." in _run("--database", url).output


def test_a_report_with_a_bad_row_imports_nothing_and_names_every_bad_row(tmp_path: Path) -> None:
    url = _ledger(tmp_path)
    done = _run(
        "TEST-0001",
        "--to",
        "legal",
        "--database",
        url,
        "--date",
        DAY.isoformat(),
        "--out",
        str(tmp_path / "case.zip"),
    )
    assert done.exit_code == 0, done.output
    assert (tmp_path / "case.zip").stat().st_size > 0
    case_id = done.output.split()[1].rstrip(":")
    report = tmp_path / "report.csv"
    report.write_text(
        "case,ref,date,kind,amount,currency\n"
        f"{case_id},1,2026-11-30,payment,10.00,GBP\n"
        f"{case_id},2,30/11/2026,payment,10.00,GBP\n"
        f"{case_id},3,2026-11-30,refund,10.00,GBP\n"
        f"{case_id},4,2026-11-30,payment,10.001,GBP\n",
        encoding="utf-8",
    )
    refused = _run("--results", str(report), "--database", url)
    assert refused.exit_code == 1
    assert "report.csv:3: date '30/11/2026'" in refused.output
    assert "report.csv:4: kind 'refund'" in refused.output
    assert "report.csv:5: amount '10.001'" in refused.output
    assert "nothing was imported" in refused.output
    assert _count(url, agency_results) == 0


def test_unknown_customers_and_mixed_options_are_refused_clearly(tmp_path: Path) -> None:
    url = _ledger(tmp_path)
    missing = _run("NOBODY", "--to", "agency", "--database", url)
    assert missing.exit_code == 1 and "NOBODY is not in the ledger" in missing.output
    mixed = _run("TEST-0001", "--to", "agency", "--recall", "--database", url)
    assert mixed.exit_code == 2
    no_case = _run("TEST-0001", "--recall", "--database", url)
    assert no_case.exit_code == 1 and "no open case" in no_case.output
