"""``dunning send`` as a person runs it: --dry-run and --to-file record nothing; a bad URL or a
ledger file for real sending is refused with what to do."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dunning.cli import main
from store.connection import create_store_engine
from store.models import outbox
from tests.delivery.conftest import ROOT


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["send", "--policy", str(ROOT), *args], env=env,
                                catch_exceptions=False)  # fmt: skip
    return result.exit_code, result.output


def test_dry_run_prints_what_would_go_out_and_records_nothing(ledger_url: str) -> None:
    """Each email and letter is one line; a second dry run says the same (nothing was queued)."""
    code, output = run("--ledger", ledger_url, "--date", "2026-11-23", "--dry-run")
    assert code == 0
    lines = output.splitlines()
    assert any(line.startswith("email  TEST-0002    second-reminder") and
               "GBP 495.50  to ap@two.example: Second reminder: invoice INV-2001" in line
               for line in lines)  # fmt: skip
    assert any(line.startswith("letter TEST-0003    final-notice") for line in lines)
    assert "3 messages would go out on 2026-11-23 (dry run: nothing sent or recorded)." in lines
    assert run("--ledger", ledger_url, "--date", "2026-11-23", "--dry-run")[1] == output


def test_to_file_writes_eml_and_pdf_files(ledger_url: str, tmp_path: Path) -> None:
    """The .eml files are complete messages; letters are PDFs."""
    folder = tmp_path / "preview"
    code, output = run("--ledger", ledger_url, "--date", "2026-11-23", "--to-file", str(folder))
    assert code == 0, output
    emails = sorted(folder.glob("*.eml"))
    assert len(emails) == 2 and len(list(folder.glob("*.pdf"))) == 1
    message = message_from_bytes(emails[0].read_bytes(), policy=policy.default)
    assert message["Reply-To"] == "accounts@northwind.example"
    code, again = run("--ledger", ledger_url, "--date", "2026-11-23", "--dry-run")
    assert "3 messages would go out" in again  # nothing was recorded


def test_sending_needs_the_database(tmp_path: Path) -> None:
    """A ledger file cannot hold the outbox: exit 2 saying so."""
    ledger = ROOT / "tests" / "fixtures" / "ledger" / "small.yaml"
    code, output = run("--ledger", str(ledger), "--date", "2026-11-23")
    assert code == 2
    assert "sending needs the ledger database, which keeps the outbox" in output


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://host?starttls=maybe"])
def test_a_bad_smtp_url_is_refused(ledger_url: str, url: str) -> None:
    """A wrong DUNNING_SMTP_URL stops before anything is queued."""
    code, output = run("--ledger", ledger_url, "--date", "2026-11-23",
                       env={"DUNNING_SMTP_URL": url})  # fmt: skip
    assert code == 2
    assert "DUNNING_SMTP_URL" in output


BAD_PORTALS = {
    "short key": ({"DUNNING_PORTAL_URL": "https://pay.example", "DUNNING_PORTAL_KEYS": "short"},
                  "key 1 has fewer than 32 characters"),
    "no URL": ({"DUNNING_PORTAL_KEYS": "k" * 40}, "DUNNING_PORTAL_URL is not"),
    "days": ({"DUNNING_PORTAL_URL": "https://pay.example", "DUNNING_PORTAL_KEYS": "k" * 40,
              "DUNNING_PORTAL_DAYS": "sixty"}, "DUNNING_PORTAL_DAYS must be a whole number"),
}  # fmt: skip


@pytest.mark.parametrize("mode", [(), ("--dry-run",)], ids=["send", "dry-run"])
@pytest.mark.parametrize("env,said", BAD_PORTALS.values(), ids=BAD_PORTALS.keys())
def test_bad_portal_settings_are_a_usage_error_and_nothing_is_queued(
    ledger_url: str, mode: tuple[str, ...], env: dict[str, str], said: str
) -> None:
    """Unusable DUNNING_PORTAL_* settings stop `dunning send` and `dunning run` with exit code
    2 and the setting at fault, never a traceback, before anything is queued."""
    for command in (["send", *mode], ["run"]) if not mode else (["send", *mode],):
        result = CliRunner().invoke(
            main, [*command, "--policy", str(ROOT), "--ledger", ledger_url, "--date",
                   "2026-11-23"], env=env, catch_exceptions=False,
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        assert "the payment portal's settings are unusable" in result.output
        assert said in result.output
    engine = create_store_engine(ledger_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 0
    engine.dispose()
