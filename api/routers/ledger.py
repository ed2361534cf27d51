"""``/v1/ledger/*``: bulk JSON imports of customers, invoices, cash, disputes, write-offs,
reversals and cancellations (admin).

Each import is atomic (a bad row imports nothing and is reported with its index) and idempotent
(the same rows again change nothing), exactly like ``dunning import`` of a CSV file.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import AdminDep, ContextDep, SessionDep
from api.errors import problem_responses
from api.ledger_imports import import_batch
from api.models import (
    CancellationsIn,
    CashIn,
    CustomersIn,
    DisputesIn,
    ImportOut,
    InvoicesIn,
    ReversalsIn,
    WriteOffsIn,
)

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])

RESPONSES = problem_responses(401, 403, 422)


@router.post(
    "/customers",
    operation_id="importCustomers",
    summary="Import customers",
    response_model=ImportOut,
    responses=RESPONSES,
)
def import_customers(
    who: AdminDep, context: ContextDep, conn: SessionDep, body: CustomersIn
) -> dict[str, Any]:
    """Insert or update customers by id."""
    return import_batch(conn, "customers", body.rows, who, context.policies.served())


@router.post(
    "/invoices",
    operation_id="importInvoices",
    summary="Import invoices",
    response_model=ImportOut,
    responses=RESPONSES,
)
def import_invoices(
    who: AdminDep, context: ContextDep, conn: SessionDep, body: InvoicesIn
) -> dict[str, Any]:
    """Insert or update invoices by id (their customers must exist)."""
    return import_batch(conn, "invoices", body.rows, who, context.policies.served())


@router.post(
    "/payments",
    operation_id="importPayments",
    summary="Import payments",
    response_model=ImportOut,
    responses=RESPONSES,
)
def import_payments(
    who: AdminDep, context: ContextDep, conn: SessionDep, body: CashIn
) -> dict[str, Any]:
    """Insert or update payments by id, applied to an invoice or left on the account."""
    return import_batch(conn, "payments", body.rows, who, context.policies.served())


@router.post(
    "/credit-notes",
    operation_id="importCreditNotes",
    summary="Import credit notes",
    response_model=ImportOut,
    responses=RESPONSES,
)
def import_credit_notes(
    who: AdminDep, context: ContextDep, conn: SessionDep, body: CashIn
) -> dict[str, Any]:
    """Insert or update credit notes by id, applied to an invoice or left on the account."""
    return import_batch(conn, "credit-notes", body.rows, who, context.policies.served())


@router.post(
    "/disputes",
    operation_id="importDisputes",
    summary="Import disputes",
    response_model=ImportOut,
    responses=RESPONSES,
)
def import_disputes(
    who: AdminDep, context: ContextDep, conn: SessionDep, body: DisputesIn
) -> dict[str, Any]:
    """Insert or update disputes by id (an invoice has at most one open dispute)."""
    return import_batch(conn, "disputes", body.rows, who, context.policies.served())


@router.post(
    "/write-offs",
    operation_id="importWriteOffs",
    summary="Import write-offs",
    response_model=ImportOut,
    responses=RESPONSES,
)
def import_write_offs(
    who: AdminDep, context: ContextDep, conn: SessionDep, body: WriteOffsIn
) -> dict[str, Any]:
    """Insert write-offs by id, full or partial, each with who wrote it off and why (at most the
    invoice's amount)."""
    return import_batch(conn, "write-offs", body.rows, who, context.policies.served())


@router.post(
    "/reversals",
    operation_id="importReversals",
    summary="Import refunds, chargebacks and reversals",
    response_model=ImportOut,
    responses=RESPONSES,
)
def import_reversals(
    who: AdminDep, context: ContextDep, conn: SessionDep, body: ReversalsIn
) -> dict[str, Any]:
    """Insert refunds, chargebacks and reversals by id: each gives back part or all of a
    payment (or reverses a credit note), reopening what it had settled from its date."""
    return import_batch(conn, "reversals", body.rows, who, context.policies.served())


@router.post(
    "/cancellations",
    operation_id="importCancellations",
    summary="Import cancellations of invoices",
    response_model=ImportOut,
    responses=problem_responses(401, 403, 409, 422),
)
def import_cancellations(
    who: AdminDep, context: ContextDep, conn: SessionDep, body: CancellationsIn
) -> dict[str, Any]:
    """Insert cancellations by id: from its date the invoice owes nothing and is never chased.

    The same cancellation again changes nothing (200). Another cancellation of an invoice
    already cancelled, or of one with payments, credit notes or write-offs still applied,
    answers 409 and imports nothing: reverse the payments first.
    """
    return import_batch(conn, "cancellations", body.rows, who, context.policies.served())
