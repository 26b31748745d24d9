"""IAM's policy simulator, backed by the engine: Simulate*Policy and GetContextKeysFor*Policy.

``SimulatePrincipalPolicy`` takes the policies of a stored user (with its groups'), group or role,
plus any policies given in the request; ``SimulateCustomPolicy`` only the given ones. Each
(action, resource) pair is one ``EvaluationResult`` with IAM's words (``allowed``,
``explicitDeny``, ``implicitDeny``), the statements that decided it — each located in its
document by line and column, as IAM reports it — the condition keys the deciding statements
needed and the request did not give (``MissingContextValues``), and whether the permissions
boundary allowed it.

Like IAM's simulator, nothing outside the request is assumed: context keys come only from
``ContextEntries``, and without a ``ResourcePolicy`` only identity policies (and the boundary)
are evaluated, whatever account the resource is in.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, overload

from sqlalchemy import select

from a2c_iam.policy import (
    Decision,
    Policy,
    PolicyKind,
    PolicySet,
    PolicyValidationError,
    Request,
    Statement,
    compile_policy_set,
    parse_policy,
)
from a2c_iam.policy.evaluate import CompiledStatement
from a2c_iam.policy.positions import PositionIndex, index_positions
from a2c_iam.store import schema as s

from . import ids
from .errors import InvalidInput, NoSuchEntity
from .principal import (
    SourcePolicy,
    boundary_source,
    group_sources,
    role_sources,
    user_sources,
)
from .tx import Tx, paginate

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL_VARIABLES = frozenset({"*", "?", "$"})
#: The principal a simulation runs as when the request names none (it only matters to a
#: resource policy's ``Principal`` and to policy variables).
SIMULATED_USER = "SimulatedUser"


# -- inputs ---------------------------------------------------------------------------------------


def _parse_input(text: Any, where: str, kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    if not isinstance(text, str):
        raise InvalidInput(f"{where} must be a policy document.")
    try:
        # IAM's simulator accepts what parses: the documents are evaluated, never stored.
        return parse_policy(text, kind, validate=False)
    except PolicyValidationError as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None


def _inputs(texts: Sequence[str] | None, name: str) -> list[SourcePolicy]:
    out = []
    for i, text in enumerate(texts or (), start=1):
        label = f"{name}.{i}"
        out.append(SourcePolicy(label, "none", label, text, _parse_input(text, label)))
    return out


def context_from_entries(entries: Sequence[Mapping[str, Any]] | None) -> dict[str, Any]:
    """``ContextEntries`` as an engine context: list types stay lists, others one value."""
    ctx: dict[str, Any] = {}
    for entry in entries or ():
        name = entry.get("ContextKeyName")
        if not name:
            raise InvalidInput("A context entry must name its key (ContextKeyName).")
        values = [str(v) for v in entry.get("ContextKeyValues") or ()]
        kind = str(entry.get("ContextKeyType") or "string")
        if kind.endswith("List") or len(values) != 1:
            ctx[str(name)] = values
        else:
            ctx[str(name)] = values[0]
    return ctx


def _account_of(owner: str | None) -> str | None:
    if owner is None:
        return None
    if re.fullmatch(r"\d{12}", owner):
        return owner
    parts = owner.split(":")
    return parts[4] if len(parts) > 4 and re.fullmatch(r"\d{12}", parts[4]) else None


# -- the entity of SimulatePrincipalPolicy -----------------------------------------------------------


def _entity(tx: Tx, arn: str) -> tuple[str, list[SourcePolicy], SourcePolicy | None]:
    """The source entity's kind, identity policies and boundary."""
    parsed = ids.parse_arn(arn)
    if parsed is None or parsed.kind not in ("user", "group", "role"):
        raise InvalidInput(f"Invalid ARN: {arn} is not the ARN of a user, group or role.")
    table = {"user": s.users, "group": s.groups, "role": s.roles}[parsed.kind]
    row = tx.conn.execute(select(table).where(
        table.c.account_id == parsed.account, table.c.name_lower == parsed.name.lower())).first()
    if row is None or row.path != parsed.path or parsed.account != tx.account_id:
        raise NoSuchEntity(f"The {parsed.kind} with name {parsed.name} cannot be found.")
    if parsed.kind == "user":
        return "user", user_sources(tx.conn, row.id, row.name), boundary_source(
            tx.conn, row.boundary_policy_id)
    if parsed.kind == "group":
        return "group", group_sources(tx.conn, row.id, row.name), None
    return "role", role_sources(tx.conn, row.id, row.name), boundary_source(
        tx.conn, row.boundary_policy_id)


