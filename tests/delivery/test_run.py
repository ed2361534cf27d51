"""``dunning run``, the daily job: evaluate, log, send, announce, summarise; a second run the same
day sends nothing new and announces nothing new."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from delivery.daily import open_sending, run_day
from delivery.send import smtp_transport
from delivery.smtp import parse_smtp_url
from delivery.webhook_signature import HEADER, verify
from dunning.cli import main
from dunning.inputs import LoadedPolicy
from store import webhooks
from tests.delivery.conftest import DAY, ROOT, Mailbox


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", "--policy", str(ROOT), *args], env=env,
                                catch_exceptions=False)  # fmt: skip
    return result.exit_code, result.output


def test_the_daily_job_sends_once_and_says_what_it_did(
    ledger_url: str, smtp_server: tuple[Mailbox, str], tmp_path: Path
) -> None:
    mailbox, smtp_url = smtp_server
    options = ("--ledger", ledger_url, "--date", DAY.isoformat(),
               "--letters-dir", str(tmp_path / "print"))  # fmt: skip
    code, output = run(*options, env={"DUNNING_SMTP_URL": smtp_url})
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0].startswith("Daily run for 2026-11-23, policy ")
    assert lines[1] == (
        "list: 5 actions for 4 customers (1 credit hold, 3 email, 1 letter); 0 customers held back"
    )
    assert "sent 2 emails, wrote 1 letters; 0 deferred after temporary failures" in lines
    assert "snapshot of the day's aging written for the overdue trend: GBP" in lines
    assert len(mailbox.messages) == 2

    code, again = run(*options, env={"DUNNING_SMTP_URL": smtp_url})
    assert code == 0, again
    # Sent actions are done and left the list; the email without an address stays.
    assert "list: 1 actions for 1 customers (1 email); 0 customers held back" in again
    assert "sent 0 emails, wrote 0 letters; 0 deferred after temporary failures" in again
    assert len(mailbox.messages) == 2
    assert len(list((tmp_path / "print" / DAY.isoformat()).glob("*.pdf"))) == 1


def test_the_daily_job_needs_the_database() -> None:
    ledger = ROOT / "tests" / "fixtures" / "ledger" / "small.yaml"
    code, output = run("--ledger", str(ledger), "--date", DAY.isoformat())
    assert code == 2
    assert "the daily job needs the ledger database" in output


def test_the_log_says_counts_and_version_never_who(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    _, smtp_url = smtp_server
    caplog.set_level(logging.INFO)
    transport = smtp_transport(parse_smtp_url(smtp_url))
    with open_sending(ledger_url, letters_dir=None, transport=transport) as sending:
        run_day(sending, loaded, DAY, post=lambda url, body, headers: (200, "200 OK"))
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("dunning"))
    assert "daily list 2026-11-23: 5 actions, 4 customers evaluated" in ours
    assert f"digest {loaded.version.digest}" in ours
    for personal in ("Test One", "TEST-0001", "ap@one.example", "1,200.00", "INV-1001"):
        assert personal not in ours


def test_new_actions_are_announced_once_and_outcomes_follow(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy
) -> None:
    _, smtp_url = smtp_server
    posted: list[dict[str, Any]] = []  # decoded JSON events
    with (
        open_sending(ledger_url, letters_dir=None, transport=None) as sending,
        sending.engine.connect() as conn,
    ):
        _, secret = webhooks.add_endpoint(conn, "https://crm.example/hooks")

    def post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        verify(secret, headers[HEADER], body)
        posted.append(json.loads(body))
        return 200, "200 OK"

    for _ in range(2):
        transport = smtp_transport(parse_smtp_url(smtp_url))
        with open_sending(ledger_url, letters_dir=None, transport=transport) as sending:
            report = run_day(sending, loaded, DAY, post=post)
    listed = [e for e in posted if e["type"] == "action.listed"]
    assert len(listed) == 5  # the first run's five actions; the second run announced none
    assert len({e["id"] for e in posted}) == len(posted)
    first = next(e for e in listed if e["data"]["customer"]["id"] == "TEST-0001")
    assert first["data"]["totals"] == {"GBP": "1200.00"}
    outcomes = sorted(
        (e["data"]["customer"]["id"], e["data"]["status"])
        for e in posted if e["type"] == "outcome.recorded"
    )  # fmt: skip
    assert outcomes == [("TEST-0001", "done"), ("TEST-0001", "sent"),
                        ("TEST-0002", "done"), ("TEST-0002", "sent")]  # fmt: skip
    assert report.webhooks.delivered == 0  # the second run had nothing new to deliver


def test_three_daily_runs_at_once_send_and_announce_each_thing_once(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy, tmp_path: Path
) -> None:
    """A timer, a person and a retry start the job together: one email each, one event each."""
    mailbox, smtp_url = smtp_server
    with (
        open_sending(ledger_url, letters_dir=None, transport=None) as sending,
        sending.engine.connect() as conn,
    ):
        webhooks.add_endpoint(conn, "https://crm.example/hooks")
    posted: list[str] = []
    lock = threading.Lock()

    def post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        with lock:
            posted.append(json.loads(body)["id"])
        return 200, "200 OK"

    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def run_once() -> None:
        try:
            start.wait()
            transport = smtp_transport(parse_smtp_url(smtp_url))
            with open_sending(ledger_url, letters_dir=tmp_path / "print",
                              transport=transport) as sending:  # fmt: skip
                run_day(sending, loaded, DAY, post=post)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run_once) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []
    assert sorted(rcpts[0] for _, rcpts, _ in mailbox.messages) == [
        "ap@one.example", "ap@two.example",
    ]  # fmt: skip
    assert len(list((tmp_path / "print" / DAY.isoformat()).glob("*.pdf"))) == 1
    # 5 actions listed; sent and done for 2 emails and 1 letter: 11 events, none twice.
    assert len(posted) == len(set(posted)) == 11
