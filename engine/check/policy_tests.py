"""Policy tests name what exists: customers, the steps of their ladders, invoices of the test's
ledger (P039-P041).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from engine.check.context import Context, did_you_mean, listing
from engine.check.customers import possible_ladders
from engine.model.actions import CREDIT_LIMIT_STEP, CREDIT_RELEASE_STEP, CREDIT_REVIEW_STEP
from engine.model.ledger import invoice_of_part
from engine.model.source import DocPath, Problem

if TYPE_CHECKING:
    from engine.load.yaml_reader import YamlDocument

CODES: dict[str, str] = {
    "P039": "a policy test expects something of a customer its ledger does not have",
    "P040": "a policy test expects a step that the customer's ladder does not have",
    "P041": "a policy test's ledger refers to a customer or invoice it does not have",
}


# Steps the engine adds itself, which no ladder lists: a policy test may expect them.
ENGINE_STEPS = frozenset({CREDIT_LIMIT_STEP, CREDIT_RELEASE_STEP, CREDIT_REVIEW_STEP})


def _items(data: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def check_policy_tests(context: Context) -> Iterator[Problem]:
    """Return problems for policy tests that name customers, steps or invoices that do not exist."""
    for doc in context.tests:
        if isinstance(doc.data, dict):
            yield from _test_problems(context, doc, doc.data)


def _test_problems(
    context: Context, doc: YamlDocument, data: Mapping[str, Any]
) -> Iterator[Problem]:
    policy = context.policy
    ledger = data.get("ledger") if isinstance(data.get("ledger"), dict) else {}
    assert isinstance(ledger, dict)
    base: DocPath = ("ledger",)
    listed = {str(item["id"]): item for _, item in _items(ledger, "customers")}
    invoices = {str(item["id"]): item for _, item in _items(ledger, "invoices")}
    known = set(listed) | set(policy.customers)
    for index, invoice in _items(ledger, "invoices"):
        customer = str(invoice.get("customer"))
        if listed and customer not in listed:
            yield Problem.at(
                doc.source((*base, "invoices", index, "customer")),
                "P041",
                f"invoice '{invoice.get('id')}' is for customer '{customer}', who is not in the "
                f"test's ledger customers: add the customer{did_you_mean(customer, listed)}",
            )
        known.add(customer)
        terms = invoice.get("terms")
        if isinstance(terms, str):
            yield from context.reference(
                "terms", terms, doc.source((*base, "invoices", index, "terms"))
            )
    for section in ("payments", "credit_notes", "disputes"):
        for index, item in _items(ledger, section):
            applied = item.get("invoice")
            if isinstance(applied, str) and applied not in invoices:
                yield _unknown_invoice(doc, (*base, section, index, "invoice"), applied, invoices)
    for section in ("promises", "payment_plans", "history"):
        for index, item in _items(ledger, section):
            for position, invoice_id in enumerate(item.get("invoices") or ()):
                if isinstance(invoice_id, str) and not _named(invoice_id, invoices, section):
                    path = (*base, section, index, "invoices", position)
                    yield _unknown_invoice(doc, path, invoice_id, invoices)
    for section in ("expect", "absent"):
        for index, item in _items(data, section):
            yield from _expectation(
                context, doc, (section, index), item, known=known, listed=listed, invoices=invoices
            )


def _named(invoice_id: str, invoices: Mapping[str, object], section: str) -> bool:
    """Return whether ``invoice_id`` is in the test's ledger; actions and the action log may also
    name a part of an invoice on split terms (``INV-1001_2of3``)."""
    if invoice_id in invoices:
        return True
    return section == "history" and invoice_of_part(invoice_id) in invoices


def _unknown_invoice(
    doc: YamlDocument, path: DocPath, invoice: str, invoices: Mapping[str, object]
) -> Problem:
    return Problem.at(
        doc.source(path),
        "P041",
        f"invoice '{invoice}' is not in the test's ledger{did_you_mean(invoice, invoices)}",
    )


def _expectation(
    context: Context,
    doc: YamlDocument,
    path: DocPath,
    item: Mapping[str, Any],
    *,
    known: set[str],
    listed: Mapping[str, Mapping[str, Any]],
    invoices: Mapping[str, object],
) -> Iterator[Problem]:
    policy = context.policy
    customer_id = str(item.get("customer"))
    if customer_id not in known:
        yield Problem.at(
            doc.source((*path, "customer")),
            "P039",
            f"customer '{customer_id}' is neither in the test's ledger nor in customers/"
            f"{did_you_mean(customer_id, known)}",
        )
        return
    for position, invoice in enumerate(item.get("invoices") or ()):
        if isinstance(invoice, str) and not _named(invoice, invoices, "history"):
            yield _unknown_invoice(doc, (*path, "invoices", position), invoice, invoices)
    step_id = item.get("step")
    if not isinstance(step_id, str) or step_id in ENGINE_STEPS:
        return
    record = policy.customers.get(customer_id)
    entry: Mapping[str, Any] = listed.get(customer_id) or {}
    segment = (record.segment if record else None) or _opt(entry.get("segment"))
    country = (record.country if record else None) or _opt(entry.get("country"))
    names = possible_ladders(policy, segment, country, record.ladder if record else None)
    ladders = [policy.ladders.get(name) for name in names]
    if any(ladder is None for ladder in ladders):
        return
    ids = list(dict.fromkeys(s.id for ladder in ladders if ladder for s in ladder.steps))
    if step_id not in ids:
        named = " or ".join(f"'{name}'" for name in names)
        yield Problem.at(
            doc.source((*path, "step")),
            "P040",
            f"step '{step_id}' is not a step of ladder {named}, which customer '{customer_id}' is "
            f"on: the steps are {listing(ids)}{did_you_mean(step_id, ids)}",
        )


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) else None
