"""How often the payment portal answers one link and one address: a moving window per minute.

The portal has no sign-in, so its doors are guarded by counting: per link (its token's digest),
and per client address (as uvicorn sees it, which behind a proxy is the proxy's view of the
client with ``--proxy-headers``). Pages and PDFs have one budget, answers (form posts) a smaller
one. The counts live in the process (``limits``' memory storage): one ``dunning serve`` process
is the supported deployment; several processes each count their own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True, slots=True)
class PortalLimits:
    """The budgets, as ``limits`` strings (``60/minute``)."""

    reads_per_link: str = "60/minute"
    reads_per_address: str = "120/minute"
    answers_per_link: str = "10/minute"
    answers_per_address: str = "20/minute"


class PortalGuard:
    """Counts portal requests and says when one is over its budget."""

    def __init__(self, limits: PortalLimits = PortalLimits()) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._reads = (parse(limits.reads_per_link), parse(limits.reads_per_address))
        self._answers = (parse(limits.answers_per_link), parse(limits.answers_per_address))

    def admit(self, token: str, address: str, *, answer: bool) -> bool:
        """Return whether a request for ``token`` from ``address`` is within the budgets
        (and count it)."""
        per_link, per_address = self._answers if answer else self._reads
        kind = "answer" if answer else "read"
        # Counted under digests: the memory store holds no token or address as such.
        link_key = hashlib.sha256(token.encode()).hexdigest()[:32]
        address_key = hashlib.sha256(address.encode()).hexdigest()[:32]
        return self._hit(per_address, kind, "address", address_key) and self._hit(
            per_link, kind, "link", link_key
        )

    def _hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return bool(self._limiter.hit(item, *identifiers))
