"""Signing in and out: a token for a session cookie, CSRF on the form, expiry, strict headers."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from store.models import web_sessions
from store.tokens import revoke_token
from tests.api.conftest import Tokens
from tests.web.conftest import DATE, SignedIn, csrf_of


def test_a_page_without_a_session_sends_the_browser_to_sign_in(
    client: TestClient, ledger: None
) -> None:
    response = client.get("/customers/TEST-0001", params=DATE, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/signin?next=%2Fcustomers%2FTEST-0001%3Fdate%3D2026-11-23"
    )


def test_signing_in_sets_a_strict_http_only_cookie_and_returns_where_asked(
    client: TestClient, tokens: Tokens, ledger: None
) -> None:
    form = client.get("/signin", params={"next": "/policy"})
    response = client.post(
        "/signin",
        data={"token": tokens.collector, "csrf": csrf_of(form.text), "next": "/policy"},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/policy")
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("dunning_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain HTTP in this test
    page = client.get("/policy")
    assert page.status_code == 200
    assert "Signed in as <strong>test-collector</strong> (collector)" in page.text


def test_over_https_the_cookie_is_secure(tokens: Tokens, ledger: None, client: TestClient) -> None:
    secure = TestClient(client.app, base_url="https://testserver")
    form = secure.get("/signin")
    response = secure.post("/signin", data={"token": tokens.viewer, "csrf": csrf_of(form.text)},
                           follow_redirects=False)
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("dunning_session="))
    assert "Secure" in cookie


def test_the_sign_in_form_refuses_a_forged_post_and_an_unknown_token(
    client: TestClient, tokens: Tokens, ledger: None
) -> None:
    client.get("/signin")
    forged = client.post("/signin", data={"token": tokens.admin, "csrf": "made-up"},
                         follow_redirects=False)
    assert forged.status_code == 403
    assert "dunning_session" not in forged.headers.get("set-cookie", "")
    form = client.get("/signin")
    unknown = client.post("/signin", data={"token": "dun_nope", "csrf": csrf_of(form.text)},
                          follow_redirects=False)
    assert unknown.status_code == 401
    assert "not one this service knows" in unknown.text


def test_a_redirect_after_sign_in_never_leaves_the_site(
    client: TestClient, tokens: Tokens, ledger: None
) -> None:
    form = client.get("/signin")
    response = client.post(
        "/signin",
        data={"token": tokens.viewer, "csrf": csrf_of(form.text), "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_signing_out_ends_the_session(signed_in: SignedIn) -> None:
    client = signed_in("viewer")
    page = client.get("/", params=DATE)
    cookie = client.cookies.get("dunning_session")
    out = client.post("/signout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/signin")
    client.cookies.set("dunning_session", cookie or "")
    again = client.get("/", params=DATE, follow_redirects=False)
    assert again.status_code == 303


def test_an_expired_session_or_a_revoked_token_signs_out(
    signed_in: SignedIn, engine: Engine
) -> None:
    client = signed_in("collector")
    assert client.get("/", params=DATE, follow_redirects=False).status_code == 200
    with engine.begin() as conn:
        conn.execute(update(web_sessions).values(expires_at=web_sessions.c.created_at))
    assert client.get("/", params=DATE, follow_redirects=False).status_code == 303
    client = signed_in("collector")
    with engine.begin() as conn:
        revoke_token(conn, "test-collector")
    assert client.get("/", params=DATE, follow_redirects=False).status_code == 303


def test_pages_carry_a_strict_policy_and_no_inline_script_or_style(signed_in: SignedIn) -> None:
    client = signed_in("admin")
    for path in ("/", "/customers/TEST-0001", "/policy", "/signin"):
        response = client.get(path, params=DATE)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "script-src 'self'" in csp
        assert "style-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
        html = response.text
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, path
        assert re.search(r"<style\b", html) is None, path
        assert re.search(r"\sstyle=", html) is None, path
        assert re.search(r"\son[a-z]+=", html) is None, path  # no inline event handlers
    api = client.get("/v1/policy")  # the API keeps its own headers (and needs a token)
    assert "content-security-policy" not in api.headers


def test_every_form_control_has_a_label(signed_in: SignedIn) -> None:
    client = signed_in("admin")
    page = client.get("/", params=DATE)
    action_link = re.search(r'href="(/actions/[^"?]+)\?', page.text)
    assert action_link is not None
    for path in ("/", action_link.group(1), "/customers/TEST-0001", "/signin"):
        html = client.get(path, params=DATE).text
        ids = set(re.findall(r'<label for="([^"]+)"', html))
        for control in re.finditer(r"<(input|select|textarea)\b([^>]*)>", html):
            attrs = control.group(2)
            if 'type="hidden"' in attrs:
                continue
            wrapped = re.search(r'<label class="check"><input', html[control.start() - 27:
                                                                     control.start() + 6])
            named = re.search(r'\bid="([^"]+)"', attrs)
            assert wrapped or (named and named.group(1) in ids), f"{path}: {control.group(0)}"
