"""The semantic checks of ``policies/payment.yaml``: what its schema cannot say.

Bank details are checked with schwifty (IBAN check digits and national format, BIC format and
country), never a hand-written checksum. Each check takes the policy and returns problems
located at the field to fix; ``engine.check.validate`` runs them with the other checks.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from engine.model.money import is_currency
from engine.model.payment import LINK_PLACEHOLDERS, PAYMENT_PLACEHOLDERS, REFERENCE_PLACEHOLDERS
from engine.model.source import Problem, Source

if TYPE_CHECKING:
    from engine.model.policy import Policy

CODES: dict[str, str] = {
    "P050": "a bank account's IBAN is not valid",
    "P051": "a bank account's BIC is not valid",
    "P052": "a payment link is not an https URL with known placeholders",
    "P053": "a payment reference uses an unknown placeholder",
    "P054": "a currency the policy chases has no bank account and no payment link",
    "P055": "a template asks for payment details but there is no policies/payment.yaml",
    "P056": "attach_statement names a step that no ladder has",
}


def check_bank_accounts(policy: Policy) -> Iterator[Problem]:
    """Return problems with IBANs, BICs and currency codes of the bank accounts."""
    options = policy.payment
    if options is None:
        return
    for currency, account in options.bank_accounts.items():
        yield from _currency(currency, account.origin.source, "bank_transfer")
        if account.iban is not None:
            try:
                IBAN(account.iban)
            except SchwiftyException as error:
                yield Problem.at(
                    account.origin.at("iban"),
                    "P050",
                    f"the IBAN of the {currency} account is not valid ({_reason(error)}): copy it "
                    "again from the bank's statement; a mistyped IBAN sends customers' money "
                    "nowhere",
                )
        if account.bic is not None:
            try:
                bic = BIC(account.bic)
            except SchwiftyException as error:
                yield Problem.at(
                    account.origin.at("bic"),
                    "P051",
                    f"the BIC of the {currency} account is not valid ({_reason(error)}): write "
                    "the bank's 8 or 11 character SWIFT code, e.g. BUKBGB22",
                )
                continue
            iban_country = (account.iban or "")[:2].upper()
            if iban_country and bic.country_code != iban_country and _valid_iban(account.iban):
                yield Problem.at(
                    account.origin.at("bic"),
                    "P051",
                    f"the BIC of the {currency} account is of a bank in {bic.country_code} but "
                    f"the IBAN is of an account in {iban_country}: check that both are of the "
                    "same account",
                )


def check_payment_links(policy: Policy) -> Iterator[Problem]:
    """Return problems with payment-link URL templates: https, known placeholders only."""
    options = policy.payment
    if options is None:
        return
    for currency, link in options.links.items():
        yield from _currency(currency, link.origin.source, "payment_link")
        where = link.origin.source
        names, broken = _names(link.url)
        if broken:
            yield Problem.at(
                where,
                "P052",
                f"the {currency} payment link's braces do not match: write placeholders as "
                "{invoice}, {amount}, {currency} or {customer}",
            )
            continue
        unknown = [name for name in names if name not in LINK_PLACEHOLDERS]
        if unknown:
            yield Problem.at(
                where,
                "P052",
                f"the {currency} payment link uses {{{unknown[0]}}}, which is not a placeholder: "
                f"the placeholders are {{invoice}}, {{amount}}, {{currency}} and {{customer}}"
                f"{_guess(unknown[0], LINK_PLACEHOLDERS)}",
            )
            continue
        parts = urlsplit(link.url.format_map(dict.fromkeys(LINK_PLACEHOLDERS, "x")))
        if parts.scheme != "https" or not parts.hostname:
            yield Problem.at(
                where,
                "P052",
                f"the {currency} payment link must be an https URL such as "
                "https://pay.example.com/i/{invoice}?amount={amount}: customers are asked to pay "
                "on it",
            )


def check_reference(policy: Policy) -> Iterator[Problem]:
    """Return problems with the payment reference's text."""
    options = policy.payment
    if options is None:
        return
    names, broken = _names(options.reference.text)
    unknown = [name for name in names if name not in REFERENCE_PLACEHOLDERS]
    if broken or unknown:
        shown = f"{{{unknown[0]}}} is not a placeholder" if unknown else "the braces do not match"
        yield Problem.at(
            options.reference.origin.at("text"),
            "P053",
            f"the payment reference's text: {shown}; the placeholders are {{customer}} and "
            f"{{invoice}}{_guess(unknown[0], REFERENCE_PLACEHOLDERS) if unknown else ''}",
        )


def check_currencies_payable(policy: Policy) -> Iterator[Problem]:
    """Return a problem for each currency chased (``min_balance``) that customers cannot pay in."""
    options = policy.payment
    if options is None:
        return
    payable = options.currencies()
    for currency in sorted(policy.min_balance):
        if currency not in payable and is_currency(currency):
            yield Problem.at(
                options.origin.source,
                "P054",
                f"customers are chased in {currency} (min_balance in policies/policy.yaml) but "
                f"there is no way to pay in it: add a {currency} account under bank_transfer or "
                f"a {currency} link under payment_link",
            )


def check_payment_placeholders(policy: Policy) -> Iterator[Problem]:
    """Return problems for templates that ask for payment details the policy does not have."""
    if policy.payment is not None:
        return
    for template in policy.templates.values():
        for variant in template.variants:
            for part in ("subject", "body"):
                text = variant.subject if part == "subject" else variant.body
                names, _ = _names(text)
                wanted = [name for name in names if name in PAYMENT_PLACEHOLDERS]
                if wanted:
                    yield Problem.at(
                        variant.origin.at(part),
                        "P055",
                        f"template '{template.name}' ({variant.tone}, {variant.language}) uses "
                        f"{{{wanted[0]}}} but the policy has no payment options: add "
                        "policies/payment.yaml (bank details, payment links, reference)",
                    )


def check_statement_steps(policy: Policy) -> Iterator[Problem]:
    """Return problems for ``attach_statement`` entries that name no step of any ladder."""
    options = policy.payment
    if options is None or not policy.ladders:
        return
    steps = sorted({step.id for ladder in policy.ladders.values() for step in ladder.steps})
    for index, step_id in enumerate(options.attach_statement):
        if step_id not in steps:
            yield Problem.at(
                options.origin.at("attach_statement", index),
                "P056",
                f"attach_statement names step '{step_id}', which no ladder has"
                f"{_guess(step_id, steps)}",
            )


CHECKS = (
    ("bank accounts valid (IBAN, BIC)", check_bank_accounts),
    ("payment links are https with known placeholders", check_payment_links),
    ("payment reference placeholders known", check_reference),
    ("every currency chased can be paid", check_currencies_payable),
    ("payment placeholders need payment options", check_payment_placeholders),
    ("statement steps exist", check_statement_steps),
)


def _currency(currency: str, source: Source, section: str) -> Iterator[Problem]:
    if not is_currency(currency):
        yield Problem.at(
            source,
            "P024",
            f"'{currency}' under {section} is not an ISO 4217 currency code, e.g. GBP, EUR, USD",
        )


def _names(text: str) -> tuple[list[str], bool]:
    """Return the placeholder names in ``text`` and whether its braces are broken."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None], False
    except ValueError:
        return [], True


def _valid_iban(iban: str | None) -> bool:
    try:
        IBAN(iban or "")
    except SchwiftyException:
        return False
    return True


def _reason(error: SchwiftyException) -> str:
    return str(error).rstrip(".").lower() or type(error).__name__


def _guess(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
