"""Failed guesses of a secret, counted so that they cannot go on without limit.

An MFA code has a million values and a check takes microseconds: unthrottled, a caller holding
stolen long-term keys finds a valid code within minutes and gets a session that policies treat as
MFA-authenticated. Current passwords (``ChangePassword``'s ``OldPassword``) are slower to try
(scrypt) but no less guessable. So every failed check of a subject (an MFA device's serial, a
user's id) is counted, and after ``MAX_FAILURES`` within ``WINDOW`` seconds the subject is
refused — with the answer a wrong guess gets, so the lock tells an attacker nothing — until the
window has passed since the last failure. A success clears the count.

The counts live in the server process, not in the database: the transaction that checks a code
rolls back when the code is wrong, and a count kept in it would roll back with it. Several
servers sharing one database each keep their own counts, which multiplies the rate an attacker
gets by the number of servers and still keeps it finite. Counts are kept for at most
``MAX_SUBJECTS`` subjects (the oldest are dropped first).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW = 300.0
MAX_SUBJECTS = 100_000


class AttemptLimiter:
    """Per-subject failure counts with a lock-out; thread-safe."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def locked(self, subject: str) -> bool:
        """Whether ``subject`` has failed too often, too recently, to be checked at all."""
        with self._lock:
            found = self._failures.get(subject)
            if found is None:
                return False
            count, last = found
            if self._clock() - last >= self.window:
                del self._failures[subject]
                return False
            return count >= self.max_failures

    def failed(self, subject: str) -> None:
        with self._lock:
            count, last = self._failures.pop(subject, (0, 0.0))
            now = self._clock()
            if now - last >= self.window:
                count = 0
            self._failures[subject] = (count + 1, now)
            while len(self._failures) > MAX_SUBJECTS:
                self._failures.popitem(last=False)

    def succeeded(self, subject: str) -> None:
        with self._lock:
            self._failures.pop(subject, None)
