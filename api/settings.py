"""The service's settings: one typed object, built once by ``dunning serve`` (or a test)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from store.portal_links import PortalSettings

# The largest request body taken by default: an import of about ten thousand rows.
MAX_BODY_BYTES = 4 * 1024 * 1024
# The largest CSV file a streamed import takes by default (written to disk as it arrives).
MAX_IMPORT_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """Everything the app reads from outside: database, policy repository, timings.

    ``ref_check_seconds``: how often (at most) a request checks whether the policy ref moved.
    ``ledger_check_seconds``: how often (at most) a request asks the database whether the ledger
    changed behind the service's back (an import from the CLI); writes through the API are seen
    at once. ``token_cache_seconds``: how long a verified token is trusted without a lookup (a
    revoked token stops working at most this much later). ``policy_url``: the web address of a
    policy file's line in the policy repository, ``{commit}``, ``{file}`` and ``{line}`` filled in
    (``https://git.example/finance/policy/blob/{commit}/{file}#L{line}``); the pages link each
    setting to it. ``busy_seconds``: on SQLite, how long a write waits for another process's
    write (a ``dunning import``) before answering 503. ``max_body_bytes``: the largest request
    body the service reads (a larger one answers 413 unread); ``max_import_bytes`` the largest
    CSV file a streamed import (``POST /v1/ledger/{kind}.csv``) takes.
    """

    database_url: str
    repo: Path
    policy_ref: str = "main"
    ref_check_seconds: float = 5.0
    ledger_check_seconds: float = 2.0
    token_cache_seconds: float = 10.0
    policy_url: str | None = None
    busy_seconds: float = 10.0
    max_body_bytes: int = MAX_BODY_BYTES
    max_import_bytes: int = MAX_IMPORT_BYTES
    portal: PortalSettings | None = None
