"""Reading ``policies/payment.yaml`` (kind ``Payment``) into ``PaymentOptions``.

Called by the policy loader for a file that passed its schema, so every field is of the right
shape here; what a schema cannot say (a valid IBAN, a known placeholder) is checked by
``engine.check.payment``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.load.yaml_reader import YamlDocument
from engine.model.payment import (
    BankAccount,
    Company,
    PaymentLink,
    PaymentOptions,
    PortalRules,
    ReferenceScheme,
)
from engine.model.source import Origin

PAYMENT_FILES = ("policies/payment.yaml", "policies/payment.yml")


def read_payment(doc: YamlDocument) -> PaymentOptions:
    """Return the payment options held in the schema-valid document ``doc``."""
    if not isinstance(doc.data, dict):
        raise TypeError("the document is not a mapping")
    data: dict[str, Any] = doc.data

    def origin(*path: str) -> Origin:
        return Origin(doc.file, tuple(path), doc.source)

    company = data["company"]
    reference = data.get("reference") or {}
    accounts = {
        str(currency): BankAccount(
            currency=str(currency),
            account_name=str(account["account_name"]),
            bank=_optional(account.get("bank")),
            iban=_optional(account.get("iban")),
            bic=_optional(account.get("bic")),
            sort_code=_optional(account.get("sort_code")),
            account_number=_optional(account.get("account_number")),
            origin=origin("bank_transfer", str(currency)),
        )
        for currency, account in (data.get("bank_transfer") or {}).items()
    }
    links = {
        str(currency): PaymentLink(str(currency), str(url), origin("payment_link", str(currency)))
        for currency, url in (data.get("payment_link") or {}).items()
    }
    return PaymentOptions(
        company=Company(
            name=str(company["name"]),
            address=tuple(str(line) for line in company["address"]),
            logo=_optional(company.get("logo")),
            email=_optional(company.get("email")),
            reply_to=_optional(company.get("reply_to")),
            phone=_optional(company.get("phone")),
            website=_optional(company.get("website")),
            registration=_optional(company.get("registration")),
            origin=origin("company"),
        ),
        reference=ReferenceScheme(
            scheme=str(reference.get("scheme", "rf")),
            text=str(reference.get("text", "{customer}{invoice}")),
            origin=origin("reference"),
        ),
        bank_accounts=dict(sorted(accounts.items())),
        links=dict(sorted(links.items())),
        attach_statement=tuple(str(step) for step in data.get("attach_statement") or ()),
        portal=_portal(data.get("portal") or {}, origin("portal")),
        origin=origin(),
    )


def _portal(data: dict[str, Any], origin: Origin) -> PortalRules:
    defaults = PortalRules()
    minimums = data.get("promise_min_amount") or {}
    return PortalRules(
        paid_hold_days=int(data.get("paid_hold_days", defaults.paid_hold_days)),
        promise_max_days=int(data.get("promise_max_days", defaults.promise_max_days)),
        promise_min_amount={str(c): Decimal(str(a)) for c, a in sorted(minimums.items())},
        origin=origin,
    )


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
