"""Request and response bodies of the workspace's API: timelines, notes, payment plans, hand-overs.

Kept beside ``api.models`` (the list, outcomes, customers, policy and imports) so each file stays
about one part of the API; they share its base classes and field types.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from api.models import (
    ID_PATTERN,
    Currency,
    CustomerRef,
    Identifier,
    In,
    Money,
    Note,
    Out,
    PolicyVersionOut,
    PositiveMoney,
    text,
)
from engine.model.timeline import EntryKind

Key = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=ID_PATTERN,
        description="Your one-time key for this write: sending it again does not write twice.",
    ),
]


class TimelineEntryOut(Out):
    """One thing that happened on the account."""

    date: dt.date = Field(description="The ledger date it belongs to.")
    at: dt.datetime | None = Field(description="When it was recorded, for staff actions and notes.")
    kind: EntryKind
    title: str
    detail: str
    who: str | None
    status: str | None = Field(
        description="An action's outcome (done, skipped, failed, superseded), a promise's state "
        "(pending, kept, broken), a dispute's (open, resolved)."
    )
    amount: Money | None
    currency: str | None
    invoices: list[str]
    ref: str = Field(description="The id of the record: action, promise, dispute, plan, note.")


class TimelineOut(Out):
    """A customer's timeline up to a day, newest first."""

    customer: CustomerRef
    date: dt.date
    entries: list[TimelineEntryOut]


class NoteIn(In):
    """A free-text note for the customer's timeline."""

    text: Annotated[str, text(4000, min_length=1)]
    key: Key | None = None


class NoteOut(Out):
    """A note as recorded."""

    id: str
    customer: str
    date: dt.date
    who: str
    text: str
    created: bool = Field(description="False when a note with this key was recorded before.")


class InstalmentBody(In):
    """Pay ``amount`` by ``due``."""

    due: dt.date
    amount: PositiveMoney


class PaymentPlanIn(In):
    """A payment plan agreed with a customer, for some of their invoices in one currency."""

    id: Identifier | None = Field(
        default=None, description="Default: derived from the plan, so a resend is one plan."
    )
    customer: Identifier
    agreed: dt.date | None = Field(default=None, description="Default: the `date` of the call.")
    currency: Currency
    invoices: Annotated[list[Identifier], Field(min_length=1, max_length=500)]
    instalments: Annotated[list[InstalmentBody], Field(min_length=1, max_length=120)]
    note: Note = ""


class PaymentPlanOut(Out):
    """A payment plan as recorded."""

    id: str
    customer: str
    agreed: dt.date
    currency: str
    invoices: list[str]
    instalments: list[InstalmentBody]
    who: str
    note: str
    created: bool = Field(description="False when the very same plan was recorded before.")


class AssignmentIn(In):
    """Hand an action of the day's list to a colleague."""

    assignee: Annotated[str, text(128, min_length=1)]
    note: Note = ""
    key: Key | None = None


class AssignmentOut(Out):
    """Who has the action now."""

    action_id: str
    customer: str
    step: str
    assignee: str
    who: str
    created: bool
    policy_version: PolicyVersionOut
