"""Signing webhook bodies the way Stripe does, and checking a signature as a receiver must.

The header ``Dunning-Signature: t=1764749400,v1=5257a869...`` carries the Unix time of sending
and an HMAC-SHA256, keyed with the endpoint's secret, of ``{t}.{body}`` (the timestamp, a dot
and the raw request body). A receiver recomputes it over the bytes it received, compares in
constant time, and refuses a timestamp older than its tolerance (a replayed request). Several
``v1=`` entries may appear (while a secret is being rolled); any one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Dunning-Signature"
SCHEME = "v1"
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The request is not signed by the holder of the secret (or too long ago)."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of ``{timestamp}.{body}`` keyed with ``secret``."""
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """Return the ``Dunning-Signature`` header value for ``body`` sent now (or at ``timestamp``)."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},{SCHEME}={signature(secret, at, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: int | None = None,
) -> int:
    """Return the signed timestamp when ``header`` signs ``body`` with ``secret``; else raise
    ``SignatureError`` saying what is wrong."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == SCHEME and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError(f"the {HEADER} header has no t= timestamp or no {SCHEME}= signature")
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("the signature does not match the body: refused")
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError(
            f"the signature is {abs(current - timestamp)} seconds old, more than {tolerance}: "
            "refused as a possible replay"
        )
    return timestamp
