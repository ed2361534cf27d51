"""The mail server's URL and the meaning of its answers (RFC 5321 reply codes)."""

from __future__ import annotations

import pytest

from delivery.smtp import SmtpSettings, SmtpUrlError, Verdict, classify, parse_smtp_url

URLS = [
    ("starttls", "smtp://user:p%40ss@mail.example.com:587?starttls=true",
     SmtpSettings("mail.example.com", 587, False, True, "user", "p@ss")),
    ("smtps", "smtps://user:secret@mail.example.com",
     SmtpSettings("mail.example.com", 465, True, False, "user", "secret")),
    ("plain", "smtp://127.0.0.1:2525?timeout=5",
     SmtpSettings("127.0.0.1", 2525, False, False, None, None, 5.0)),
]  # fmt: skip


@pytest.mark.parametrize(("url", "expected"), [u[1:] for u in URLS], ids=[u[0] for u in URLS])
def test_smtp_urls(url: str, expected: SmtpSettings) -> None:
    """Scheme, host, port, TLS, credentials (percent-decoded) and timeout are read."""
    assert parse_smtp_url(url) == expected


BAD = [
    ("scheme", "http://mail.example.com", "must start with smtp:// or smtps://"),
    ("no-host", "smtp://", "names no mail server host"),
    ("option", "smtp://h?tls=yes", "unknown option 'tls'"),
    ("both-tls", "smtps://h?starttls=true", "leave out starttls=true"),
    ("flag", "smtp://h?starttls=maybe", "starttls must be true or false"),
]


@pytest.mark.parametrize(("url", "said"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_smtp_urls_say_what_to_write(url: str, said: str) -> None:
    """A wrong URL is refused with what is wrong in it."""
    with pytest.raises(SmtpUrlError, match=said):
        parse_smtp_url(url)


def test_password_is_never_shown() -> None:
    """describe() names the server without the credentials."""
    settings = parse_smtp_url("smtp://user:secret@mail.example.com:587?starttls=true")
    assert settings.describe() == "smtp://mail.example.com:587 with STARTTLS"


@pytest.mark.parametrize(
    ("code", "verdict"),
    [(250, Verdict.ACCEPTED), (421, Verdict.TEMPORARY), (451, Verdict.TEMPORARY),
     (550, Verdict.PERMANENT), (554, Verdict.PERMANENT), (None, Verdict.TEMPORARY)],
)  # fmt: skip
def test_reply_codes(code: int | None, verdict: Verdict) -> None:
    """2xx accepted, 4xx temporary, 5xx permanent, no answer temporary."""
    assert classify(code) == verdict
