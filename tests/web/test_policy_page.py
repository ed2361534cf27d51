"""The policy page: commit, digest, loaded at, and a refused reload's problems at file:line."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.git_repo import commit_all, git
from tests.web.conftest import SignedIn, csrf_of


def test_the_policy_in_force_is_shown(signed_in: SignedIn, policy_repo: Path) -> None:
    client = signed_in("viewer")
    page = client.get("/policy")
    assert page.status_code == 200
    assert f"<code>{git(policy_repo, 'rev-parse', 'HEAD')}</code>" in page.text
    assert "Content digest" in page.text and "Loaded at" in page.text
    assert "Load the policy again" not in page.text  # viewers do not reload


def test_an_invalid_commit_shows_its_problems_with_file_and_line(
    signed_in: SignedIn, policy_repo: Path
) -> None:
    client: TestClient = signed_in("admin")
    ladder = policy_repo / "policies" / "ladders" / "standard.yaml"
    ladder.write_text(ladder.read_text().replace("at: due+14d", "at: due+14"), encoding="utf-8")
    commit_all(policy_repo, "Break the ladder")
    page = client.get("/policy")
    reload = client.post("/policy/reload", data={"csrf": csrf_of(page.text)},
                         follow_redirects=False)
    assert reload.status_code == 303
    shown = client.get(reload.headers["location"])
    assert "The new policy was refused" in shown.text
    assert "policies/ladders/standard.yaml:" in shown.text
    assert "S004" in shown.text
