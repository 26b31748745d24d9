"""Errors as they go on the wire: an AWS error code, a message, an HTTP status, a fault side.

Every failure that leaves the API layer is one ``ApiError``; the app serialises it once, as
``<ErrorResponse>``. Lower layers raise their own errors, which are converted at one boundary.
"""

from __future__ import annotations


class ApiError(Exception):
    """An error response: ``code`` and ``status`` as botocore's service model gives them."""

    def __init__(self, code: str, message: str, status: int = 400, sender: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def validation_error(messages: list[str]) -> ApiError:
    """IAM's ``ValidationError`` for constraint failures, in its own wording."""
    count = len(messages)
    noun = "error" if count == 1 else "errors"
    return ApiError("ValidationError", f"{count} validation {noun} detected: " + "; ".join(messages))


def not_implemented(operation: str) -> ApiError:
    return ApiError("NotImplemented", f"The operation {operation} is not implemented by this server.",
                    status=501, sender=False)
