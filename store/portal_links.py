"""The customer's personal link to the payment portal, ``/pay/{token}``: signed, expiring.

A token is the customer id and the reminder (action id) it was sent with, signed with
``itsdangerous`` (HMAC-SHA1 over a timestamped, URL-safe payload) under a key from the settings
(``DUNNING_PORTAL_KEYS``). Nobody can make one without the key, and changing a character breaks
the signature. Keys rotate without breaking live links: the first key signs, every key listed
verifies, so a new key goes first and the old one stays listed until its last link expired.

A link expires ``DUNNING_PORTAL_DAYS`` days (default 60) after it was made. Staff revoke the
links of one customer (``revoke_links``): every link of that customer made up to that moment
stops working; links made later work again. Like ``store.tokens`` for API tokens, this module
holds the secret's use and the revocation table together.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from sqlalchemy import Connection, select

from store.models import customers, portal_revocations
from store.notes import as_utc
from store.outcomes import _insert, _writing

PORTAL_URL_ENV = "DUNNING_PORTAL_URL"
PORTAL_KEYS_ENV = "DUNNING_PORTAL_KEYS"
PORTAL_DAYS_ENV = "DUNNING_PORTAL_DAYS"
DEFAULT_DAYS = 60
MAX_DAYS = 366
# A key shorter than this is refused: it could be guessed, and every link could then be forged.
MIN_KEY_CHARS = 32
# The signatures of portal links are of no use anywhere else, and no other signature is one.
_SALT = "dunning.portal.link.v1"
_DAY_SECONDS = 86400


class PortalSettingsError(ValueError):
    """The portal's settings are unusable (no key, a short key, a bad URL or number of days)."""


@dataclass(frozen=True, slots=True)
class PortalSettings:
    """Where the portal is and how its links are signed.

    ``base_url``: the portal's public address as customers reach it
    (``https://pay.example.com``); links are ``{base_url}/pay/{token}``. ``keys``: the first
    signs, all verify (rotation). ``days``: how long a link works.
    """

    base_url: str
    keys: tuple[str, ...]
    days: int = DEFAULT_DAYS

    def __post_init__(self) -> None:
        if not self.keys:
            raise PortalSettingsError(f"{PORTAL_KEYS_ENV} names no key: give at least one")
        short = [i + 1 for i, key in enumerate(self.keys) if len(key) < MIN_KEY_CHARS]
        if short:
            raise PortalSettingsError(
                f"{PORTAL_KEYS_ENV}: key {short[0]} has fewer than {MIN_KEY_CHARS} characters; "
                "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if not self.base_url.startswith(("https://", "http://")):
            raise PortalSettingsError(
                f"{PORTAL_URL_ENV} must be the portal's web address, such as "
                "https://pay.example.com"
            )
        if not 1 <= self.days <= MAX_DAYS:
            raise PortalSettingsError(f"{PORTAL_DAYS_ENV} must be 1-{MAX_DAYS} days")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> PortalSettings | None:
        """Return the settings from ``DUNNING_PORTAL_URL``, ``DUNNING_PORTAL_KEYS`` (keys
        separated by commas, the signing key first) and ``DUNNING_PORTAL_DAYS``; None when the
        URL and keys are both unset (no portal). Raises ``PortalSettingsError`` for bad ones."""
        env = os.environ if environ is None else environ
        url = env.get(PORTAL_URL_ENV, "").strip()
        keys = tuple(k.strip() for k in env.get(PORTAL_KEYS_ENV, "").split(",") if k.strip())
        if not url and not keys:
            return None
        if not url:
            raise PortalSettingsError(f"{PORTAL_KEYS_ENV} is set but {PORTAL_URL_ENV} is not")
        days_text = env.get(PORTAL_DAYS_ENV, "").strip()
        try:
            days = int(days_text) if days_text else DEFAULT_DAYS
        except ValueError as error:
            raise PortalSettingsError(
                f"{PORTAL_DAYS_ENV} must be a whole number of days"
            ) from error
        return cls(url.rstrip("/"), keys, days)


@dataclass(frozen=True, slots=True)
class LinkClaim:
    """What a valid link says: whose portal, the reminder it came with, when it was made."""

    customer_id: str
    action_id: str
    issued: datetime


LinkProblem = Literal["invalid", "expired", "revoked"]


class LinkRefusedError(Exception):
    """A link that does not open the portal: tampered with or made with an unknown key
    (``invalid``), too old (``expired``) or revoked by staff (``revoked``)."""

    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem)
        self.problem: LinkProblem = problem


