"""The ``a2c-iam simulate`` input contract (DESIGN.md, "Contracts"): JSON in, objects out.

Every defect of the input raises ``SimulateInputError`` naming the element at fault; nothing else
escapes, so the command can exit 2 with that message.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from .errors import PolicyError, PolicyValidationError
from .evaluate import CompiledPolicySet
from .model import Policy
from .parse import parse_policy
from .principals import with_principal_keys
from .request import ContextValue, PolicySet, Request

KNOWN_KEYS = frozenset(
    {"request", "identity_policies", "resource_policy", "permission_boundary", "session_policy",
     "service_control_policies", "resource_control_policies", "vpc_endpoint_policy"}
)


class SimulateInputError(PolicyError):
    """A simulation input that does not follow the contract."""


def _policy(value: Any, where: str) -> Policy:
    if not isinstance(value, (dict, str)):
        raise SimulateInputError(f"{where}: must be a policy document (a JSON object)")
    try:
        return parse_policy(value, validate=False)
    except PolicyValidationError as exc:
        raise SimulateInputError(f"{where}: {exc}") from exc


def _optional_policy(data: Mapping[str, Any], key: str) -> Policy | None:
    if data.get(key) is None:
        return None
    return _policy(data[key], key)


def _levels(data: Mapping[str, Any], key: str) -> tuple[tuple[Policy, ...], ...] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise SimulateInputError(f"{key}: must be a list of organisation levels")
    levels = []
    for i, level in enumerate(value):
        if not isinstance(level, list):
            raise SimulateInputError(f"{key}[{i}]: must be a list of policies")
        levels.append(tuple(_policy(p, f"{key}[{i}][{j}]") for j, p in enumerate(level)))
    return tuple(levels)


def _context(value: Any) -> dict[str, ContextValue]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SimulateInputError("request.context: must be an object")
    out: dict[str, ContextValue] = {}
    for key, v in value.items():
        ok = isinstance(v, (str, bool, int, float)) or (
            isinstance(v, list) and all(isinstance(x, str) for x in v)
        )
        if not ok:
            raise SimulateInputError(
                f"request.context.{key}: must be a string, a list of strings, a boolean or a number"
            )
        out[key] = v
    return out


def parse_request(data: Any) -> Request:
    if not isinstance(data, dict):
        raise SimulateInputError("request: must be an object")
    fields = {}
    for key in ("principal", "action", "resource"):
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise SimulateInputError(f"request.{key}: required, a non-empty string")
        fields[key] = value
    account = data.get("resource_account")
    if account is not None and not isinstance(account, str):
        raise SimulateInputError("request.resource_account: must be a string")
    given = _context(data.get("context"))
    return Request(fields["principal"], fields["action"], fields["resource"],
                   with_principal_keys(fields["principal"], given), account)




def parse_policy_set(data: Mapping[str, Any]) -> PolicySet:
    identity = data.get("identity_policies")
    if not isinstance(identity, list):
        raise SimulateInputError("identity_policies: required, a list of policy documents")
    return PolicySet(
        identity_policies=tuple(
            _policy(p, f"identity_policies[{i}]") for i, p in enumerate(identity)
        ),
        resource_policy=_optional_policy(data, "resource_policy"),
        permission_boundary=_optional_policy(data, "permission_boundary"),
        session_policy=_optional_policy(data, "session_policy"),
        service_control_policies=_levels(data, "service_control_policies"),
        resource_control_policies=_levels(data, "resource_control_policies"),
        vpc_endpoint_policy=_optional_policy(data, "vpc_endpoint_policy"),
    )


def load_input(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError as exc:
        # Valid JSON can be nested deeper than the parser recurses; say so rather than blame it.
        raise SimulateInputError("the JSON is nested too deeply to read") from exc
    except ValueError as exc:
        raise SimulateInputError(f"not valid JSON: {exc}") from exc


def parse_input(data: Any) -> tuple[Request, PolicySet]:
    if not isinstance(data, dict):
        raise SimulateInputError("the input must be a JSON object")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise SimulateInputError(f"unknown element {unknown[0]!r}")
    if "request" not in data:
        raise SimulateInputError("request: required")
    return parse_request(data["request"]), parse_policy_set(data)


class Simulator:
    """Evaluates simulation inputs, compiling each distinct policy set once (an LRU of them)."""

    def __init__(self, cache_size: int = 64) -> None:
        self._cache: OrderedDict[str, CompiledPolicySet] = OrderedDict()
        self._size = cache_size

    def run(self, data: Any) -> dict[str, Any]:
        """The decision for one input object, as the JSON object of the contract."""
        if not isinstance(data, dict):
            raise SimulateInputError("the input must be a JSON object")
        try:
            key = json.dumps({k: v for k, v in data.items() if k != "request"}, sort_keys=True)
        except (ValueError, RecursionError) as exc:
            raise SimulateInputError("the input is nested too deeply") from exc
        compiled = self._cache.get(key)
        if compiled is None:
            request, policy_set = parse_input(data)
            compiled = CompiledPolicySet(policy_set)
            self._cache[key] = compiled
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        else:
            # Same policies as an input already accepted: only the request is new.
            self._cache.move_to_end(key)
            if "request" not in data:
                raise SimulateInputError("request: required")
            request = parse_request(data["request"])
        return compiled.authorize(request).as_json()
