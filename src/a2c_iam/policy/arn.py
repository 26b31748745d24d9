"""Amazon Resource Names.

``arn:partition:service:region:account-id:resource`` where the resource part may itself hold
colons. Parsing never raises: callers decide what a malformed ARN means for them.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)


@dataclass(frozen=True, slots=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """The part of the resource before the first ``/`` or ``:`` (``user``, ``role``, …)."""
        for i, ch in enumerate(self.resource):
            if ch in "/:":
                return self.resource[:i]
        return self.resource

    @property
    def resource_name(self) -> str:
        """The last path element of the resource (a user's, role's or group's name)."""
        cut = max(self.resource.rfind("/"), -1)
        return self.resource[cut + 1 :] if cut >= 0 else self.resource


def parse_arn(text: str) -> Arn | None:
    """The ARN in ``text``, or None when it does not have the six parts of an ARN."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def account_of(text: str) -> str | None:
    """The account id in an ARN, or None when the text is not an ARN or names no account."""
    arn = parse_arn(text)
    if arn is None or not arn.account:
        return None
    return arn.account
