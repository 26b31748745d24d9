"""The errors of the audit layer: one root, so the CLI can turn any of them into exit status 2."""

from __future__ import annotations


class AuditError(Exception):
    """Root of every error the audit raises."""


class AuditInputError(AuditError):
    """An input the audit cannot use: not a GetAccountAuthorizationDetails document, a malformed
    credential report, an endpoint that refused a call (``code`` is AWS's error code then)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message
