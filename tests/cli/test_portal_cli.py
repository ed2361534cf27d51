"""``dunning portal link`` and ``dunning portal revoke``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import insert

from dunning.cli import main
from store.connection import create_store_engine
from store.migrate import upgrade
from store.models import customers
from store.portal_links import PortalLinks, PortalSettings, revoked_at

KEY = "cli-test-key-" + "c" * 40


@pytest.fixture
def database(db_url: str) -> str:
    engine = create_store_engine(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(insert(customers), [{"id": "ACME-0001", "name": "Acme"}])
    engine.dispose()
    return db_url


def test_link_prints_a_link_that_opens_the_customers_portal(database: str) -> None:
    env = {"DUNNING_PORTAL_URL": "https://pay.example", "DUNNING_PORTAL_KEYS": KEY}
    result = CliRunner().invoke(main, ["portal", "link", "ACME-0001", "--database", database],
                                env=env, catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    assert link.startswith("https://pay.example/pay/")
    claim = PortalLinks(PortalSettings("https://pay.example", (KEY,))).read(link.rsplit("/", 1)[1])
    assert claim.customer_id == "ACME-0001"


@pytest.mark.parametrize(
    ("env", "customer", "said"),
    [
        ({"DUNNING_PORTAL_URL": "", "DUNNING_PORTAL_KEYS": ""}, "ACME-0001", "no portal is set up"),
        ({"DUNNING_PORTAL_URL": "https://pay.example", "DUNNING_PORTAL_KEYS": "short"},
         "ACME-0001", "fewer than 32"),
        ({"DUNNING_PORTAL_URL": "https://pay.example", "DUNNING_PORTAL_KEYS": KEY},
         "NOBODY", "not in the ledger"),
    ],
    ids=["unset", "short-key", "unknown-customer"],
)  # fmt: skip
def test_link_says_what_is_wrong(
    database: str, env: dict[str, str], customer: str, said: str
) -> None:
    result = CliRunner().invoke(main, ["portal", "link", customer, "--database", database],
                                env=env, catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 1
    assert said in result.output


def test_revoke_records_the_moment(database: str) -> None:
    result = CliRunner().invoke(main, ["portal", "revoke", "ACME-0001", "--database", database],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Revoked the portal links of ACME-0001" in result.output
    engine = create_store_engine(database)
    with engine.connect() as conn:
        assert revoked_at(conn, "ACME-0001") is not None
    engine.dispose()
    unknown = CliRunner().invoke(main, ["portal", "revoke", "NOBODY", "--database", database],
                                 catch_exceptions=False)  # fmt: skip
    assert unknown.exit_code == 1 and "not in the ledger" in unknown.output
