"""Business days of the policy calendar: weekends, public holidays and the policy's own closed days.

Public holidays come from the ``holidays`` package, loaded a year at a time as dates need them.
The daily run asks about the same few hundred dates for hundreds of thousands of invoices, so every
answer is kept per day (or per day and count) and the second question costs a dictionary look-up.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays

from engine.model.policy import CalendarSpec

ROLL_RULES = ("none", "next_business_day", "previous_business_day")

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SATURDAY = 5
_ONE_DAY = timedelta(days=1)


def calendar_problem(spec: CalendarSpec) -> str | None:
    """Return what is wrong with the calendar's country or subdivision, in words, or None."""
    return _load(spec)[1]


def _load(spec: CalendarSpec) -> tuple[holidays.HolidayBase | None, str | None]:
    """Return the public holidays of ``spec`` (None without a country), or why there are none."""
    country, subdivision = spec.country, spec.subdivision
    if country is None:
        if subdivision is not None:
            return None, (
                f"calendar subdivision '{subdivision}' needs a calendar country: "
                f"add `country` (for example GB) or remove `subdivision`"
            )
        return None, None
    codes = holidays.list_supported_countries(include_aliases=False)
    if country not in codes:
        return None, _unknown_country(country, codes)
    if subdivision is not None and subdivision not in codes[country]:
        return None, _unknown_subdivision(country, subdivision, codes[country])
    public = holidays.country_holidays(country, subdiv=subdivision)
    english = _english(public)
    if english is not None:
        public = holidays.country_holidays(country, subdiv=subdivision, language=english)
    return public, None


def _unknown_country(country: str, codes: dict[str, list[str]]) -> str:
    message = f"calendar country '{country}' has no public holidays in the `holidays` package"
    meant: str | None
    try:
        meant = holidays.country_holidays(country).country
    except NotImplementedError:
        meant = country.upper() if country.upper() in codes else None
    if meant is not None and meant in codes:
        return f"{message}: write its ISO 3166-1 alpha-2 code '{meant}'"
    return f"{message}: use an ISO 3166-1 alpha-2 code such as GB, DE, FR or US"


def _unknown_subdivision(country: str, subdivision: str, known: list[str]) -> str:
    if not known:
        return (
            f"calendar subdivision '{subdivision}': the `holidays` package has no subdivisions "
            f"for {country}; remove `subdivision`"
        )
    public = holidays.country_holidays(country)
    aliases: dict[str, str] = getattr(public, "subdivisions_aliases", {})
    meant = aliases.get(subdivision, subdivision.upper())
    if meant in known:
        return f"calendar subdivision '{subdivision}' of {country}: write its code '{meant}'"
    return (
        f"calendar subdivision '{subdivision}' is not a subdivision of {country} known to the "
        f"`holidays` package; use one of {', '.join(sorted(known))}"
    )


def _english(public: holidays.HolidayBase) -> str | None:
    """Return the English variant to ask for when the country's holiday names default to another."""
    default = public.default_language or ""
    if default.startswith("en"):
        return None
    languages = public.supported_languages
    for preferred in ("en_GB", "en_US"):
        if preferred in languages:
            return preferred
    return next((lang for lang in languages if lang.startswith("en")), None)


class BusinessCalendar:
    """The days a policy's business is open: not a weekend, a public holiday or a closed day."""

    __slots__ = ("_after", "_before", "_closed", "_open", "_public", "_reasons", "_shifted", "spec")

    def __init__(self, spec: CalendarSpec) -> None:
        public, problem = _load(spec)
        if problem is not None:
            raise ValueError(problem)
        self.spec = spec
        self._public = public
        self._closed = spec.closed
        self._reasons: dict[date, str | None] = {}
        self._open: dict[date, bool] = {}
        self._shifted: dict[tuple[date, int], date] = {}
        self._after: dict[date, date] = {}
        self._before: dict[date, date] = {}

    def closed_reason(self, day: date) -> str | None:
        """Return why ``day`` is closed ("Saturday", "Christmas Day (public holiday)"), or None."""
        try:
            return self._reasons[day]
        except KeyError:
            pass
        reason: str | None = None
        name = self._public.get(day) if self._public is not None else None
        if name:
            # "Boxing Day (observed)" reads better as "Boxing Day (observed, public holiday)".
            if name.endswith(")"):
                reason = f"{name[:-1]}, public holiday)"
            else:
                reason = f"{name} (public holiday)"
        elif day in self._closed:
            reason = "closed (policy calendar)"
        elif day.weekday() >= _SATURDAY:
            reason = _WEEKDAYS[day.weekday()]
        self._reasons[day] = reason
        return reason

    def is_business_day(self, day: date) -> bool:
        """Return whether ``day`` is open for business."""
        try:
            return self._open[day]
        except KeyError:
            is_open = self.closed_reason(day) is None
            self._open[day] = is_open
            return is_open

    def add_business_days(self, day: date, n: int) -> date:
        """Return the n-th business day after ``day`` (before it if n < 0; ``day`` if n == 0)."""
        key = (day, n)
        try:
            return self._shifted[key]
        except KeyError:
            pass
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        current, remaining = day, abs(n)
        while remaining:
            current += step
            if self.is_business_day(current):
                remaining -= 1
        self._shifted[key] = current
        return current

    def next_business_day(self, day: date) -> date:
        """Return ``day`` when it is open, else the first open day after it."""
        try:
            return self._after[day]
        except KeyError:
            pass
        current = day
        while not self.is_business_day(current):
            current += _ONE_DAY
        self._after[day] = current
        return current

    def previous_business_day(self, day: date) -> date:
        """Return ``day`` when it is open, else the last open day before it."""
        try:
            return self._before[day]
        except KeyError:
            pass
        current = day
        while not self.is_business_day(current):
            current -= _ONE_DAY
        self._before[day] = current
        return current

    def roll(self, day: date, rule: str) -> date:
        """Return ``day`` moved off a closed day by ``rule`` (one of ``ROLL_RULES``)."""
        if rule == "next_business_day":
            return self.next_business_day(day)
        if rule == "previous_business_day":
            return self.previous_business_day(day)
        if rule == "none":
            return day
        raise ValueError(f"unknown roll rule {rule!r}: use one of {', '.join(ROLL_RULES)}")