# -- statements and where they are ----------------------------------------------------------------


def _statement_end(text: str, start: int) -> int:
    """The offset just past the JSON object (or value) that starts at ``start``."""
    if start >= len(text) or text[start] not in "{[":
        return start + 1
    depth, i, in_string = 0, start, False
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


class _Located:
    """Statements of the simulated policies, by (engine label, statement index)."""

    def __init__(self) -> None:
        self._sources: dict[str, SourcePolicy] = {}
        self._indexes: dict[str, PositionIndex] = {}
        #: merged label → statement index → (source, statement path in its own document)
        self._merged: dict[str, dict[int, tuple[SourcePolicy, str]]] = {}

    def add(self, label: str, source: SourcePolicy) -> None:
        self._sources[label] = source

    def merge(self, label: str, sources: Sequence[SourcePolicy]) -> Policy | None:
        """Several policies as one (boundary inputs), remembering where each statement is."""
        if not sources:
            return None
        if len(sources) == 1:
            self.add(label, sources[0])
            return sources[0].policy
        statements: list[Statement] = []
        where: dict[int, tuple[SourcePolicy, str]] = {}
        for source in sources:
            for st in source.policy.statements:
                where[len(statements)] = (source, st.path)
                statements.append(dataclasses.replace(st, index=len(statements)))
        self._merged[label] = where
        version = "2012-10-17" if all(p.policy.supports_variables for p in sources) else None
        return Policy(version=version, id=None, statements=tuple(statements))

    def _position(self, source: SourcePolicy, path: str) -> dict[str, Any]:
        index = self._indexes.get(source.label)
        if index is None:
            index = self._indexes[source.label] = index_positions(source.text)
        start = index.offsets.get(path)
        out: dict[str, Any] = {"SourcePolicyId": source.source_id}
        if source.source_type != "none":
            out["SourcePolicyType"] = source.source_type
        if start is None:
            return out
        line, column = index.line_column(start)
        end_line, end_column = index.line_column(_statement_end(source.text, start))
        out["StartPosition"] = {"Line": line, "Column": column}
        out["EndPosition"] = {"Line": end_line, "Column": end_column}
        return out

    def matched(self, decision: Decision) -> list[dict[str, Any]]:
        out = []
        for ref in decision.statements:
            merged = self._merged.get(ref.policy)
            if merged is not None and ref.index in merged:
                source, path = merged[ref.index]
            else:
                found = self._sources.get(ref.policy)
                if found is None:
                    continue
                source = found
                path = source.policy.statements[ref.index].path
            out.append(self._position(source, path))
        return out


# -- context keys ---------------------------------------------------------------------------------


def _variables(text: str) -> list[str]:
    out = []
    for m in _VARIABLE.finditer(text):
        inner = m.group(1)
        if inner in _SPECIAL_VARIABLES:
            continue
        out.append(inner.split(",", 1)[0].strip())
    return out


def _statement_keys(policy: Policy, st: Statement) -> list[str]:
    keys = [c.key for c in st.conditions]
    if policy.supports_variables:
        for text in (*(st.resource or ()), *(st.not_resource or ())):
            keys.extend(_variables(text))
        for c in st.conditions:
            for v in c.values:
                if isinstance(v, str):
                    keys.extend(_variables(v))
    return keys


