"""What is wrong with text written YYYY-MM-DD that names no real day, in words that say what to
write instead: one wording for the policy files (Y004, S004) and the ledger (L005)."""

from __future__ import annotations

import calendar
import datetime


def impossible_date(text: str) -> tuple[str, datetime.date]:
    """Return what is wrong with ``YYYY-MM-DD`` text that is no real date, with what to write
    instead, and the nearest real date (for a day past the month's end, its last day)."""
    year, month, day = (int(part) for part in text.split("-"))
    if year == 0:
        near = datetime.date(1, min(max(month, 1), 12), 1)
        return "there is no year 0000: write the year in four digits, e.g. 2027", near
    if not 1 <= month <= 12:
        if 1 <= day <= 12 and 1 <= month <= 31:
            # Day and month swapped (YYYY-DD-MM): the month comes first.
            near = datetime.date(year, day, min(month, calendar.monthrange(year, day)[1]))
            return (
                f"there is no month {month:02d}; dates are YYYY-MM-DD, month first: "
                f"write {near.isoformat()} if that is the day meant",
                near,
            )
        near = datetime.date(year, min(max(month, 1), 12), 1)
        return f"there is no month {month:02d}: months run from 01 to 12", near
    last = calendar.monthrange(year, month)[1]
    near = datetime.date(year, month, min(max(day, 1), last))
    if day == 0:
        return f"there is no day 00: days run from 01; write {near.isoformat()} for the first", near
    return (
        f"{calendar.month_name[month]} {year} has {last} days; write {near.isoformat()} for its "
        "last day, or another real date",
        near,
    )
