"""Every reminder carries the customer's personal portal link, when a portal is set up."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest

from delivery.send import SendReport, evaluate_with_customers, messages_of
from dunning.inputs import LoadedPolicy, read_ledger
from store.portal_links import PortalLinks, PortalSettings
from tests.delivery.conftest import DAY

KEY = "delivery-test-key-" + "d" * 40
LINK = re.compile(r"https://pay\.example/pay/([A-Za-z0-9_.\-]+)")


def _messages(ledger_url: str, loaded: LoadedPolicy, portal: PortalLinks | None) -> list:  # type: ignore[type-arg]
    evaluation, customers = evaluate_with_customers(
        loaded.policy, read_ledger(ledger_url), DAY, loaded.version
    )
    return messages_of(evaluation, loaded.policy, customers, root=loaded.root,
                       report=SendReport(), portal=portal)  # fmt: skip


def test_each_reminder_links_to_its_customers_portal(
    ledger_url: str, loaded: LoadedPolicy
) -> None:
    links = PortalLinks(PortalSettings("https://pay.example", (KEY,)))
    messages = _messages(ledger_url, loaded, links)
    emails = [m for m in messages if m.channel == "email"]
    assert emails
    for message in [*emails, *(m for m in messages if m.channel == "letter")]:
        found = LINK.search(message.text)
        assert found, message.action.customer_id
        claim = links.read(found.group(1))
        assert (claim.customer_id, claim.action_id) == (
            message.action.customer_id, message.action.id
        )
    for email in emails:
        parsed = message_from_bytes(email.content, policy=policy.default)
        html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert "https://pay.example/pay/" in html


def test_without_a_portal_the_paragraph_about_it_is_left_out(
    ledger_url: str, loaded: LoadedPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DUNNING_PORTAL_URL", raising=False)
    monkeypatch.delenv("DUNNING_PORTAL_KEYS", raising=False)
    for message in _messages(ledger_url, loaded, None):
        assert "Your account online" not in message.text
        assert "{portal_link}" not in message.text


def test_every_shipped_template_carries_the_link_in_every_language(loaded: LoadedPolicy) -> None:
    """"A link in every message" (issue 18): each variant of each shipped template, English and
    German alike, has the paragraph that quotes {portal_link}."""
    variants = [
        (name, variant.tone, variant.language)
        for name, template in sorted(loaded.policy.templates.items())
        for variant in template.variants
        if "{portal_link}" not in variant.body
    ]
    assert variants == []
    languages = {v.language for t in loaded.policy.templates.values() for v in t.variants}
    assert languages == {"en", "de"}
