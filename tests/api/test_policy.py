"""``/v1/policy``: the committed policy is served; an invalid commit is refused and reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from dunning.commands.validate import command as validate
from tests.api.conftest import ROOT, Tokens
from tests.git_repo import commit_all, git

pytestmark = pytest.mark.usefixtures("tokens")


def break_policy(repo: Path) -> None:
    """Point the default ladder at one that does not exist (validation code P011)."""
    policy = repo / "policies" / "policy.yaml"
    policy.write_text(policy.read_text().replace("ladder: standard", "ladder: no-such-ladder"))


def test_serves_the_commit_of_the_ref(
    client: TestClient, tokens: Tokens, policy_repo: Path
) -> None:
    head = git(policy_repo, "rev-parse", "main")
    response = client.get("/v1/policy", headers=tokens.headers("viewer"))
    assert response.status_code == 200
    body = response.json()
    assert body["mode"] == "git"
    assert body["ref"] == "main"
    assert body["policy_version"]["commit"] == head
    assert body["policy_version"]["source"] == "git"
    assert body["policy_version"]["digest"].startswith("sha256:")
    assert body["degraded"] is False
    assert body["last_reload"]["ok"] is True
    ladders = {ladder["name"] for ladder in body["ladders"]}
    assert ladders == {"standard", "strategic", "eu-statutory", "reminder-levels"}
    assert "net30" in {term["name"] for term in body["terms"]}
    assert response.headers["X-Policy-Version"] == head
    assert response.headers["X-Policy-Digest"] == body["policy_version"]["digest"]


def test_an_invalid_commit_is_refused_and_the_old_policy_stays(
    client: TestClient, tokens: Tokens, policy_repo: Path
) -> None:
    good = git(policy_repo, "rev-parse", "main")
    break_policy(policy_repo)
    bad = commit_all(policy_repo, "Break the policy")

    reload = client.post("/v1/policy/reload", headers=tokens.headers("admin"))

    assert reload.status_code == 422
    assert reload.headers["content-type"] == "application/problem+json"
    problem = reload.json()
    assert problem["type"] == "urn:dunning:problem:policy-invalid"
    assert problem["attempt"]["commit"] == bad
    assert [p["code"] for p in problem["attempt"]["problems"]] == ["P011"]
    assert problem["attempt"]["problems"][0]["file"] == "policies/policy.yaml"
    assert problem["policy_version"]["commit"] == good
    assert reload.headers["X-Policy-Version"] == good

    policy = client.get("/v1/policy", headers=tokens.headers("viewer")).json()
    assert policy["policy_version"]["commit"] == good
    assert policy["degraded"] is True
    assert policy["last_reload"]["ok"] is False
    assert policy["last_reload"]["commit"] == bad
    assert "stays in force" in policy["last_reload"]["message"]

    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert any("invalid" in reason for reason in ready.json()["reasons"])

    listing = client.get("/v1/actions", headers=tokens.headers("viewer"))
    assert listing.status_code == 200
    assert listing.headers["X-Policy-Version"] == good
    assert listing.json()["policy_version"]["commit"] == good


def test_the_ref_moving_to_a_valid_commit_is_picked_up(
    client: TestClient, tokens: Tokens, policy_repo: Path
) -> None:
    break_policy(policy_repo)
    commit_all(policy_repo, "Break the policy")
    assert client.get("/v1/policy", headers=tokens.headers("viewer")).json()["degraded"] is True

    git(policy_repo, "revert", "--no-edit", "HEAD")
    fixed = git(policy_repo, "rev-parse", "main")

    # No reload asked for: the next request sees that main moved (checks are not throttled here).
    policy = client.get("/v1/policy", headers=tokens.headers("viewer")).json()
    assert policy["policy_version"]["commit"] == fixed
    assert policy["degraded"] is False
    assert policy["last_reload"]["trigger"] == "ref-moved"
    assert client.get("/readyz").json()["status"] == "ready"


def test_a_dirty_working_tree_is_not_served(
    client: TestClient, tokens: Tokens, policy_repo: Path
) -> None:
    before = client.get("/v1/policy", headers=tokens.headers("viewer")).json()["policy_version"]
    break_policy(policy_repo)  # not committed

    reload = client.post("/v1/policy/reload", headers=tokens.headers("admin"))

    assert reload.status_code == 200
    assert reload.json()["policy_version"]["commit"] == before["commit"]
    assert reload.json()["policy_version"]["digest"] == before["digest"]
    assert "already in force" in reload.json()["last_reload"]["message"]


def test_outside_git_the_files_are_served_and_the_mode_says_so(
    tmp_path: Path, db_url: str, tokens: Tokens
) -> None:
    folder = tmp_path / "plain"
    for name in ("policies", "customers"):
        shutil.copytree(ROOT / name, folder / name)
    settings = ApiSettings(database_url=db_url, repo=folder, ledger_check_seconds=0)
    with TestClient(create_app(settings)) as client:
        response = client.get("/v1/policy", headers=tokens.headers("viewer"))
        ready = client.get("/readyz").json()
    body = response.json()
    assert body["mode"] == "files"
    assert "not in a git repository" in body["note"]
    assert body["policy_version"]["source"] == "files"
    assert body["policy_version"]["commit"] is None
    assert response.headers["X-Policy-Version"] == body["policy_version"]["digest"]
    assert ready["status"] == "ready"
    assert any("not in a git repository" in reason for reason in ready["reasons"])


def test_without_any_valid_policy_the_service_is_not_ready(
    policy_repo: Path, settings: ApiSettings, tokens: Tokens
) -> None:
    break_policy(policy_repo)
    commit_all(policy_repo, "Break the policy")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        listing = client.get("/v1/actions", headers=tokens.headers("viewer"))
        policy = client.get("/v1/policy", headers=tokens.headers("viewer"))
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert listing.status_code == 503
    assert listing.json()["type"] == "urn:dunning:problem:policy-unavailable"
    assert "X-Policy-Version" not in listing.headers
    assert policy.status_code == 200
    assert policy.json()["policy_version"] is None
    assert policy.json()["last_reload"]["problems"][0]["code"] == "P011"


def test_a_missing_ref_is_reported(policy_repo: Path, db_url: str, tokens: Tokens) -> None:
    settings = ApiSettings(database_url=db_url, repo=policy_repo, policy_ref="no-such-branch")
    with TestClient(create_app(settings)) as client:
        policy = client.get("/v1/policy", headers=tokens.headers("viewer")).json()
        ready = client.get("/readyz")
    assert policy["policy_version"] is None
    assert "no-such-branch" in policy["last_reload"]["message"]
    assert ready.status_code == 503


def test_a_symlinked_customer_file_is_refused_as_validate_refuses_it(
    client: TestClient, tokens: Tokens, policy_repo: Path
) -> None:
    customer = policy_repo / "customers" / "BRAM-0001.yaml"
    (policy_repo / "shared").mkdir()
    customer.rename(policy_repo / "shared" / "BRAM-0001.yaml")
    customer.symlink_to(Path("..") / "shared" / "BRAM-0001.yaml")
    # A dot-file is not part of the policy, for the service as for validate.
    (policy_repo / "customers" / ".BRAM-0001.yaml").write_text("not: [yaml")
    commit_all(policy_repo, "Link a customer file")

    reload = client.post("/v1/policy/reload", headers=tokens.headers("admin"))

    assert reload.status_code == 422
    problems = reload.json()["attempt"]["problems"]
    assert [(p["file"], p["code"]) for p in problems] == [("customers/BRAM-0001.yaml", "P005")]
    validated = CliRunner().invoke(validate, [str(policy_repo)], catch_exceptions=False)
    assert validated.exit_code == 1
    assert (
        "customers/BRAM-0001.yaml:1:1: P005 customers/BRAM-0001.yaml is a symbolic link"
        in validated.output
    )
