"""Random parameters for random operations against the real service: never a 500 or a traceback."""

from __future__ import annotations

import urllib.request
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


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(OPERATIONS), st.lists(st.tuples(NAMES, VALUES), max_size=6))
def test_random_requests_never_fail_the_server(served: Served, fuzz_key: tuple[str, str],
                                              operation: tuple[str, str],
                                              pairs: list[tuple[str, str]]) -> None:
    service, name = operation
    body = urlencode([("Action", name), ("Version", awsquery.VERSIONS[service]), *pairs]).encode()
    req = AWSRequest("POST", served.url + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(Credentials(*fuzz_key), service, "us-east-1").add_auth(req)
    try:
        with urllib.request.urlopen(urllib.request.Request(
                served.url + "/", data=body, headers=dict(req.headers.items()), method="POST")) as r:
            status, text = r.status, r.read().decode()
    except HTTPError as exc:
        status, text = exc.code, exc.read().decode()
    assert status < 500 or "<Code>NotImplemented</Code>" in text, text
    assert "Traceback" not in text
