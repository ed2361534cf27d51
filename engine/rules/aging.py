"""Rule "aging": how old an open invoice is and which aging bucket it falls in.

The buckets come from the policy (``reports.aging`` in policy.yaml): ``buckets: [30, 60, 90]``
gives ``current`` (not yet due), ``1-30``, ``31-60``, ``61-90`` and ``over-90`` days past the due
date, the Credit Research Foundation's aging "on the due date". With ``by: invoice_date`` the age
is counted from the invoice date instead, and the buckets are ``0-30``, ``31-60``… (the common
alternative of accounting packages). The customer page and every report age invoices here
(docs/rules/reports.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from engine.model.policy import ReportSettings

# The age of an invoice: days past its due date (negative before it), or days since issue.
BY_DUE_DATE = "due_date"
BY_INVOICE_DATE = "invoice_date"
# What "current receivables" means (best possible DSO, CEI).
CURRENT_NOT_YET_DUE = "not_yet_due"
CURRENT_FIRST_BUCKET = "first_bucket"


@dataclass(frozen=True, slots=True)
class BucketSpec:
    """One aging bucket: its name (``31-60``), its label for people (``31–60 days``) and the
    ages it holds, ``first`` to ``last`` inclusive (``last`` None: no upper end)."""

    name: str
    label: str
    first: int | None  # None: any age up to ``last`` (the "current" bucket)
    last: int | None


@dataclass(frozen=True, slots=True)
class AgingScheme:
    """The policy's aging buckets and what it counts an invoice's age from."""

    buckets: tuple[BucketSpec, ...]
    by: str
    current: str

    def age(self, issued: date, days_overdue: int, as_of: date) -> int:
        """Return an open invoice's age on ``as_of``: days overdue, or days since its issue."""
        return days_overdue if self.by == BY_DUE_DATE else (as_of - issued).days

    def bucket_index(self, age: int) -> int:
        """Return the position of the bucket holding invoices of ``age``."""
        for index, bucket in enumerate(self.buckets):
            if bucket.last is None or age <= bucket.last:
                return index
        return len(self.buckets) - 1  # unreachable: the last bucket has no upper end

    def is_current(self, days_overdue: int, bucket_index: int) -> bool:
        """Return whether an open invoice counts as "current" (best possible DSO, CEI)."""
        if days_overdue <= 0:
            return True
        return self.current == CURRENT_FIRST_BUCKET and bucket_index <= self._first_bucket()

    def _first_bucket(self) -> int:
        # The first bucket past "current" (due date), or the first bucket (invoice date).
        return 1 if self.by == BY_DUE_DATE else 0

    def describe(self) -> str:
        """Return the definition in words, printed beside the figures."""
        basis = (
            "days past the due date (Credit Research Foundation)"
            if self.by == BY_DUE_DATE
            else "days since the invoice date"
        )
        names = ", ".join(bucket.label for bucket in self.buckets)
        return f"aged by {basis}: {names}; current means {self.current_words()}"

    def sentence(self) -> str:
        """Return the definition as a sentence, as the reports print it."""
        text = self.describe()
        return text[0].upper() + text[1:] + "."

    def current_words(self) -> str:
        """Return what "current receivables" means, in words."""
        if self.current == CURRENT_NOT_YET_DUE:
            return "not yet due"
        return f"not yet due or in the {self.buckets[self._first_bucket()].label} days bucket"


@lru_cache(maxsize=16)
def aging_scheme(settings: ReportSettings) -> AgingScheme:
    """Return the aging buckets the policy's report settings define (bounds in any order)."""
    bounds = sorted(settings.aging_buckets)
    buckets: list[BucketSpec] = []
    start = 1
    if settings.aging_by == BY_DUE_DATE:
        buckets.append(BucketSpec("current", "Not due", None, 0))
    else:
        start = 0
    for last in bounds:
        buckets.append(BucketSpec(f"{start}-{last}", f"{start}–{last}", start, last))
        start = last + 1
    buckets.append(BucketSpec(f"over-{bounds[-1]}", f"Over {bounds[-1]}", start, None))
    if settings.aging_by != BY_DUE_DATE:
        first = buckets[0]
        buckets[0] = BucketSpec(first.name, first.label, None, first.last)
    return AgingScheme(tuple(buckets), settings.aging_by, settings.current)
