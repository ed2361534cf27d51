"""The management summary by email: the page as text and HTML with its PDF, through the outbox.

The daily job calls ``queue_summary_due`` every day; on the policy's chosen weekday
(``reports.summary``) it queues the summary of the week before (or, for a month, on the first
such weekday of a month, the month before) for the policy's addresses. The outbox keys it by
period, so a second run that day, or the next day's run, never sends it twice; the sender delivers
it with the reminders and records no customer's action for it (docs/daily-job.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from sqlalchemy import Engine

from engine.model.policy import Policy
from engine.report.summary_render import summary_html, summary_markdown, title
from engine.rules.summary import ManagementSummary, Period, last_complete, period_of
from store import outbox
from store.summary_source import read_summary

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The outbox's step of a management summary: no customer's action (store.outbox).
SUMMARY_STEP = "management-summary"


def summary_pdf(summary: ManagementSummary) -> bytes:
    """Return the summary printed as a one-page PDF (WeasyPrint)."""
    from weasyprint import HTML  # noqa: PLC0415 - heavy: only for a PDF

    pdf: bytes = HTML(string=summary_html(summary)).write_pdf()
    return pdf


def sending_day(policy: Policy, day: date) -> Period | None:
    """Return the period whose summary goes out on ``day``, None when none does (no address,
    another weekday, or a monthly summary after the month's first such weekday)."""
    settings = policy.reports
    if not settings.summary_to or WEEKDAYS[day.weekday()] != settings.summary_weekday:
        return None
    period: Period = "month" if settings.summary_period == "month" else "week"
    if period == "month" and day.day > len(WEEKDAYS):
        return None
    return period


def summary_email(summary: ManagementSummary, policy: Policy, now: datetime) -> EmailMessage:
    """Return the email: the page as text (Markdown) and HTML, and the PDF attached."""
    company = policy.payment.company if policy.payment else None
    sender = (company.email or "") if company else ""
    email = EmailMessage()
    email["From"] = formataddr((company.name if company else policy.name, sender))
    email["To"] = ", ".join(policy.reports.summary_to)
    email["Subject"] = title(summary)
    email["Date"] = format_datetime(now)
    email["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or None)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(summary_markdown(summary))
    email.add_alternative(summary_html(summary), subtype="html")
    first = summary.current.first.isoformat()
    email.add_attachment(
        summary_pdf(summary), maintype="application", subtype="pdf",
        filename=f"summary-{summary.period}-{first}.pdf",
    )  # fmt: skip
    return email


@dataclass(frozen=True, slots=True)
class SummaryQueued:
    """What the daily job did about the summary: the period and whether it was new."""

    period: Period
    first: date
    last: date
    new: bool

    def line(self) -> str:
        """Return the line of the daily job's output."""
        verb = "queued for" if self.new else "already in the outbox for"
        return f"management summary of the {self.period} {self.first} to {self.last} {verb} sending"


def queue_summary_due(
    engine: Engine, policy: Policy, day: date, *, repo: Path | None, ref: str = "HEAD"
) -> SummaryQueued | None:
    """Queue the management summary due on ``day``, if one is; return what was done."""
    period = sending_day(policy, day)
    if period is None:
        return None
    last = last_complete(period, day)
    first, _ = period_of(period, last)
    key = f"summary-{period}-{first.isoformat()}"
    with engine.connect() as conn:
        if outbox.known(conn, [key]):
            return SummaryQueued(period, first, last, new=False)
    summary = read_summary(engine, policy, repo=repo, ref=ref, period=period, last=last)
    email = summary_email(summary, policy, datetime.now(UTC))
    message = outbox.Queued(
        key, day, "", SUMMARY_STEP, (), "email", tuple(policy.reports.summary_to),
        str(email["Subject"]), str(email["Message-ID"]), email.as_bytes(policy=SMTP),
    )  # fmt: skip
    with engine.connect() as conn:
        new = outbox.enqueue(conn, [message]) == 1
    return SummaryQueued(period, first, last, new)
