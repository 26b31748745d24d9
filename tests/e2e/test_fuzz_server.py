"""Random parameters for random operations against the real service: never a 500 or a traceback.

Two draws: any operation of the models with parameters from a fixed list, and an operation the
server implements with parameters from its own input shape (lists and maps in their wire form),
so that the requests get past "a required parameter is missing" into each operation.
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from e2e_server import Served
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a2c_iam.api import awsquery

OPERATIONS = sorted((svc, name) for svc in ("iam", "sts")
                    for name in awsquery.service_model(svc).operation_names)
NAMES = st.sampled_from(["UserName", "GroupName", "RoleName", "PolicyArn", "PolicyName", "Path",
                         "PathPrefix", "MaxItems", "Marker", "PolicyDocument", "Tags.member.1.Key",
                         "Tags.member.1.Value", "TagKeys.member.1", "AccessKeyId", "Status",
                         "RoleArn", "RoleSessionName", "DurationSeconds", "VersionId",
                         "PolicySourceArn", "ActionNames.member.1", "ResourceArns.member.1",
                         "AssumeRolePolicyDocument", "PolicyInputList.member.1", "SerialNumber",
                         "InstanceProfileName", "Description", "PermissionsBoundary"])
VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["fuzz", "/", "/a/", "0", "1", "1000", "-1", "true", "Active", "Inactive",
                     "arn:aws:iam::444455556666:policy/fuzz", "arn:aws:iam::aws:policy/ReadOnlyAccess",
                     "arn:aws:iam::444455556666:role/fuzz", "arn:aws:iam::444455556666:user/fuzz",
                     '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",'
                     '"Resource":"*"}]}', '{"Statement":[', "v1", "iam:ListUsers"]))


@pytest.fixture(scope="module")
def fuzz_key(served: Served) -> tuple[str, str]:
    """An account of its own, so that random deletions cannot touch the other tests' entities."""
    new = served.svc.create_account("444455556666")
    return new.access_key_id, new.secret.get_secret_value()


def _send(served: Served, key: tuple[str, str], service: str, name: str,
          pairs: list[tuple[str, str]]) -> tuple[int, str]:
    """One signed query-protocol request; its status and body."""
    body = urlencode([("Action", name), ("Version", awsquery.VERSIONS[service]), *pairs]).encode()
    req = AWSRequest("POST", served.url + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(*key), service, "us-east-1").add_auth(req)
    try:
        with urllib.request.urlopen(urllib.request.Request(
                served.url + "/", data=body, headers=dict(req.headers.items()), method="POST")) as r:
            return r.status, r.read().decode()
    except HTTPError as exc:
        return exc.code, exc.read().decode()


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(OPERATIONS), st.lists(st.tuples(NAMES, VALUES), max_size=6))
def test_random_requests_never_fail_the_server(served: Served, fuzz_key: tuple[str, str],
                                              operation: tuple[str, str],
                                              pairs: list[tuple[str, str]]) -> None:
    service, name = operation
    status, text = _send(served, fuzz_key, service, name, pairs)
    assert status < 500 or "<Code>NotImplemented</Code>" in text, text
    assert "Traceback" not in text


RSA_SSH = ("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7" + "A" * 340 + " fuzz@host")
SHAPED = st.sampled_from([
    RSA_SSH, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
    "codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com",
    "https://token.example.com", "https://token.example.com/a?b=c", "a" * 40, "SSH", "PEM",
    "123456", "654321", "Required", "Allowed",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
    '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="e"/>',
    "arn:aws:iam::444455556666:oidc-provider/token.example.com",
    "arn:aws:iam::444455556666:saml-provider/fuzz", "arn:aws:iam::444455556666:mfa/fuzz",
    "ACCAEXAMPLE123EXAMPLE", "APKAEIBAERJR2EXAMPLE", "Passw0rd!Passw0rd!", "2012-10-17",
    "2026-12-04T00:00:00Z", "99999999999999999999", "1.5", "",
])


def _wire_names(shape: Any, prefix: str = "", depth: int = 0) -> list[str]:
    """The query-protocol names of ``shape``'s members: ``A``, ``L.member.1``, ``M.entry.1.key``."""
    names: list[str] = []
    for member, sub in shape.members.items():
        name = prefix + member
        if sub.type_name == "list":
            inner = sub.member
            item = f"{name}.member.1"
            names += (_wire_names(inner, item + ".", depth + 1)
                      if inner.type_name == "structure" and depth < 2 else [item])
        elif sub.type_name == "map":
            names += [f"{name}.entry.1.key", f"{name}.entry.1.value"]
        elif sub.type_name == "structure" and depth < 2:
            names += _wire_names(sub, name + ".", depth + 1)
        else:
            names.append(name)
    return names


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_random_parameters_of_each_implemented_operation(served: Served,
                                                          fuzz_key: tuple[str, str],
                                                          data: st.DataObject) -> None:
    service = data.draw(st.sampled_from(["iam", "iam", "iam", "sts"]))
    name = data.draw(st.sampled_from(served.svc.operation_names(service)))
    shape = awsquery.service_model(service).operation_model(name).input_shape
    fields = _wire_names(shape) if shape is not None else []
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(fields), st.one_of(VALUES, SHAPED)),
                               max_size=8)) if fields else []
    status, text = _send(served, fuzz_key, service, name, pairs)
    assert status < 500, (name, pairs, text)
    assert "Traceback" not in text
