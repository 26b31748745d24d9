"""Account-wide operations: the account alias and the account summary.

An account has at most one alias, unique across every account of the store (in AWS, across all
of AWS); creating a new one replaces the old. The summary reports counts and IAM's quotas;
``AccountMFAEnabled`` stays 0, as the root user cannot have an MFA device here; ``Providers``
counts the account's OpenID Connect and SAML providers together;
``AccountSigningCertificatesPresent`` is 1 when the root user has a signing certificate.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from a2c_iam.store import schema as s

from . import common as c
from . import ids
from .common import count, set_target
from .errors import EntityAlreadyExists, NoSuchEntity
from .server_certificates import SERVER_CERTIFICATES_PER_ACCOUNT
from .signing_certificates import SIGNING_CERTIFICATES_PER_USER
from .tx import Tx


def create_account_alias(tx: Tx, account_alias: str) -> dict[str, Any]:
    set_target(tx, ids.root_arn(tx.account_id))
    owner = tx.conn.execute(select(s.accounts.c.id).where(s.accounts.c.alias == account_alias)
                            ).scalar()
    if owner is not None and owner != tx.account_id:
        raise EntityAlreadyExists(f"The account alias {account_alias} already exists.")
    tx.conn.execute(update(s.accounts).where(s.accounts.c.id == tx.account_id)
                    .values(alias=account_alias))
    return {}


def delete_account_alias(tx: Tx, account_alias: str) -> dict[str, Any]:
    set_target(tx, ids.root_arn(tx.account_id))
    done = tx.conn.execute(update(s.accounts).where(
        s.accounts.c.id == tx.account_id, s.accounts.c.alias == account_alias).values(alias=None))
    if not done.rowcount:
        raise NoSuchEntity(f"The account alias {account_alias} cannot be found.")
    return {}


def list_account_aliases(tx: Tx, marker: str | None = None, max_items: int | None = None,
                         ) -> dict[str, Any]:
    alias = tx.conn.execute(select(s.accounts.c.alias).where(s.accounts.c.id == tx.account_id)
                            ).scalar()
    return c.page([alias] if alias else [], "AccountAliases", marker, max_items)


def get_account_summary(tx: Tx) -> dict[str, Any]:
    conn, account = tx.conn, tx.account_id
    mine = s.policies.c.account_id == account
    versions = int(conn.execute(
        select(func.count()).select_from(s.policy_versions.join(s.policies)).where(mine)
    ).scalar_one())
    root_keys = count(conn, s.access_keys, s.access_keys.c.account_id == account,
                      s.access_keys.c.user_id.is_(None))
    root_certificates = count(conn, s.signing_certificates,
                              s.signing_certificates.c.account_id == account,
                              s.signing_certificates.c.user_id.is_(None))
    devices = s.mfa_devices.c
    summary = {
        "Users": count(conn, s.users, s.users.c.account_id == account),
        "UsersQuota": c.USERS_PER_ACCOUNT,
        "Groups": count(conn, s.groups, s.groups.c.account_id == account),
        "GroupsQuota": c.GROUPS_PER_ACCOUNT,
        "Roles": count(conn, s.roles, s.roles.c.account_id == account),
        "RolesQuota": c.ROLES_PER_ACCOUNT,
        "Policies": count(conn, s.policies, mine),
        "PoliciesQuota": c.POLICIES_PER_ACCOUNT,
        "InstanceProfiles": count(conn, s.instance_profiles,
                                  s.instance_profiles.c.account_id == account),
        "InstanceProfilesQuota": c.INSTANCE_PROFILES_PER_ACCOUNT,
        "PolicyVersionsInUse": versions,
        "PolicyVersionsInUseQuota": 10000,
        "VersionsPerPolicyQuota": c.VERSIONS_PER_POLICY,
        "PolicySizeQuota": c.MANAGED_POLICY_SIZE,
        "UserPolicySizeQuota": c.USER_POLICY_SIZE,
        "GroupPolicySizeQuota": c.GROUP_POLICY_SIZE,
        "RolePolicySizeQuota": c.ROLE_POLICY_SIZE,
        "AssumeRolePolicySizeQuota": c.TRUST_POLICY_SIZE,
        "GroupsPerUserQuota": c.GROUPS_PER_USER,
        "AccessKeysPerUserQuota": c.ACCESS_KEYS_PER_USER,
        "AttachedPoliciesPerUserQuota": c.POLICIES_PER_USER,
        "AttachedPoliciesPerGroupQuota": c.POLICIES_PER_GROUP,
        "AttachedPoliciesPerRoleQuota": c.POLICIES_PER_ROLE,
        "AccountAccessKeysPresent": 1 if root_keys else 0,
        "AccountMFAEnabled": 0,
        "AccountSigningCertificatesPresent": 1 if root_certificates else 0,
        # Virtual devices, assigned or not, and those assigned (the root user has none here).
        "MFADevices": count(conn, s.mfa_devices, devices.account_id == account),
        "MFADevicesInUse": count(conn, s.mfa_devices, devices.account_id == account,
                                 devices.user_id.is_not(None)),
        "Providers": (count(conn, s.oidc_providers, s.oidc_providers.c.account_id == account)
                      + count(conn, s.saml_providers, s.saml_providers.c.account_id == account)),
        "ServerCertificates": count(conn, s.server_certificates,
                                    s.server_certificates.c.account_id == account),
        "ServerCertificatesQuota": SERVER_CERTIFICATES_PER_ACCOUNT,
        "SigningCertificatesPerUserQuota": SIGNING_CERTIFICATES_PER_USER,
        "GlobalEndpointTokenVersion": 1,
    }
    return {"SummaryMap": summary}
