"""The count of failed guesses: five within the window lock a subject until the window has
passed since the last failure; a success clears the count; subjects are independent."""

from __future__ import annotations

import pytest

from a2c_iam.identity import attempts
from a2c_iam.identity.attempts import AttemptLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_failures_lock_until_the_window_has_passed() -> None:
    clock = Clock()
    limits = AttemptLimiter(clock=clock)
    for _ in range(4):
        limits.failed("a")
        assert not limits.locked("a")
    limits.failed("a")
    assert limits.locked("a") and not limits.locked("b")
    clock.now += attempts.WINDOW - 1
    assert limits.locked("a")
    clock.now += 1
    assert not limits.locked("a")
    limits.failed("a")  # a fresh count after the window
    assert not limits.locked("a")


def test_failures_spread_wider_than_the_window_never_lock() -> None:
    clock = Clock()
    limits = AttemptLimiter(clock=clock)
    for _ in range(20):
        limits.failed("a")
        clock.now += attempts.WINDOW
    assert not limits.locked("a")


def test_a_success_clears_the_count() -> None:
    limits = AttemptLimiter(clock=Clock())
    for _ in range(4):
        limits.failed("a")
    limits.succeeded("a")
    for _ in range(4):
        limits.failed("a")
    assert not limits.locked("a")


def test_the_number_of_subjects_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attempts, "MAX_SUBJECTS", 3)
    limits = AttemptLimiter(max_failures=1, clock=Clock())
    for name in "abcd":
        limits.failed(name)
    assert not limits.locked("a")  # the oldest went first
    assert all(limits.locked(name) for name in "bcd")
