"""Portal links: signed, expiring, rotating keys, revocable per customer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert

from store.models import customers
from store.portal_links import (
    LinkRefusedError,
    PortalLinks,
    PortalSettings,
    PortalSettingsError,
    check_revoked,
    revoke_links,
)

OLD_KEY = "old-key-" + "o" * 40
NEW_KEY = "new-key-" + "n" * 40
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC).timestamp()
DAY = 86400


def links(*keys: str, at: float = NOW, days: int = 60) -> PortalLinks:
    return PortalLinks(PortalSettings("https://pay.example", keys, days), clock=lambda: at)


def test_a_link_names_the_customer_and_the_reminder() -> None:
    maker = links(NEW_KEY)
    link = maker.link("ACME-0001", "act_0123456789abcdef0123")
    assert link.startswith("https://pay.example/pay/")
    claim = maker.read(link.rsplit("/", 1)[1])
    assert (claim.customer_id, claim.action_id) == ("ACME-0001", "act_0123456789abcdef0123")
    assert claim.issued == datetime.fromtimestamp(NOW, UTC)


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: ("e" if t[0] != "e" else "f") + t[1:],  # the payload
        lambda t: t[: len(t) // 2],  # cut short
        lambda t: "not-a-token-at-all-xxxxxxxxxxxx",
    ],
    ids=["signature", "payload", "truncated", "garbage"],
)
def test_a_changed_token_is_refused_as_invalid(change: object) -> None:
    maker = links(NEW_KEY)
    token = maker.token("ACME-0001", "act_1")
    assert callable(change)
    with pytest.raises(LinkRefusedError) as refused:
        maker.read(change(token))
    assert refused.value.problem == "invalid"


def test_a_token_of_another_key_is_refused() -> None:
    token = links("some-other-key-" + "x" * 40).token("ACME-0001", "act_1")
    with pytest.raises(LinkRefusedError) as refused:
        links(NEW_KEY).read(token)
    assert refused.value.problem == "invalid"


def test_rotation_keeps_live_links_working_and_signs_with_the_new_key() -> None:
    before = links(OLD_KEY).token("ACME-0001", "act_1")
    rotated = links(NEW_KEY, OLD_KEY)
    assert rotated.read(before).customer_id == "ACME-0001"
    after = rotated.token("ACME-0001", "act_2")
    # Made with the new key: still valid once the old key is dropped, unknown to the old one.
    assert links(NEW_KEY).read(after).action_id == "act_2"
    with pytest.raises(LinkRefusedError):
        links(OLD_KEY).read(after)
    with pytest.raises(LinkRefusedError):
        links(NEW_KEY).read(before)


def test_a_link_expires_after_its_days() -> None:
    token = links(NEW_KEY, days=30).token("ACME-0001", "act_1")
    assert links(NEW_KEY, at=NOW + 30 * DAY, days=30).read(token).customer_id == "ACME-0001"
    with pytest.raises(LinkRefusedError) as refused:
        links(NEW_KEY, at=NOW + 30 * DAY + 1, days=30).read(token)
    assert refused.value.problem == "expired"


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, None),
        ({"DUNNING_PORTAL_URL": "https://pay.example/",
          "DUNNING_PORTAL_KEYS": f"{NEW_KEY}, {OLD_KEY}"},
         PortalSettings("https://pay.example", (NEW_KEY, OLD_KEY))),
        ({"DUNNING_PORTAL_URL": "https://pay.example", "DUNNING_PORTAL_KEYS": NEW_KEY,
          "DUNNING_PORTAL_DAYS": "14"}, PortalSettings("https://pay.example", (NEW_KEY,), 14)),
    ],
    ids=["unset", "two-keys", "days"],
)  # fmt: skip
def test_settings_come_from_the_environment(
    environ: dict[str, str], wanted: PortalSettings | None
) -> None:
    assert PortalSettings.from_environment(environ) == wanted


@pytest.mark.parametrize(
    ("environ", "said"),
    [
        ({"DUNNING_PORTAL_URL": "https://pay.example"}, "names no key"),
        ({"DUNNING_PORTAL_KEYS": NEW_KEY}, "DUNNING_PORTAL_URL is not"),
        ({"DUNNING_PORTAL_URL": "https://pay.example", "DUNNING_PORTAL_KEYS": "short"},
         "fewer than 32"),
        ({"DUNNING_PORTAL_URL": "pay.example", "DUNNING_PORTAL_KEYS": NEW_KEY}, "web address"),
        ({"DUNNING_PORTAL_URL": "https://pay.example", "DUNNING_PORTAL_KEYS": NEW_KEY,
          "DUNNING_PORTAL_DAYS": "a week"}, "whole number"),
        ({"DUNNING_PORTAL_URL": "https://pay.example", "DUNNING_PORTAL_KEYS": NEW_KEY,
          "DUNNING_PORTAL_DAYS": "0"}, "1-366"),
    ],
    ids=["no-key", "no-url", "short-key", "not-a-url", "days-text", "days-zero"],
)  # fmt: skip
def test_unusable_settings_are_refused_with_what_to_do(environ: dict[str, str], said: str) -> None:
    with pytest.raises(PortalSettingsError, match=said):
        PortalSettings.from_environment(environ)


def _customers(engine: Engine, *ids: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(customers), [{"id": ref, "name": ref} for ref in ids])


def test_revoking_stops_the_customers_earlier_links_only(ledger_engine: Engine) -> None:
    _customers(ledger_engine, "ACME-0001", "BETA-0002")
    early = links(NEW_KEY, at=NOW - 10).read(links(NEW_KEY, at=NOW - 10).token("ACME-0001", "a"))
    other = links(NEW_KEY, at=NOW - 10).read(links(NEW_KEY, at=NOW - 10).token("BETA-0002", "a"))
    with ledger_engine.connect() as conn:
        moment = revoke_links(conn, "ACME-0001", who="ann", now=datetime.fromtimestamp(NOW, UTC))
        assert moment == datetime.fromtimestamp(NOW, UTC)
        with pytest.raises(LinkRefusedError) as refused:
            check_revoked(conn, early)
        assert refused.value.problem == "revoked"
        check_revoked(conn, other)  # another customer's links still work
        later = links(NEW_KEY, at=NOW + 5)
        check_revoked(conn, later.read(later.token("ACME-0001", "b")))
        # Revoking again moves the moment on.
        revoke_links(conn, "ACME-0001", who="ann", now=datetime.fromtimestamp(NOW + 10, UTC))
        with pytest.raises(LinkRefusedError):
            check_revoked(conn, later.read(later.token("ACME-0001", "b")))


def test_a_customer_gone_from_the_ledger_has_no_portal(ledger_engine: Engine) -> None:
    claim = links(NEW_KEY).read(links(NEW_KEY).token("GONE-0001", "a"))
    with ledger_engine.connect() as conn, pytest.raises(LinkRefusedError):
        check_revoked(conn, claim)


def test_revoking_an_unknown_customer_says_so(ledger_engine: Engine) -> None:
    with ledger_engine.connect() as conn, pytest.raises(LookupError, match="not in the ledger"):
        revoke_links(conn, "GONE-0001", who="ann")
