"""The policy that applies to a customer: defaults, then an assignment rule, then the customer file.

Every value remembers which layer set it (``decided_by``) so a reason can say "ladder 'strategic'
(assignment rule 1 (segment: strategic))" and staff can see where to change it. The rules are in
docs/rules/ladder.md ("effective policy").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from engine.model.ledger import Customer
from engine.model.policy import (
    AssignmentRule,
    Contact,
    CreditLimit,
    CustomerPolicy,
    Ladder,
    Pause,
    Policy,
    Term,
)

DEFAULTS = "policy defaults"

# The values a layer can set, in the order ``decided_by`` lists them.
FIELDS = (
    "ladder", "terms", "tone", "language", "skip", "delay", "exempt", "credit_limit", "pause",
    "owner", "contacts", "customer_name",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EffectivePolicy:
    """What applies to a customer after every layer of the policy, and which layer decided each."""

    customer_id: str
    customer_name: str
    ladder: Ladder
    term: Term
    tone: str
    language: str
    skip: frozenset[str]
    delay: Mapping[str, int]
    exempt: frozenset[str]
    credit_limit: CreditLimit | None
    pause: Pause | None
    owner: str | None
    contacts: tuple[Contact, ...]
    decided_by: Mapping[str, str]


def customer_file_label(record: CustomerPolicy) -> str:
    """Return how a customer file is named in reasons: ``customer file customers/ACME-1.yaml``."""
    file = record.origin.file
    if file.startswith("<"):  # built in code (tests) rather than read from a file
        file = f"customers/{record.id}.yaml"
    return f"customer file {file}"


def matching_rule(
    policy: Policy, traits: Mapping[str, str | None], currencies: Iterable[str] = ()
) -> AssignmentRule | None:
    """Return the first assignment rule whose every condition the customer meets, or None.

    ``segment`` and ``country`` match the customer's value; ``currency`` matches when the customer
    is invoiced in one of the listed currencies.
    """
    held = frozenset(currencies)
    for rule in policy.assignment:
        if all(_meets(key, values, traits, held) for key, values in rule.when.items()):
            return rule
    return None


def _meets(
    key: str, values: tuple[str, ...], traits: Mapping[str, str | None], currencies: frozenset[str]
) -> bool:
    if key == "currency":
        return not currencies.isdisjoint(values)
    value = traits.get(key)
    return value is not None and value in values


def effective_policy(
    policy: Policy, customer: Customer, currencies: Iterable[str] = ()
) -> EffectivePolicy:
    """Return the policy in force for ``customer`` (invoiced in ``currencies``), layer by layer.

    Order: the policy defaults, then the first assignment rule that matches (on segment and
    country as the customer file states them, else as the ledger does, and on the currencies the
    customer is invoiced in), then the customer file ``customers/<id>.yaml``.
    """
    record = policy.customers.get(customer.id)
    rule = matching_rule(policy, customer_traits(policy, customer), currencies)
    return _layered(policy, customer, rule, record)


def customer_traits(policy: Policy, customer: Customer) -> dict[str, str | None]:
    """Return the customer's segment and country: as its customer file states them, else as the
    ledger does."""
    record = policy.customers.get(customer.id)
    return {
        "segment": record.segment if record and record.segment else customer.segment,
        "country": record.country if record and record.country else customer.country,
    }


def _layered(
    policy: Policy, customer: Customer, rule: AssignmentRule | None, record: CustomerPolicy | None
) -> EffectivePolicy:
    defaults = policy.defaults
    decided = dict.fromkeys(FIELDS, DEFAULTS)
    ladder, terms, tone = defaults.ladder, defaults.terms, defaults.tone
    language = customer.language or policy.language
    if customer.language:
        decided["language"] = "ledger"
    name = customer.name or customer.id
    decided["customer_name"] = "ledger"
    if rule is not None:
        label = rule.describe()
        if rule.ladder:
            ladder, decided["ladder"] = rule.ladder, label
        if rule.terms:
            terms, decided["terms"] = rule.terms, label
        if rule.tone:
            tone, decided["tone"] = rule.tone, label
    skip: frozenset[str] = frozenset()
    delay: Mapping[str, int] = MappingProxyType({})
    exempt: frozenset[str] = frozenset()
    credit_limit: CreditLimit | None = None
    pause: Pause | None = None
    owner: str | None = None
    contacts: tuple[Contact, ...] = ()
    if record is not None:
        label = customer_file_label(record)
        overrides: dict[str, object] = {
            "ladder": record.ladder, "terms": record.terms, "tone": record.tone,
            "language": record.language, "credit_limit": record.credit_limit,
            "pause": record.pause, "owner": record.owner, "customer_name": record.name or None,
            "skip": record.skip or None, "delay": record.delay or None,
            "exempt": record.exempt or None, "contacts": record.contacts or None,
        }  # fmt: skip
        for key, value in overrides.items():
            if value is not None:
                decided[key] = label
        ladder = record.ladder or ladder
        terms = record.terms or terms
        tone = record.tone or tone
        language = record.language or language
        name = record.name or name
        skip, exempt, contacts = record.skip, record.exempt, record.contacts
        delay = MappingProxyType(dict(record.delay))
        credit_limit, pause, owner = record.credit_limit, record.pause, record.owner
    if not contacts and customer.email:
        contacts = (Contact(name=name, email=customer.email),)
        decided["contacts"] = "ledger"
    return EffectivePolicy(
        customer_id=customer.id,
        customer_name=name,
        ladder=policy.ladders[ladder],
        term=policy.terms[terms],
        tone=tone,
        language=language,
        skip=skip,
        delay=delay,
        exempt=exempt,
        credit_limit=credit_limit,
        pause=pause,
        owner=owner,
        contacts=contacts,
        decided_by=MappingProxyType(decided),
    )


class EffectivePolicies:
    """Effective policies of a policy's customers, each worked out once.

    A customer with a file is cached by customer. The many customers without one share the
    layers of the rule they match: only their name, language and contact are their own.
    """

    __slots__ = ("_by_customer", "_by_traits", "policy")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._by_customer: dict[tuple[Customer, frozenset[str]], EffectivePolicy] = {}
        self._by_traits: dict[tuple[object, ...], EffectivePolicy] = {}

    def shared(self, customer: Customer, currencies: frozenset[str]) -> EffectivePolicy:
        """Return the layers that apply to ``customer``, without its own name, language, contacts.

        The evaluation's inner loop needs only the ladder, terms, skips, delays, exemptions,
        credit limit and pause; customers without a file share one record for those. Its
        ``customer_id``, ``customer_name`` and ``contacts`` are blank unless the customer has a
        file: use ``get`` for what is shown.
        """
        if customer.id in self.policy.customers:
            return self._with_file(customer, currencies)
        traits = (
            customer.segment,
            customer.country,
            currencies,
            customer.language is not None,
            bool(customer.email),
        )
        shared = self._by_traits.get(traits)
        if shared is None:
            full = effective_policy(self.policy, customer, currencies)
            shared = replace(full, customer_id="", customer_name="", contacts=())
            self._by_traits[traits] = shared
        return shared

    def get(self, customer: Customer, currencies: frozenset[str]) -> EffectivePolicy:
        """Return the effective policy of ``customer`` invoiced in ``currencies`` (cached)."""
        if customer.id in self.policy.customers:
            return self._with_file(customer, currencies)
        shared = self.shared(customer, currencies)
        name = customer.name or customer.id
        return EffectivePolicy(
            customer.id,
            name,
            shared.ladder,
            shared.term,
            shared.tone,
            customer.language or self.policy.language,
            shared.skip,
            shared.delay,
            shared.exempt,
            shared.credit_limit,
            shared.pause,
            shared.owner,
            (Contact(name=name, email=customer.email),) if customer.email else (),
            shared.decided_by,
        )

    def _with_file(self, customer: Customer, currencies: frozenset[str]) -> EffectivePolicy:
        key = (customer, currencies)
        found = self._by_customer.get(key)
        if found is None:
            found = effective_policy(self.policy, customer, currencies)
            self._by_customer[key] = found
        return found
