"""Request and response bodies of escalation cases: hand-offs, recalls and agency results.

Kept beside ``api.models`` and ``api.workspace_models``, sharing their base classes and field
types.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from api.models import Currency, Identifier, In, Money, Note, Out, PositiveMoney

Target = Literal["agency", "legal"]


class HandoffIn(In):
    """Hand the customer's debt to the collection agency or to the solicitor."""

    to: Target
    note: Note = ""


class CaseTotalsOut(Out):
    """A case's totals in one currency: the balance, what was charged, interest to date, claim."""

    currency: str
    invoices: Money
    credits: Money
    balance: Money = Field(description="The customer's balance: invoices + credits.")
    charged: Money = Field(description="Fees and interest the ladder's steps charged.")
    interest_to_date: Money = Field(description="Statutory interest and compensation accrued.")
    claim: Money = Field(description="balance + charged + interest_to_date.")


class HandoffOut(Out):
    """A case handed to an agency or a solicitor."""

    id: str
    customer: str
    to: Target
    opened: dt.date
    opened_by: str
    note: str
    digest: str = Field(description="SHA-256 of case.json as handed over.")
    claim: dict[str, Money] = Field(description="The claim per currency.")
    recalled: dt.date | None
    recalled_by: str | None
    open: bool
    created: bool = Field(description="False when the customer was already handed off.")
    totals: list[CaseTotalsOut] | None = Field(
        default=None, description="The case's totals, when this request built the case file."
    )
    download: str = Field(description="Where to download the case file (a zip).")


class HandoffListOut(Out):
    """Cases, newest first."""

    cases: list[HandoffOut]


class RecallIn(In):
    """Recall a case: the customer is chased by the ladder again from ``date``."""

    date: dt.date | None = None
    note: Note = ""


class AgencyResultIn(In):
    """One line of an agency's report on a case."""

    case: Identifier
    ref: Identifier = Field(description="The agency's own reference: importing it twice is once.")
    date: dt.date
    kind: Literal["payment", "outcome"]
    invoice: Identifier | None = None
    amount: PositiveMoney | None = None
    fee: PositiveMoney | None = None
    currency: Currency | None = None
    note: Note = ""


class AgencyResultsIn(In):
    """An agency's report: all lines are recorded, or none."""

    results: Annotated[list[AgencyResultIn], Field(min_length=1, max_length=10_000)]


class AgencyResultsOut(Out):
    """What importing an agency's report did."""

    rows: int
    added: int
    unchanged: int
    collected: dict[str, Money]
    fees: dict[str, Money]


class WriteOffIn(In):
    """A write-off proposed for some of the customer's invoices, in one currency."""

    amount: PositiveMoney
    currency: Currency
    invoices: Annotated[list[Identifier], Field(min_length=1, max_length=1000)]
    reason: Annotated[Note, Field(min_length=1)]
    key: Identifier | None = Field(
        default=None, description="Your one-time key: sending it again does not propose twice."
    )


class WriteOffLineOut(Out):
    """The part of a write-off that falls on one invoice."""

    invoice: str
    amount: Money


class WriteOffOut(Out):
    """A write-off: proposed, approved or rejected, with who proposed and who decided."""

    id: str
    customer: str
    currency: str
    amount: Money
    reason: str
    date: dt.date
    proposed_by: str
    needs_approval: bool = Field(description="False when it was within the policy's threshold.")
    state: Literal["proposed", "approved", "rejected"]
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    lines: list[WriteOffLineOut]
    posted: bool = Field(
        False, description="True once it is a write-off in the ledger (approved, in effect)."
    )
    created: bool = False


class WriteOffListOut(Out):
    """Write-offs, newest first."""

    write_offs: list[WriteOffOut]


class DecisionIn(In):
    """An approver's decision on a write-off."""

    note: Note = ""


class EscalationDecisionIn(In):
    """A manager's decision on an escalation to their role."""

    decision: Literal["continue", "plan", "handoff", "write_off"]
    note: Note = ""
    to: Target = Field(default="agency", description="Where a hand-off goes.")


class EscalationDecisionOut(Out):
    """What the decision recorded, and the case or write-off it led to."""

    action_id: str
    customer: str
    decision: str
    case: HandoffOut | None
    write_off: WriteOffOut | None


class AuditEntryOut(Out):
    """One decision about a case: who took it, when, and what it was."""

    id: int
    at: dt.datetime
    date: dt.date
    who: str
    customer: str
    event: str
    ref: str
    summary: str
    detail: dict[str, object]


class AuditOut(Out):
    """Entries of the audit log, oldest first."""

    entries: list[AuditEntryOut]
