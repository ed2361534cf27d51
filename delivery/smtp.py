"""Handing emails to a mail server over SMTP, and what its answers mean.

The server is named by ``DUNNING_SMTP_URL``: ``smtp://user:pass@host:587?starttls=true``
(plain SMTP, upgraded with STARTTLS when asked) or ``smtps://user:pass@host:465`` (TLS from
the first byte). Each answer is sorted as RFC 5321 does: 2xx accepted, 4xx temporary (try again
later), 5xx permanent (do not try again). A connection that fails or drops is temporary.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_URL_ENV = "DUNNING_SMTP_URL"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SmtpUrlError(ValueError):
    """``DUNNING_SMTP_URL`` is not a usable SMTP URL; the message says what to write."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to reach the mail server."""

    host: str
    port: int
    tls: bool = False  # smtps: TLS from the start
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def describe(self) -> str:
        """Return the server as shown to people: scheme, host and port, never the password."""
        scheme = "smtps" if self.tls else "smtp"
        upgrade = " with STARTTLS" if self.starttls else ""
        return f"{scheme}://{self.host}:{self.port}{upgrade}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """Return the settings in an ``smtp://`` or ``smtps://`` URL, or raise ``SmtpUrlError``."""
    parts = urlsplit(url)
    example = "smtp://user:password@mail.example.com:587?starttls=true or smtps://…:465"
    if parts.scheme not in ("smtp", "smtps"):
        raise SmtpUrlError(f"{SMTP_URL_ENV} must start with smtp:// or smtps://, e.g. {example}")
    if not parts.hostname:
        raise SmtpUrlError(f"{SMTP_URL_ENV} names no mail server host, e.g. {example}")
    try:
        port = parts.port
    except ValueError as error:
        raise SmtpUrlError(f"{SMTP_URL_ENV} has a port that is not a number ({error})") from None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"starttls", "timeout"})
    if unknown:
        raise SmtpUrlError(
            f"{SMTP_URL_ENV} has an unknown option '{unknown[0]}': the options are starttls and "
            "timeout"
        )
    starttls = _flag(query.get("starttls", "false"))
    if parts.scheme == "smtps" and starttls:
        raise SmtpUrlError("smtps:// is TLS from the start: leave out starttls=true")
    try:
        timeout = float(query.get("timeout", "30"))
    except ValueError:
        raise SmtpUrlError(f"{SMTP_URL_ENV}: timeout must be a number of seconds") from None
    return SmtpSettings(
        host=parts.hostname,
        port=port or (465 if parts.scheme == "smtps" else 25),
        tls=parts.scheme == "smtps",
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SmtpUrlError(f"{SMTP_URL_ENV}: starttls must be true or false, not '{value}'")


class Verdict(StrEnum):
    """What an SMTP answer means for the message."""

    ACCEPTED = "accepted"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class Answer:
    """The mail server's answer to one message, in its words."""

    verdict: Verdict
    code: int | None
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}" if self.code is not None else self.text


def classify(code: int | None) -> Verdict:
    """Return what an SMTP reply code means: 2xx accepted, 4xx or none temporary, 5xx permanent."""
    if code is not None and 200 <= code < 300:
        return Verdict.ACCEPTED
    if code is not None and 500 <= code < 600:
        return Verdict.PERMANENT
    return Verdict.TEMPORARY


class SmtpTransport:
    """One connection to the mail server, opened on first use and reopened after a drop."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Say QUIT and close the connection, if one is open."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        client: smtplib.SMTP
        if s.tls:
            client = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        client.ehlo()
        if s.starttls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if s.username:
            client.login(s.username, s.password or "")
        return client

    def send(self, sender: str, recipients: Sequence[str], content: bytes) -> Answer:
        """Return the server's answer to ``content`` for ``recipients`` (never raises for SMTP).

        Recipients refused while others were accepted are named in the answer; when all are
        refused the worst refusal is the answer.
        """
        try:
            if self._client is None:
                self._client = self._connect()
            return self._transaction(self._client, sender, recipients, content)
        except smtplib.SMTPAuthenticationError as error:
            self._drop()
            return Answer(Verdict.PERMANENT, error.smtp_code, _text(error.smtp_error))
        except smtplib.SMTPResponseException as error:
            self._drop()
            return Answer(classify(error.smtp_code), error.smtp_code, _text(error.smtp_error))
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return Answer(Verdict.TEMPORARY, None, f"mail server not reachable ({error})")

    def _transaction(
        self, client: smtplib.SMTP, sender: str, recipients: Sequence[str], content: bytes
    ) -> Answer:
        code, reply = client.mail(sender)
        if classify(code) is not Verdict.ACCEPTED:
            client.rset()
            return Answer(classify(code), code, _text(reply))
        refused: list[tuple[str, int, str]] = []
        for recipient in recipients:
            code, reply = client.rcpt(recipient)
            if classify(code) is not Verdict.ACCEPTED:
                refused.append((recipient, code, _text(reply)))
        if len(refused) == len(recipients):
            client.rset()
            worst = max(refused, key=lambda r: r[1])
            return Answer(classify(worst[1]), worst[1], worst[2])
        code, reply = client.data(content)
        answer = Answer(classify(code), code, _text(reply))
        if refused and answer.verdict is Verdict.ACCEPTED:
            names = ", ".join(f"{r[0]} ({r[1]} {r[2]})" for r in refused)
            return Answer(answer.verdict, answer.code, f"{answer.text}; refused: {names}")
        return answer

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())
