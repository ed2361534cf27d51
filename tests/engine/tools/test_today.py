"""Today in the policy's time zone (engine/tools/today.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from engine.tools.today import today_in


def test_today_is_the_date_in_the_policys_time_zone() -> None:
    """Kiritimati (UTC+14) and Pago Pago (UTC-11) are 25 hours apart: never the same date."""
    ahead, behind = today_in("Pacific/Kiritimati"), today_in("Pacific/Pago_Pago")
    assert ahead - behind in (timedelta(days=1), timedelta(days=2))
    before = datetime.now(ZoneInfo("Europe/London")).date()
    today = today_in("Europe/London")
    after = datetime.now(ZoneInfo("Europe/London")).date()
    assert before <= today <= after
