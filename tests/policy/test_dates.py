"""The dates of Date conditions: which texts are dates, and the moment each one names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from a2c_iam.policy.dates import parse_date


def _at(*fields: int, tz: timezone = UTC) -> float:
    return datetime(*fields, tzinfo=tz).timestamp()  # type: ignore[misc]


@pytest.mark.parametrize("text, moment", [
    ("2020-06-30T09:30:00Z", _at(2020, 6, 30, 9, 30)),
    ("2020-06-30t09:30:00z", _at(2020, 6, 30, 9, 30)),
    ("2020-06-30T09:30:00.25Z", _at(2020, 6, 30, 9, 30) + 0.25),
    ("2020-06-30T09:30:00,5Z", _at(2020, 6, 30, 9, 30) + 0.5),
    ("2020-06-30T09:30:00+02:00", _at(2020, 6, 30, 9, 30, tz=timezone(timedelta(hours=2)))),
    ("2020-06-30T09:30:00-0530", _at(2020, 6, 30, 9, 30, tz=timezone(-timedelta(hours=5, minutes=30)))),
    ("2020-06-30T9:30+02", _at(2020, 6, 30, 7, 30)),
    ("2020-06-30T09.5", _at(2020, 6, 30, 9, 30)),
    ("2020-06-30", _at(2020, 6, 30)),
    ("2020-06", _at(2020, 6, 1)),
    ("2020-6-3", _at(2020, 6, 3)),
    ("2020T", _at(2020, 1, 1)),
    ("2020-183", _at(2020, 7, 1)),
    ("2020-W01-1", _at(2019, 12, 30)),
    ("2020-W53-7", _at(2021, 1, 3)),
    ("T10:00Z", 36000.0),
    ("1563278400", 1563278400.0),
    (1563278400, 1563278400.0),
    ("-1-01-01", _at(1, 1, 1) - (366 + 365) * 86400),  # year 0 is a leap year
])
def test_dates_and_their_moments(text: str | int, moment: float) -> None:
    assert parse_date(text) == pytest.approx(moment)


@pytest.mark.parametrize("text", [
    "", "T", "yesterday", "2020-13-01", "2020-02-30", "2021-02-29", "2020-06-30T24:00:00Z",
    "2020-06-30T09:60", "2020-06-30T09:30:60", "2020-06-30T09:30:00+2", "2020-06-30T09:30:00+24",
    "2020-06-30T09:30:00.1234567890Z", "2020-06-30Z", " 2020-06-30", "2020-06-30 09:30:00",
    "2021-366", "2020-W54", "2021-W53-8", "292278994-01-01", "9223372036854775808", "1.5",
    "31/12/2020", "${aws:CurrentTime}", True, None, ["2020"],
])
def test_not_dates(text: object) -> None:
    assert parse_date(text) is None


def test_year_range_and_epoch_limit() -> None:
    assert parse_date("-292275054") is not None and parse_date("-292275055") is None
    assert parse_date("292278993-12-31") is not None
    assert parse_date("9223372036854775807") == float(2**63 - 1)
