"""Tokens: stored only as hashes, printed once by ``dunning token create``, revocable."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from dunning.commands.token import command
from store.models import api_tokens
from store.tokens import (
    Role,
    TokenError,
    create_token,
    find_token,
    hash_token,
    list_tokens,
)


def test_only_the_hash_is_stored(engine: Engine) -> None:
    with engine.begin() as conn:
        issued = create_token(conn, "ops", Role.ADMIN)
    with engine.connect() as conn:
        stored = conn.execute(select(api_tokens)).one()
    assert issued.token.startswith("dun_")
    assert len(issued.token) > 40
    assert issued.token not in [str(value) for value in stored]
    assert stored.token_hash == hash_token(issued.token)


def test_find_and_refuse(engine: Engine) -> None:
    with engine.begin() as conn:
        issued = create_token(conn, "desk", Role.COLLECTOR)
        assert find_token(conn, issued.token) is not None
        assert find_token(conn, issued.token + "x") is None
        assert find_token(conn, "") is None


def test_a_name_is_used_once(engine: Engine) -> None:
    with engine.begin() as conn:
        create_token(conn, "desk", Role.VIEWER)
    with pytest.raises(TokenError, match="already exists"), engine.begin() as conn:
        create_token(conn, "desk", Role.ADMIN)


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        (Role.VIEWER, Role.COLLECTOR, False),
        (Role.COLLECTOR, Role.COLLECTOR, True),
        (Role.ADMIN, Role.VIEWER, True),
        (Role.COLLECTOR, Role.ADMIN, False),
    ],
    ids=[
        "viewer-not-collector",
        "collector-is-collector",
        "admin-is-viewer",
        "collector-not-admin",
    ],
)
def test_roles_are_ordered(role: Role, needed: Role, allowed: bool) -> None:
    assert role.allows(needed) is allowed


def test_cli_create_list_revoke(engine: Engine, db_url: str) -> None:
    runner = CliRunner()
    created = runner.invoke(
        command,
        ["create", "--role", "collector", "--name", "front-desk", "--database", db_url],
        catch_exceptions=False,
    )
    assert created.exit_code == 0
    token = created.stdout.strip()
    assert token.startswith("dun_")
    assert "shown only this once" in created.stderr
    with engine.connect() as conn:
        assert find_token(conn, token) is not None

    listed = runner.invoke(command, ["list", "--database", db_url], catch_exceptions=False)
    assert "front-desk\tcollector" in listed.stdout
    assert token not in listed.stdout

    revoked = runner.invoke(
        command, ["revoke", "front-desk", "--database", db_url], catch_exceptions=False
    )
    assert revoked.exit_code == 0
    with engine.connect() as conn:
        assert find_token(conn, token) is None
        assert list_tokens(conn)[0].revoked_at is not None

    again = runner.invoke(command, ["revoke", "front-desk", "--database", db_url])
    assert again.exit_code == 1
    assert "no live token" in again.output


def test_cli_on_an_unmigrated_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        command,
        [
            "create",
            "--role",
            "admin",
            "--name",
            "x",
            "--database",
            f"sqlite:///{tmp_path / 'empty.db'}",
        ],
    )
    assert result.exit_code == 1
    assert "dunning db upgrade" in result.output
