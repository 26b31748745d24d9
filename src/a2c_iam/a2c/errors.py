"""The errors of the App2Container kit.

Exception tree::

    A2CError
    ├── ChoiceError        a choice profile the kit cannot use (bad account, region, bucket, …)
    ├── CommandError       an ``app2container`` command that is unknown, or not applicable to
    │                      the choices (``remote inventory`` without remote workflows)
    └── SectionDataError   the kit's own section data disagrees with the action catalog: a bug
                           in ``sections.py``, never the user's fault

The CLI turns every ``A2CError`` into a one-line message and exit status 2; nothing here prints.
"""

from __future__ import annotations


class A2CError(Exception):
    """Root of every error the App2Container kit raises."""


class ChoiceError(A2CError):
    """An invalid choice; ``field`` names the choice (``account``, ``bucket``, …)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CommandError(A2CError):
    """An ``app2container`` command the map does not hold for these choices."""


class SectionDataError(A2CError):
    """The section data names an action or a resource type the catalog does not know."""