def _unique(keys: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for key in keys:
        if key.lower() not in seen:
            seen.add(key.lower())
            out.append(key)
    return out


def context_keys(policies: Iterable[Policy]) -> list[str]:
    """Every context key the policies' conditions and variables refer to, first spelling kept."""
    return _unique(k for p in policies for st in p.statements for k in _statement_keys(p, st))


class _Candidates:
    """Compiled statements, to find those that apply to an action and resource."""

    def __init__(self, policies: Iterable[Policy]) -> None:
        self.entries = [(p, st, CompiledStatement(st, p.supports_variables))
                        for p in policies for st in p.statements]

    def missing(self, action: str, resource: str, context: Mapping[str, Any]) -> list[str]:
        lowered = {k.lower(): v for k, v in context.items()}
        needed: list[str] = []
        for policy, st, compiled in self.entries:
            if compiled.actions.match(action, action.lower(), lowered) == compiled.not_actions:
                continue
            if compiled.resources is not None and (
                compiled.resources.match(resource, resource, lowered) == compiled.not_resources
            ):
                continue
            needed.extend(k for k in _statement_keys(policy, st) if k.lower() not in lowered)
        return _unique(needed)


# -- the simulation ---------------------------------------------------------------------------------


def _simulate(tx: Tx, identity: list[SourcePolicy], boundary: list[SourcePolicy],
              action_names: Sequence[str], resource_arns: Sequence[str] | None,
              resource_policy: str | None, resource_owner: str | None, principal: str,
              context_entries: Sequence[Mapping[str, Any]] | None, max_items: int | None,
              marker: str | None) -> dict[str, Any]:
    for action in action_names:
        if ":" not in action:
            raise InvalidInput(f"Invalid action name {action}: an action is service:Action.")
    located = _Located()
    for source in identity:
        located.add(source.label, source)
    boundary_policy = located.merge("permission_boundary", boundary)
    resource = None
    if resource_policy is not None:
        source = SourcePolicy("resource_policy", "resource", "ResourcePolicy", resource_policy,
                              _parse_input(resource_policy, "ResourcePolicy",
                                           PolicyKind.RESOURCE))
        located.add("resource_policy", source)
        resource = source.policy
    policy_set = compile_policy_set(PolicySet(
        identity_policies=tuple(p.policy for p in identity),
        identity_names=tuple(p.label for p in identity),
        permission_boundary=boundary_policy, resource_policy=resource,
    ))
    boundary_only = (compile_policy_set(PolicySet(identity_policies=(boundary_policy,)))
                     if boundary_policy is not None else None)
    candidates = _Candidates([p.policy for p in identity]
                             + ([resource] if resource is not None else []))
    context = context_from_entries(context_entries)
    principal_account = _account_of(principal)
    owner = _account_of(resource_owner)
    given_resources = bool(resource_arns)
    resources = list(resource_arns or ["*"])
    # Without a resource policy only the identity side is simulated, in any account.
    account = (owner or None) if resource is not None else principal_account

    def evaluate(action: str, arn: str) -> dict[str, Any]:
        decision = policy_set.authorize(
            Request(principal, action, arn, context, resource_account=account))
        result: dict[str, Any] = {
            "EvalActionName": action,
            "EvalResourceName": arn,
            "EvalDecision": decision.decision.value,
            "MatchedStatements": located.matched(decision),
            "MissingContextValues": candidates.missing(action, arn, context),
        }
        if boundary_only is not None:
            bounded = boundary_only.authorize(
                Request(principal, action, arn, context, resource_account=account))
            result["PermissionsBoundaryDecisionDetail"] = {
                "AllowedByPermissionsBoundary": bounded.allowed}
        if given_resources:
            specific = {
                "EvalResourceName": arn,
                "EvalResourceDecision": result["EvalDecision"],
                "MatchedStatements": result["MatchedStatements"],
                "MissingContextValues": result["MissingContextValues"],
            }
            if "PermissionsBoundaryDecisionDetail" in result:
                specific["PermissionsBoundaryDecisionDetail"] = \
                    result["PermissionsBoundaryDecisionDetail"]
            result["ResourceSpecificResults"] = [specific]
        return result

    # One result per (action, resource) pair, actions outermost, as IAM lists them. Only the
    # requested page is evaluated: pair ``i`` is known from its index, so the page and whether
    # more follow are worked out without evaluating the pairs outside it (a request costs at
    # most ``MaxItems`` evaluations, however many pairs it names).
    pairs = _Pairs(action_names, resources)
    found = paginate(pairs, marker, max_items)
    out: dict[str, Any] = {"EvaluationResults": [evaluate(*pair) for pair in found.items],
                           "IsTruncated": found.is_truncated}
    if found.marker is not None:
        out["Marker"] = found.marker
    return out


class _Pairs(Sequence[tuple[str, str]]):
    """The (action, resource) pairs of a simulation in IAM's order, without building them all."""

    def __init__(self, actions: Sequence[str], resources: Sequence[str]) -> None:
        self._actions, self._resources = actions, resources

    def __len__(self) -> int:
        return len(self._actions) * len(self._resources)

    @overload
    def __getitem__(self, index: int) -> tuple[str, str]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, str]]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, str] | list[tuple[str, str]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        action, resource = divmod(index % len(self), len(self._resources))
        return self._actions[action], self._resources[resource]


def _default_principal(tx: Tx) -> str:
    return ids.arn(tx.account_id, "user", "/", SIMULATED_USER)


def simulate_principal_policy(
    tx: Tx, policy_source_arn: str, action_names: Sequence[str],
    policy_input_list: Sequence[str] | None = None,
    permissions_boundary_policy_input_list: Sequence[str] | None = None,
    resource_arns: Sequence[str] | None = None, resource_policy: str | None = None,
    resource_owner: str | None = None, caller_arn: str | None = None,
    context_entries: Sequence[Mapping[str, Any]] | None = None,
    resource_handling_option: str | None = None, max_items: int | None = None,
    marker: str | None = None,
) -> dict[str, Any]:
    kind, sources, entity_boundary = _entity(tx, policy_source_arn)
    if resource_policy is not None and caller_arn is None and kind != "user":
        raise InvalidInput("CallerArn is required when a ResourcePolicy is given and the "
                           "PolicySourceArn is not the ARN of a user.")
    given_boundary = _inputs(permissions_boundary_policy_input_list,
                             "PermissionsBoundaryPolicyInputList")
    boundary = given_boundary or ([entity_boundary] if entity_boundary is not None else [])
    identity = sources + _inputs(policy_input_list, "PolicyInputList")
    principal = caller_arn or (policy_source_arn if kind in ("user", "role")
                               else _default_principal(tx))
    return _simulate(tx, identity, boundary, action_names, resource_arns, resource_policy,
                     resource_owner, principal, context_entries, max_items, marker)


def simulate_custom_policy(
    tx: Tx, policy_input_list: Sequence[str], action_names: Sequence[str],
    permissions_boundary_policy_input_list: Sequence[str] | None = None,
    resource_arns: Sequence[str] | None = None, resource_policy: str | None = None,
    resource_owner: str | None = None, caller_arn: str | None = None,
    context_entries: Sequence[Mapping[str, Any]] | None = None,
    resource_handling_option: str | None = None, max_items: int | None = None,
    marker: str | None = None,
) -> dict[str, Any]:
    identity = _inputs(policy_input_list, "PolicyInputList")
    boundary = _inputs(permissions_boundary_policy_input_list,
                       "PermissionsBoundaryPolicyInputList")
    principal = caller_arn or _default_principal(tx)
    return _simulate(tx, identity, boundary, action_names, resource_arns, resource_policy,
                     resource_owner, principal, context_entries, max_items, marker)


def get_context_keys_for_custom_policy(tx: Tx,
                                       policy_input_list: Sequence[str]) -> dict[str, Any]:
    policies = [p.policy for p in _inputs(policy_input_list, "PolicyInputList")]
    return {"ContextKeyNames": context_keys(policies)}


def get_context_keys_for_principal_policy(
    tx: Tx, policy_source_arn: str, policy_input_list: Sequence[str] | None = None,
) -> dict[str, Any]:
    _, sources, _ = _entity(tx, policy_source_arn)
    policies = [p.policy for p in sources + _inputs(policy_input_list, "PolicyInputList")]
    return {"ContextKeyNames": context_keys(policies)}
