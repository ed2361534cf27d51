"""Read an answer form of the payment portal into a ``PortalAnswer``, by the engine's rules.

The rules are the engine's (``engine.rules.portal_answers``: promise limits, the "I have paid"
hold, what may be disputed); this module reads the form's fields, names the problem in the
customer's words, and says thank you.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from starlette.datastructures import FormData

from api.portal_view import PortalAccount
from api.portal_words import DISPUTE_REASONS, Speaker
from engine.rules.portal_answers import (
    AnswerProblem,
    PromiseTerms,
    disputable,
    paid_hold,
    promise_from_answer,
)
from store.portal_answers import MAX_REFERENCE_CHARS, MAX_TEXT_CHARS, AnswerRecord, PortalAnswer
from store.portal_links import LinkClaim

KINDS = ("paid", "promise", "dispute", "request")
REQUESTS = ("copy", "contact")
MAX_KEY_CHARS = 64


class AnswerRefusedError(ValueError):
    """An answer that cannot be taken; ``words`` say why, in the customer's language."""

    def __init__(self, words: str) -> None:
        super().__init__(words)
        self.words = words


def answer_from_form(
    account: PortalAccount, claim: LinkClaim, form: FormData, day: date, say: Speaker
) -> PortalAnswer:
    """Return the answer the form holds, or raise ``AnswerRefusedError``."""
    kind = _field(form, "kind")
    key = _field(form, "key")
    if (
        kind not in KINDS
        or not key
        or len(key) > MAX_KEY_CHARS
        or not key.isprintable()
        or " " in key
    ):
        raise AnswerRefusedError(say("form_expired"))
    if kind in ("paid", "promise"):
        currency = _field(form, "currency") or (account.currencies[0] if account.currencies else "")
        rules, statement = account.rules, account.statement
        found: PromiseTerms | AnswerProblem
        if kind == "paid":
            found = paid_hold(rules, statement, currency=currency, amount=_field(form, "amount"),
                              paid_on=_field(form, "paid_on"), today=day)  # fmt: skip
        else:
            found = promise_from_answer(rules, statement, currency=currency,
                                        amount=_field(form, "amount"),
                                        pay_on=_field(form, "pay_on"), today=day)  # fmt: skip
        if isinstance(found, AnswerProblem):
            raise AnswerRefusedError(say("fix_below", problem=problem_words(say, found)))
        reference = _field(form, "reference")[:MAX_REFERENCE_CHARS]
        return PortalAnswer(
            key, claim.customer_id, claim.action_id, day=day, kind=kind, amount=found.amount,
            currency=found.currency, on_date=found.made if kind == "paid" else found.pay_by,
            made=found.made, pay_by=found.pay_by, reference=reference if kind == "paid" else "",
            invoice_ids=tuple(
                entry.invoice.id for entry in statement.invoices
                if entry.invoice.currency == found.currency and not entry.disputed
            ),
        )  # fmt: skip
    text = _field(form, "text")[:MAX_TEXT_CHARS]
    if kind == "dispute":
        invoice = _field(form, "invoice")
        reason = _field(form, "reason")
        problem = disputable(account.statement, invoice)
        if problem is not None:
            raise AnswerRefusedError(say("fix_below", problem=problem_words(say, problem)))
        if reason not in DISPUTE_REASONS:
            raise AnswerRefusedError(say("fix_below", problem=say("problem_reason")))
        return PortalAnswer(
            key,
            claim.customer_id,
            claim.action_id,
            day=day,
            kind="dispute",
            invoice_ids=(invoice,),
            reason=reason,
            text=text,
        )
    wanted = _field(form, "request")
    if wanted not in REQUESTS:
        raise AnswerRefusedError(say("fix_below", problem=say("problem_request")))
    if wanted == "contact" and not text.strip():
        raise AnswerRefusedError(say("fix_below", problem=say("problem_text")))
    return PortalAnswer(
        key,
        claim.customer_id,
        claim.action_id,
        day=day,
        kind=wanted,
        text=text,
        invoice_ids=account.open_invoice_ids,
    )


def problem_words(say: Speaker, problem: AnswerProblem) -> str:
    """Return a problem with an answer in the customer's words."""
    values = dict(problem.values)
    currency = values.get("currency", "")
    for name in ("due", "least"):
        if name in values:
            values[name] = say.money(Decimal(values[name]), currency)
    for name in ("first", "last"):
        if name in values:
            values[name] = say.day(date.fromisoformat(values[name]))
    return say(f"problem_{problem.code}", **values)


def thanks(say: Speaker, answer: AnswerRecord) -> str:
    """Return the thanks for a recorded answer."""
    if answer.kind == "promise" and answer.amount is not None and answer.on_date is not None:
        amount = say.money(answer.amount, answer.currency or "")
        return say("thanks_promise", amount=amount, day=say.day(answer.on_date))
    if answer.kind == "dispute":
        return say("thanks_dispute", invoice=answer.invoice_ids[0] if answer.invoice_ids else "")
    return say(f"thanks_{answer.kind}")


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
