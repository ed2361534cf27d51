"""Webhooks: action and outcome events POSTed, signed, to the configured URLs (docs/webhooks.md).

Events are queued in ``store.webhooks`` by the transaction that made them: an outcome (staff's,
or a delivery's) by ``store.outcomes.record_outcome``; the day's new actions by the daily job
(``queue_listed``). ``deliver_due`` POSTs what is due, each signed (``webhook_signature``), and
records the answer: 2xx delivered; anything else, or no answer, retried with backoff
(``BACKOFF``), then failed. Nothing personal is logged: counts only.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import httpx
from sqlalchemy import Engine

from delivery.webhook_signature import HEADER, sign
from engine.model.actions import Evaluation
from engine.report.render import RenderContext, action_to_dict
from store import webhooks
from store.connection import begin_write
from store.webhooks import Claimed, Event

log = logging.getLogger("dunning.webhooks")

# The wait before each retry; after the last, the delivery has failed (10 attempts, ~2 days).
BACKOFF = tuple(
    timedelta(minutes=m) for m in (0.5, 2, 10, 30, 60, 180, 360, 720, 1440)
)
LEASE = timedelta(minutes=5)  # a delivery ``sending`` longer than this is queued again
TIMEOUT_SECONDS = 10.0
USER_AGENT = "dunning-as-code-webhooks/1"


class Post(Protocol):
    """What POSTs a body: returns the HTTP status (None when nothing answered) and a short text."""

    def __call__(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int | None, str]: ...


def http_post(client: httpx.Client) -> Post:
    """Return a ``Post`` over ``client`` (its timeouts; redirects are not followed)."""

    def post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int | None, str]:
        try:
            response = client.post(url, content=body, headers=dict(headers))
        except httpx.HTTPError as error:
            return None, f"no answer ({type(error).__name__})"
        return response.status_code, f"{response.status_code} {response.reason_phrase}".strip()

    return post


@dataclass(slots=True)
class WebhookReport:
    """What a delivery pass did, by count."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    requeued: int = 0

    def lines(self) -> list[str]:
        """Return the summary as people read it (nothing when there was nothing to deliver)."""
        if not (self.delivered or self.retrying or self.failed or self.requeued):
            return []
        line = (
            f"webhooks: {self.delivered} delivered, {self.retrying} to retry later, "
            f"{self.failed} failed"
        )
        if self.requeued:
            line += f", {self.requeued} sent again after a stopped run"
        return [line]


def listed_events(evaluation: Evaluation) -> list[Event]:
    """Return an ``action.listed`` event for each action of the day's list.

    The id comes from the action id: an action that stays on the list for days is announced
    once, and a second run the same day queues nothing new.
    """
    version = evaluation.policy_version
    stamp = {"commit": version.commit, "digest": version.digest}
    context = RenderContext(with_messages=False)
    return [
        webhooks.event(
            "action.listed",
            (action.id,),
            {**action_to_dict(action, context), "policy_version": stamp},
        )
        for action in evaluation.actions
    ]


def queue_listed(engine: Engine, evaluation: Evaluation) -> int:
    """Queue the day's ``action.listed`` events for the endpoints that want them; return how
    many deliveries were new (none without endpoints)."""
    with engine.connect() as conn:
        wanted = webhooks.has_endpoints(conn)
    if not wanted:
        return 0
    events = listed_events(evaluation)
    with engine.connect() as conn, begin_write(conn):
        return webhooks.enqueue(conn, events)


def deliver_due(
    engine: Engine,
    post: Post,
    *,
    backoff: tuple[timedelta, ...] = BACKOFF,
    lease: timedelta = LEASE,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> WebhookReport:
    """POST every delivery due now, once each; return what happened."""
    report = WebhookReport()
    worker = uuid.uuid4().hex[:16]
    with engine.connect() as conn:
        report.requeued = webhooks.requeue_stale(conn, lease=lease, now=clock())
    tried: set[int] = set()  # a pass POSTs each delivery at most once
    while True:
        with engine.connect() as conn:
            batch = [i for i in webhooks.due(conn, now=clock()) if i not in tried]
        for delivery_id in batch:
            tried.add(delivery_id)
            with engine.connect() as conn:
                claimed = webhooks.claim(conn, delivery_id, worker, now=clock())
            if claimed is not None:
                _deliver(engine, claimed, worker=worker, post=post, backoff=backoff,
                         clock=clock, report=report)  # fmt: skip
        if not batch:
            break
    if report.delivered or report.retrying or report.failed:
        log.info(
            "webhooks: %d delivered, %d to retry, %d failed, %d requeued",
            report.delivered, report.retrying, report.failed, report.requeued,
        )  # fmt: skip
    return report


def _deliver(
    engine: Engine,
    claimed: Claimed,
    *,
    worker: str,
    post: Post,
    backoff: tuple[timedelta, ...],
    clock: Callable[[], datetime],
    report: WebhookReport,
) -> None:
    body = claimed.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        HEADER: sign(claimed.secret, body, timestamp=int(time.time())),
        "Dunning-Event-Id": claimed.event_id,
        "Dunning-Event-Type": claimed.event_type,
    }
    status, answer = post(claimed.url, body, headers)
    delivered = status is not None and 200 <= status < 300
    retry_at = None
    if not delivered and claimed.attempts <= len(backoff):
        retry_at = clock() + backoff[claimed.attempts - 1]
    with engine.connect() as conn:
        webhooks.settle(conn, claimed, worker, answer=answer, delivered=delivered,
                        retry_at=retry_at)  # fmt: skip
    if delivered:
        report.delivered += 1
    elif retry_at is not None:
        report.retrying += 1
    else:
        report.failed += 1


def open_client() -> httpx.Client:
    """Return the HTTP client webhooks are POSTed with: short timeouts, no redirects."""
    return httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
