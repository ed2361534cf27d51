"""The management summary by email: the daily job queues it on the policy's weekday through the
outbox, once per period, and the sender delivers it with the reminders without recording it as
any customer's action."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import func, select

from delivery.daily import open_sending, run_day
from delivery.send import smtp_transport
from delivery.smtp import parse_smtp_url
from delivery.summary_mail import sending_day
from dunning.inputs import LoadedPolicy
from engine.model.policy import ReportSettings
from store.models import action_log, outbox
from tests.delivery.conftest import DAY, Mailbox

CFO = "cfo@northwind.example"


def _with_summary(loaded: LoadedPolicy, period: str = "week") -> LoadedPolicy:
    reports = replace(ReportSettings(), summary_to=(CFO,), summary_period=period)
    return replace(loaded, policy=replace(loaded.policy, reports=reports))


def test_the_weekday_and_the_first_such_weekday_of_a_month(loaded: LoadedPolicy) -> None:
    """DAY is a Monday: a weekly summary goes out on it; a monthly one only on the month's
    first Monday (2 Nov or 7 Dec 2026), never without an address."""
    weekly = _with_summary(loaded).policy
    monthly = _with_summary(loaded, "month").policy
    assert sending_day(weekly, DAY) == "week"
    assert sending_day(weekly, DAY + timedelta(days=1)) is None
    assert sending_day(monthly, DAY) is None
    assert sending_day(monthly, date(2026, 12, 7)) == "month"
    assert sending_day(loaded.policy, DAY) is None


def test_the_daily_job_sends_the_summary_once(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy
) -> None:
    mailbox, smtp_url = smtp_server
    policy = _with_summary(loaded)
    transport = smtp_transport(parse_smtp_url(smtp_url))
    with open_sending(ledger_url, letters_dir=None, transport=transport) as sending:
        report = run_day(sending, policy, DAY, post=lambda url, body, headers: (200, "200 OK"))
        assert (
            "management summary of the week 2026-11-16 to 2026-11-22 queued for sending"
            in report.lines()
        )
        again = run_day(sending, policy, DAY, post=lambda url, body, headers: (200, "200 OK"))
        assert any("already in the outbox" in line for line in again.lines())
        with sending.engine.connect() as conn:
            states = conn.execute(
                select(outbox.c.state).where(outbox.c.action_id == "summary-week-2026-11-16")
            ).scalars().all()
            nobody = conn.execute(
                select(func.count()).select_from(action_log).where(action_log.c.customer_id == "")
            ).scalar()
    assert (states, nobody) == (["sent"], 0)
    [email] = mailbox.to(CFO)
    assert email["Subject"] == "Management summary: week 2026-11-16 to 2026-11-22"
    parts = {part.get_content_type() for part in email.walk()}
    assert {"text/plain", "text/html", "application/pdf"} <= parts
