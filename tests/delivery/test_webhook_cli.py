"""``dunning webhook`` as an operator runs it: add prints the secret once, list shows the
receivers and their deliveries, deliver POSTs what is due, disable stops a receiver."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import Engine

from dunning.cli import main
from store import webhooks
from tests.delivery.test_webhooks import Receiver, engine, outcome, receiver

__all__ = ["engine", "receiver"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["webhook", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_add_list_deliver_and_disable(engine: Engine, receiver: Receiver) -> None:
    url = engine.url.render_as_string(hide_password=False)
    code, out, err = run("add", receiver.url + "/crm", "--event", "outcome.recorded",
                         "--database", url)  # fmt: skip
    assert code == 0, err
    secret = out.strip()
    assert secret.startswith("whsec_") and "shown only this once" in err
    identity = err.split()[1]

    outcome(engine, 1)
    code, out, _ = run("list", "--database", url)
    assert code == 0
    assert f"{identity}  active" in out and "outcome.recorded" in out
    assert "deliveries: 2 queued" in out

    code, out, _ = run("deliver", "--database", url)
    assert code == 0
    # The fixture's endpoint takes its event; the new one is refused (signed with another
    # secret than the receiver checks), so it waits for a retry.
    assert out.strip() == "webhooks: 1 delivered, 1 to retry later, 0 failed"
    assert receiver.refused == ["the signature does not match the body: refused"]

    code, out, _ = run("disable", identity, "--database", url)
    assert (code, out.strip()) == (0, f"Webhook {identity} disabled.")
    code, _, err = run("disable", identity, "--database", url)
    assert code == 1 and f"no active webhook {identity}" in err
    with engine.connect() as conn:
        assert webhooks.counts(conn) == {"delivered": 1, "failed": 1}
    # A disabled receiver's failures are not queued again.
    code, out, _ = run("retry", "--database", url)
    assert (code, out.split(";")[0]) == (0, "Queued again: 0 failed deliveries")


def test_a_bad_url_or_event_is_refused(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    code, _, err = run("add", "crm.example.com/hooks", "--database", url)
    assert code == 2 and "is not a web address" in err
    code, _, err = run("add", "https://crm.example.com/hooks", "--event", "action.deleted",
                       "--database", url)  # fmt: skip
    assert code == 2 and "action.deleted" in err
