"""Where each setting of a customer's effective policy is written: file and line, and a link.

The engine says which layer decided each value (``EffectivePolicy.decided_by``: the policy
defaults, an assignment rule, the customer file, or the ledger); the policy keeps where every
record was read (``Origin``). This module puts the two together for the customer page, so staff
see ``customers/ACME-0001.yaml:12`` beside the tone, and, when the operator configured the
policy repository's web address, a link that opens that line at the commit in force.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.model.actions import PolicyVersion
from engine.model.policy import Policy
from engine.model.source import Source

# Where each setting is written in a customer file, and in an assignment rule or the defaults.
_FILE_FIELDS = {
    "ladder": ("ladder",),
    "terms": ("terms",),
    "tone": ("tone",),
    "language": ("language",),
    "credit_limit": ("credit_limit",),
    "pause": ("pause",),
    "owner": ("owner",),
    "contacts": ("contacts",),
    "customer_name": ("name",),
    "skip": ("steps", "skip"),
    "delay": ("steps", "delay"),
    "exempt": ("exempt",),
}
_DEFAULT_FIELDS = {
    "ladder": ("defaults", "ladder"),
    "terms": ("defaults", "terms"),
    "tone": ("defaults", "tone"),
    "language": ("language",),
}
RULE_PREFIX = "assignment rule "
FILE_PREFIX = "customer file "


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a setting came from: the layer in words, and the file and line when there is one."""

    layer: str
    source: Source | None
    link: str | None


def locate(policy: Policy, customer_id: str, setting: str, layer: str) -> Source | None:
    """Return the file and line that set ``setting`` for the customer, per the deciding layer."""
    if layer.startswith(FILE_PREFIX):
        record = policy.customers.get(customer_id)
        path = _FILE_FIELDS.get(setting)
        return record.origin.at(*path) if record is not None and path else None
    if layer.startswith(RULE_PREFIX):
        number = layer.removeprefix(RULE_PREFIX).split(" ", 1)[0]
        if number.isdigit() and 0 < int(number) <= len(policy.assignment):
            return policy.assignment[int(number) - 1].origin.at(setting)
        return None
    if layer == "policy defaults" and setting in _DEFAULT_FIELDS:
        return policy.origin.at(*_DEFAULT_FIELDS[setting])
    return None


def link_to(template: str | None, version: PolicyVersion, source: Source) -> str | None:
    """Return the web address of ``source`` at the version in force, from the operator's
    template (``https://git.example/policy/blob/{commit}/{file}#L{line}``), or None."""
    if not template or source.file.startswith("<"):
        return None
    revision = version.commit or version.ref or "HEAD"
    return (
        template.replace("{commit}", revision)
        .replace("{file}", source.file)
        .replace("{line}", str(source.line))
    )


def provenance(
    policy: Policy,
    version: PolicyVersion,
    customer_id: str,
    decided_by: dict[str, str],
    template: str | None,
) -> dict[str, Provenance]:
    """Return, for each setting the engine reports, its layer, file and line, and link."""
    out = {}
    for setting, layer in decided_by.items():
        source = locate(policy, customer_id, setting, layer)
        link = link_to(template, version, source) if source is not None else None
        out[setting] = Provenance(layer, source, link)
    return out
