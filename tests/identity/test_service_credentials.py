"""Service-specific credentials (CodeCommit Git credentials, Keyspaces logins): created, listed,
reset, updated, deleted, refused, authorised; the password shown once and stored only encrypted;
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from callers import new_user, refused
from policy_docs import allow
from raw_store import raw_database, secret_forms
from sqlalchemy import func, select

from a2c_iam.identity import IdentityService
from a2c_iam.identity.service_credentials import decrypt_password
from a2c_iam.identity.tx import generation
from a2c_iam.store import schema as s

CRED_ID = re.compile(r"ACCA[A-Z2-7]{17}")
CODECOMMIT = "codecommit.amazonaws.com"
KEYSPACES = "cassandra.amazonaws.com"


def gen(svc: IdentityService, account: Any) -> int:
    with svc.db.read() as conn:
        return generation(conn, account.account_id)


def rows(svc: IdentityService, account: Any) -> int:
    with svc.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(
            s.service_specific_credentials).where(
            s.service_specific_credentials.c.account_id == account.account_id)).scalar_one())


def stored_password(svc: IdentityService, credential_id: str) -> str:
    with svc.db.read() as conn:
        return decrypt_password(conn, svc.cipher, credential_id).get_secret_value()


def test_create_list_reset_update_delete(call: Any, account: Any, svc: IdentityService) -> None:
    call("CreateUser", UserName="jane", Path="/devs/")
    before = gen(svc, account)
    made = call("CreateServiceSpecificCredential", UserName="JANE",
                ServiceName=CODECOMMIT)["ServiceSpecificCredential"]
    assert gen(svc, account) > before
    assert set(made) == {"CreateDate", "ServiceName", "ServiceUserName", "ServicePassword",
                         "ServiceSpecificCredentialId", "UserName", "Status"}
    assert CRED_ID.fullmatch(made["ServiceSpecificCredentialId"])
    assert made["ServiceUserName"] == f"jane-at-{account.account_id}"
    assert (made["UserName"], made["ServiceName"], made["Status"]) == ("jane", CODECOMMIT, "Active")
    assert len(made["ServicePassword"]) == 44 and len(base64.b64decode(made["ServicePassword"])) == 32
    assert made["CreateDate"].tzinfo is not None
    assert abs((datetime.now(UTC) - made["CreateDate"]).total_seconds()) < 60
    cred_id = made["ServiceSpecificCredentialId"]
    assert stored_password(svc, cred_id) == made["ServicePassword"]
    listed = call("ListServiceSpecificCredentials", UserName="jane")
    assert listed == {"ServiceSpecificCredentials": [{
        "UserName": "jane", "Status": "Active", "ServiceUserName": made["ServiceUserName"],
        "CreateDate": made["CreateDate"], "ServiceSpecificCredentialId": cred_id,
        "ServiceName": CODECOMMIT}], "IsTruncated": False}
    assert "ServicePassword" not in repr(listed)
    reset = call("ResetServiceSpecificCredential", UserName="jane",
                 ServiceSpecificCredentialId=cred_id)["ServiceSpecificCredential"]
    assert reset["ServicePassword"] != made["ServicePassword"]
    assert {k: v for k, v in reset.items() if k != "ServicePassword"} == {
        k: v for k, v in made.items() if k != "ServicePassword"}
    assert stored_password(svc, cred_id) == reset["ServicePassword"]  # the old one is gone
    call("UpdateServiceSpecificCredential", UserName="jane", ServiceSpecificCredentialId=cred_id,
         Status="Inactive")
    assert call("ListServiceSpecificCredentials", UserName="jane")[
        "ServiceSpecificCredentials"][0]["Status"] == "Inactive"
    call("DeleteServiceSpecificCredential", UserName="jane", ServiceSpecificCredentialId=cred_id)
    assert call("ListServiceSpecificCredentials", UserName="jane")["ServiceSpecificCredentials"] == []
    for op, extra in (("ResetServiceSpecificCredential", {}),
                      ("UpdateServiceSpecificCredential", {"Status": "Active"}),
                      ("DeleteServiceSpecificCredential", {})):
        err = refused(call, op, UserName="jane", ServiceSpecificCredentialId=cred_id, **extra)
        assert (err.code, err.status, err.message) == (
            "NoSuchEntity", 404,
            f"The Service Specific Credential with id {cred_id} cannot be found.")


def test_two_per_user_per_service(call: Any, account: Any, svc: IdentityService) -> None:
    call("CreateUser", UserName="jane")
    for _ in range(2):
        call("CreateServiceSpecificCredential", UserName="jane", ServiceName=CODECOMMIT)
    before = gen(svc, account)
    err = refused(call, "CreateServiceSpecificCredential", UserName="jane", ServiceName=CODECOMMIT)
    assert (err.code, err.status, err.message) == (
        "LimitExceeded", 409, "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
    assert rows(svc, account) == 2 and gen(svc, account) == before
    # Another service, another user: their own quotas.
    keyspaces = call("CreateServiceSpecificCredential", UserName="jane",
                     ServiceName=KEYSPACES)["ServiceSpecificCredential"]
    assert keyspaces["ServiceUserName"] == f"jane-at-{account.account_id}"
    call("CreateUser", UserName="joe")
    call("CreateServiceSpecificCredential", UserName="joe", ServiceName=CODECOMMIT)
    listed = call("ListServiceSpecificCredentials", UserName="jane")["ServiceSpecificCredentials"]
    assert [c["ServiceName"] for c in listed] == [CODECOMMIT, CODECOMMIT, KEYSPACES]
    only = call("ListServiceSpecificCredentials", UserName="jane", ServiceName=KEYSPACES)
    assert [c["ServiceSpecificCredentialId"] for c in only["ServiceSpecificCredentials"]] == [
        keyspaces["ServiceSpecificCredentialId"]]
    assert call("ListServiceSpecificCredentials", UserName="jane",
                ServiceName="bedrock.amazonaws.com")["ServiceSpecificCredentials"] == []
    everyone = call("ListServiceSpecificCredentials", AllUsers=True, ServiceName=CODECOMMIT)
    assert [c["UserName"] for c in everyone["ServiceSpecificCredentials"]] == ["jane", "jane", "joe"]
    page = call("ListServiceSpecificCredentials", UserName="jane", MaxItems=2)
    assert page["IsTruncated"] is True
    rest = call("ListServiceSpecificCredentials", UserName="jane", Marker=page["Marker"])
    assert len(rest["ServiceSpecificCredentials"]) == 1
    err = refused(call, "ListServiceSpecificCredentials", UserName="jane", AllUsers=True)
    assert (err.code, err.message) == (
        "InvalidInput", "AllUsers cannot be specified together with UserName.")


@pytest.mark.parametrize("service", ["s3.amazonaws.com", "codecommit", "bedrock.amazonaws.com",
                                     "logs.amazonaws.com", ""])
def test_unsupported_services_are_refused(call: Any, account: Any, svc: IdentityService,
                                          service: str) -> None:
    call("CreateUser", UserName="jane")
    before = gen(svc, account)
    err = refused(call, "CreateServiceSpecificCredential", UserName="jane", ServiceName=service)
    assert (err.code, err.status, err.message) == (
        "NotSupportedService", 404,
        f"Service {service} is not supported for service-specific credentials.")
    assert rows(svc, account) == 0 and gen(svc, account) == before


def test_credential_age_days_is_for_api_keys_only(call: Any, account: Any,
                                                  svc: IdentityService) -> None:
    call("CreateUser", UserName="jane")
    err = refused(call, "CreateServiceSpecificCredential", UserName="jane", ServiceName=CODECOMMIT,
                  CredentialAgeDays=30)
    assert (err.code, err.status) == ("InvalidInput", 400)
    assert rows(svc, account) == 0
    err = refused(call, "ListServiceSpecificCredentials", ServiceName="ftp.amazonaws.com")
    assert err.code == "NotSupportedService"


def test_unknown_user_foreign_ids_and_bad_status(call: Any, account: Any,
                                                 svc: IdentityService) -> None:
    err = refused(call, "CreateServiceSpecificCredential", UserName="ghost", ServiceName=CODECOMMIT)
    assert (err.code, err.message) == ("NoSuchEntity", "The user with name ghost cannot be found.")
    call("CreateUser", UserName="a")
    call("CreateUser", UserName="b")
    cred_id = call("CreateServiceSpecificCredential", UserName="a", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    err = refused(call, "ResetServiceSpecificCredential", UserName="b",
                  ServiceSpecificCredentialId=cred_id)
    assert err.code == "NoSuchEntity"
    # The root user has none of its own.
    err = refused(call, "DeleteServiceSpecificCredential", ServiceSpecificCredentialId=cred_id)
    assert err.code == "NoSuchEntity"
    assert call("ListServiceSpecificCredentials")["ServiceSpecificCredentials"] == []
    before = gen(svc, account)
    err = refused(call, "UpdateServiceSpecificCredential", UserName="a",
                  ServiceSpecificCredentialId=cred_id, Status="Expired")
    assert (err.code, err.status) == ("InvalidInput", 400)
    assert gen(svc, account) == before
    assert call("ListServiceSpecificCredentials", UserName="a")[
        "ServiceSpecificCredentials"][0]["Status"] == "Active"


def test_delete_user_is_refused_while_it_has_credentials(call: Any) -> None:
    call("CreateUser", UserName="jane")
    cred_id = call("CreateServiceSpecificCredential", UserName="jane", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    err = refused(call, "DeleteUser", UserName="jane")
    assert (err.code, err.status, err.message) == (
        "DeleteConflict", 409, "Cannot delete entity, must remove referenced objects first.")
    call("DeleteServiceSpecificCredential", UserName="jane", ServiceSpecificCredentialId=cred_id)
    call("DeleteUser", UserName="jane")


def test_a_user_manages_its_own_credentials(call: Any, account: Any, svc: IdentityService) -> None:
    own = f"arn:aws:iam::{account.account_id}:user/" + "${aws:username}"
    user = new_user(call, svc, "coder", allow(
        "iam:CreateServiceSpecificCredential", "iam:ListServiceSpecificCredentials",
        "iam:ResetServiceSpecificCredential", "iam:UpdateServiceSpecificCredential",
        "iam:DeleteServiceSpecificCredential", resource=own))
    call("CreateUser", UserName="victim")
    victims = call("CreateServiceSpecificCredential", UserName="victim", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
    made = svc.run("iam", "CreateServiceSpecificCredential", user, UserName="coder",
                   ServiceName=CODECOMMIT)["ServiceSpecificCredential"]
    # Without UserName: the caller's own.
    mine = svc.run("iam", "ListServiceSpecificCredentials", user)["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in mine] == [made["ServiceSpecificCredentialId"]]
    reset = svc.run("iam", "ResetServiceSpecificCredential", user,
                    ServiceSpecificCredentialId=made["ServiceSpecificCredentialId"])
    assert reset["ServiceSpecificCredential"]["UserName"] == "coder"
    # Someone else's credential, named by its user, is refused by the policy.
    err = refused(svc.run, "iam", "ResetServiceSpecificCredential", user, UserName="victim",
                  ServiceSpecificCredentialId=victims)
    assert err.code == "AccessDenied"
    assert f"on resource: arn:aws:iam::{account.account_id}:user/victim" in err.message
    # ... and without a user name it is not the caller's: no such credential.
    err = refused(svc.run, "iam", "DeleteServiceSpecificCredential", user,
                  ServiceSpecificCredentialId=victims)
    assert err.code == "NoSuchEntity"
    # Every user's credentials: asked about user/*, which the policy does not allow.
    err = refused(svc.run, "iam", "ListServiceSpecificCredentials", user, AllUsers=True)
    assert err.code == "AccessDenied"
    assert f"on resource: arn:aws:iam::{account.account_id}:user/*" in err.message
    assert len(call("ListServiceSpecificCredentials", UserName="victim")[
        "ServiceSpecificCredentials"]) == 1


def test_no_password_in_the_raw_database(backend: Any, svc: IdentityService, account: Any,
                                         call: Any) -> None:
    call("CreateUser", UserName="keeper")
    made = call("CreateServiceSpecificCredential", UserName="keeper",
                ServiceName=CODECOMMIT)["ServiceSpecificCredential"]
    reset = call("ResetServiceSpecificCredential", UserName="keeper",
                 ServiceSpecificCredentialId=made["ServiceSpecificCredentialId"])
    second = call("CreateServiceSpecificCredential", UserName="keeper",
                  ServiceName=KEYSPACES)["ServiceSpecificCredential"]
    passwords = [made["ServicePassword"], reset["ServiceSpecificCredential"]["ServicePassword"],
                 second["ServicePassword"]]
    assert stored_password(svc, second["ServiceSpecificCredentialId"]) == passwords[2]
    raw = raw_database(backend, svc)
    assert b"keeper" in raw  # the dump does contain the account's data
    for password in passwords:
        for form in secret_forms(password):
            assert form not in raw


_SERVICE_KEY = "iam:ServiceSpecificCredentialServiceName"


def test_a_policy_can_limit_the_service(call: Any, account: Any, svc: IdentityService) -> None:
    """``iam:ServiceSpecificCredentialServiceName``: the service asked for on create, the
    credential's own service on reset, update and delete."""
    only_git = {"StringEquals": {_SERVICE_KEY: "codecommit.amazonaws.com"}}
    user = new_user(call, svc, "dev",
                    allow("iam:CreateServiceSpecificCredential", Condition=only_git),
                    allow("iam:ListServiceSpecificCredentials"),
                    allow("iam:ResetServiceSpecificCredential",
                          "iam:UpdateServiceSpecificCredential",
                          "iam:DeleteServiceSpecificCredential", Condition=only_git))
    git = svc.run("iam", "CreateServiceSpecificCredential", user, UserName="dev",
                  ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    err = refused(svc.run, "iam", "CreateServiceSpecificCredential", user, UserName="dev",
                  ServiceName="cassandra.amazonaws.com")
    assert err.code == "AccessDenied" and "iam:CreateServiceSpecificCredential" in err.message
    # A Keyspaces credential made by the administrator: the user's grant does not reach it.
    keyspaces = call("CreateServiceSpecificCredential", UserName="dev",
                     ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredential"]
    for operation, extra in (("ResetServiceSpecificCredential", {}),
                             ("UpdateServiceSpecificCredential", {"Status": "Inactive"}),
                             ("DeleteServiceSpecificCredential", {})):
        mine = {"UserName": "dev", "ServiceSpecificCredentialId": git[
            "ServiceSpecificCredentialId"], **extra}
        theirs = {**mine, "ServiceSpecificCredentialId": keyspaces["ServiceSpecificCredentialId"]}
        assert refused(svc.run, "iam", operation, user, **theirs).code == "AccessDenied"
        svc.run("iam", operation, user, **mine)
    left = call("ListServiceSpecificCredentials", UserName="dev")["ServiceSpecificCredentials"]
    assert [c["ServiceName"] for c in left] == ["cassandra.amazonaws.com"]
    assert left[0]["Status"] == "Active"


def test_a_deny_on_the_service_holds(call: Any, account: Any, svc: IdentityService) -> None:
    user = new_user(call, svc, "dev", allow("iam:*ServiceSpecificCredential*"),
                    {"Effect": "Deny", "Action": "iam:CreateServiceSpecificCredential",
                     "Resource": "*",
                     "Condition": {"StringEquals": {_SERVICE_KEY: "cassandra.amazonaws.com"}}})
    err = refused(svc.run, "iam", "CreateServiceSpecificCredential", user, UserName="dev",
                  ServiceName="cassandra.amazonaws.com")
    assert err.code == "AccessDenied" and "explicit deny" in err.message
    assert call("ListServiceSpecificCredentials", UserName="dev")["ServiceSpecificCredentials"] == []
    svc.run("iam", "CreateServiceSpecificCredential", user, UserName="dev",
            ServiceName="codecommit.amazonaws.com")


def test_the_service_user_name_is_kept_when_the_user_is_renamed(call: Any, account: Any) -> None:
    call("CreateUser", UserName="dev")
    made = call("CreateServiceSpecificCredential", UserName="dev",
                ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    call("UpdateUser", UserName="dev", NewUserName="dev2")
    listed = call("ListServiceSpecificCredentials", UserName="dev2")["ServiceSpecificCredentials"]
    assert [(c["UserName"], c["ServiceUserName"]) for c in listed] == [
        ("dev2", f"dev-at-{account.account_id}")]
    reset = call("ResetServiceSpecificCredential", UserName="dev2",
                 ServiceSpecificCredentialId=made["ServiceSpecificCredentialId"])
    assert reset["ServiceSpecificCredential"]["ServiceUserName"] == f"dev-at-{account.account_id}"