class PortalLinks:
    """Makes and reads portal links under one set of settings."""

    def __init__(self, settings: PortalSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock

        class _Signer(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock())

        # itsdangerous signs with the last key of the list and verifies with each.
        self._serializer = URLSafeTimedSerializer(
            list(reversed(settings.keys)), salt=_SALT, signer=_Signer
        )

    def token(self, customer_id: str, action_id: str) -> str:
        """Return the signed token naming ``customer_id`` and the reminder ``action_id``."""
        token: str = self._serializer.dumps({"c": customer_id, "a": action_id})
        return token

    def link(self, customer_id: str, action_id: str) -> str:
        """Return the customer's portal address for the reminder ``action_id``."""
        return f"{self.settings.base_url}/pay/{self.token(customer_id, action_id)}"

    def read(self, token: str) -> LinkClaim:
        """Return what ``token`` says, or raise ``LinkRefusedError`` (invalid or expired).

        Revocation needs the database: see ``check_revoked``.
        """
        try:
            payload, stamp = self._serializer.loads(token, return_timestamp=True)
        except BadSignature as error:
            raise LinkRefusedError("invalid") from error
        claim = _claim(payload, stamp)
        if claim is None:
            raise LinkRefusedError("invalid")
        age = self.clock() - claim.issued.timestamp()
        if age > self.settings.days * _DAY_SECONDS or age < -60:
            raise LinkRefusedError("expired")
        return claim


def _claim(payload: Any, stamp: datetime) -> LinkClaim | None:
    if not isinstance(payload, dict):
        return None
    customer_id, action_id = payload.get("c"), payload.get("a")
    if not isinstance(customer_id, str) or not isinstance(action_id, str) or not customer_id:
        return None
    return LinkClaim(customer_id, action_id, as_utc(stamp))


def check_revoked(conn: Connection, claim: LinkClaim) -> None:
    """Raise ``LinkRefusedError("revoked")`` when the customer's links made up to the moment of
    ``claim`` were revoked (or the customer is no longer in the ledger)."""
    known = conn.execute(select(customers.c.id).where(customers.c.id == claim.customer_id))
    if known.scalar() is None:
        raise LinkRefusedError("revoked")
    revoked = revoked_at(conn, claim.customer_id)
    # Timestamps of links are whole seconds: a link made in the second of a revocation is
    # refused with it.
    if revoked is not None and claim.issued <= revoked:
        raise LinkRefusedError("revoked")


def revoked_at(conn: Connection, customer_id: str) -> datetime | None:
    """Return when the links of ``customer_id`` were last revoked (None: never)."""
    r = portal_revocations.c
    found = conn.execute(select(r.revoked_at).where(r.customer_id == customer_id)).scalar()
    return None if found is None else as_utc(found)


def revoke_links(
    conn: Connection, customer_id: str, *, who: str, now: datetime | None = None
) -> datetime:
    """Return the moment from which the links ``customer_id`` was sent are revoked.

    Every link made up to that moment stops working; links made afterwards work. Revoking
    again moves the moment on. Raises ``LookupError`` for a customer not in the ledger.
    """
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    with _writing(conn):
        known = conn.execute(select(customers.c.id).where(customers.c.id == customer_id))
        if known.scalar() is None:
            raise LookupError(f"customer {customer_id} is not in the ledger")
        insert = _insert(conn, portal_revocations).values(
            customer_id=customer_id, revoked_at=moment, who=who
        )
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=["customer_id"], set_={"revoked_at": moment, "who": who}
            )
        )
    return moment


def portal_links_from_environment() -> PortalLinks | None:
    """Return the link maker of the environment's portal settings (None: no portal set up)."""
    settings = PortalSettings.from_environment()
    return None if settings is None else PortalLinks(settings)
