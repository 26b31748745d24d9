"""Dates in policies: which texts IAM reads as a date, and the moment each one names.

IAM reads the values of the ``Date…`` condition operators when it stores a document (a value it
cannot read fails "legacy parsing") and again when it compares them with the request. A value of
digits only is seconds since the epoch (at most ``2**63 - 1``); anything else must be an ISO 8601
date-time in the forms of this grammar (the one of IAM's observed behaviour: the year range
-292275054 to 292278993, one-digit hours, a bare trailing ``T`` and a lower-case ``t`` are
accepted, a one-digit offset hour or a ten-digit fraction is not)::

    value        = epoch | date ["T" [time] [offset]] | "T" time [offset]
    epoch        = digit+
    date         = year ["-" month ["-" day]] | year "-" ordinal | year "-W" week ["-" weekday]
    year         = ["-"] digit{1,9}
    time         = hour [":" minute [":" second]] [("." | ",") digit{1,9}]
    offset       = "Z" | ("+" | "-") hh [[":"] mm [[":"] ss ["." digit{1,3}]]]

Each field must be in its range (month 1-12, a day that exists in its month, hour 0-23, …). The
letters ``T`` and ``Z`` may be in either case. Without an offset a time is UTC; a missing time
is midnight; a time without a date is on 1970-01-01. A fraction belongs to the last field given
(``T10.5`` is half past ten).
"""

from __future__ import annotations

import re
from typing import Any

MIN_YEAR, MAX_YEAR = -292275054, 292278993
MAX_EPOCH = 2**63 - 1

_EPOCH = re.compile(r"\d+")
_DATE_TIME = re.compile(
    r"(?:(?P<year>-?\d{1,9})"
    r"(?:-(?:[Ww](?P<week>\d{1,2})(?:-(?P<weekday>\d))?|(?P<ordinal>\d{3})"
    r"|(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?))?"
    r"(?:[Tt](?P<time>[^Tt]*))?"
    r"|[Tt](?P<time_only>[^Tt]+))"
)
_TIME = re.compile(
    r"(?:(?P<hour>\d{1,2})(?::(?P<minute>\d{1,2})(?::(?P<second>\d{1,2}))?)?"
    r"(?:[.,](?P<fraction>\d{1,9}))?)?"
    r"(?:(?P<zulu>[Zz])|(?P<sign>[+-])(?P<oh>\d{2})(?::?(?P<om>\d{2})(?::?(?P<os>\d{2})"
    r"(?:\.\d{1,3})?)?)?)?"
)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if _leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a date of the proleptic Gregorian calendar (any year)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _iso_weekday(days: int) -> int:
    """1 (Monday) to 7 (Sunday) for a day counted from 1970-01-01, a Thursday."""
    return (days + 3) % 7 + 1


def _weeks_in_year(year: int) -> int:
    jan1 = _iso_weekday(_days_from_civil(year, 1, 1))
    return 53 if jan1 == 4 or (jan1 == 3 and _leap(year)) else 52


def _date_days(m: re.Match[str]) -> int | None:
    """Days since the epoch of the date part of a match, or None when a field is out of range."""
    if m.group("year") is None:
        return 0
    year = int(m.group("year"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if m.group("week") is not None:
        week, weekday = int(m.group("week")), int(m.group("weekday") or 1)
        if not (1 <= week <= _weeks_in_year(year) and 1 <= weekday <= 7):
            return None
        jan4 = _days_from_civil(year, 1, 4)
        return jan4 - (_iso_weekday(jan4) - 1) + (week - 1) * 7 + weekday - 1
    if m.group("ordinal") is not None:
        ordinal = int(m.group("ordinal"))
        if not 1 <= ordinal <= (366 if _leap(year) else 365):
            return None
        return _days_from_civil(year, 1, 1) + ordinal - 1
    month, day = int(m.group("month") or 1), int(m.group("day") or 1)
    if not (1 <= month <= 12 and 1 <= day <= _month_days(year, month)):
        return None
    return _days_from_civil(year, month, day)


def _time_seconds(text: str) -> float | None:
    """Seconds after midnight UTC of a time with its offset, or None when it is malformed."""
    t = _TIME.fullmatch(text)
    if t is None:
        return None
    hour, minute, second = (int(t.group(k) or 0) for k in ("hour", "minute", "second"))
    if hour > 23 or minute > 59 or second > 59:
        return None
    seconds = float(hour * 3600 + minute * 60 + second)
    fraction = t.group("fraction")
    if fraction is not None:
        unit = 1 if t.group("second") else 60 if t.group("minute") else 3600
        seconds += int(fraction) / 10 ** len(fraction) * unit
    if t.group("sign") is not None:
        oh, om, os_ = (int(t.group(k) or 0) for k in ("oh", "om", "os"))
        if oh > 23 or om > 59 or os_ > 59:
            return None
        offset = oh * 3600 + om * 60 + os_
        seconds -= offset if t.group("sign") == "+" else -offset
    return seconds


def parse_date(value: Any) -> float | None:
    """Seconds since the epoch of a policy or request date, or None when IAM cannot read it.

    A JSON number is taken as epoch seconds; a boolean or any other type is not a date.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        return None
    if _EPOCH.fullmatch(value):
        epoch = int(value)
        return float(epoch) if epoch <= MAX_EPOCH else None
    m = _DATE_TIME.fullmatch(value)
    if m is None:
        return None
    days = _date_days(m)
    if days is None:
        return None
    time = m.group("time") if m.group("time") is not None else m.group("time_only")
    seconds = 0.0 if time is None else _time_seconds(time)
    if seconds is None:
        return None
    return days * 86400.0 + seconds
