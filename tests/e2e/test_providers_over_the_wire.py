"""Identity providers over the wire with boto3: a GitHub-style OpenID Connect provider and a SAML
provider are created, read, listed, tagged and deleted against the real server; a hostile SAML
document is refused as IAM refuses an unparseable one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from e2e_server import Served

GITHUB = "https://token.actions.githubusercontent.com"
THUMB = "6938fd4d98bab03faadb97b34396831e3780aea1"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
SAML_NAME = "wire-okta"


def metadata(valid_until: str = "2035-03-04T05:06:07Z") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<md:EntityDescriptor xmlns:md="{MD}"'
        f' entityID="https://idp.example.com/wire" validUntil="{valid_until}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        f'<ds:X509Data><ds:X509Certificate>MIIC{"Q" * 1200}</ds:X509Certificate></ds:X509Data>'
        "</ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"'
        ' Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>'
    )


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response: Any = exc.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"]["Message"])


def test_github_oidc_provider(served: Served) -> None:
    iam = served.client()
    arn = iam.create_open_id_connect_provider(
        Url=GITHUB, ClientIDList=["sts.amazonaws.com"], ThumbprintList=[THUMB.upper()],
        Tags=[{"Key": "purpose", "Value": "ci"}])["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::{served.account}:oidc-provider/token.actions.githubusercontent.com"
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == "token.actions.githubusercontent.com"
    assert got["ClientIDList"] == ["sts.amazonaws.com"]
    assert got["ThumbprintList"] == [THUMB]
    assert got["Tags"] == [{"Key": "purpose", "Value": "ci"}]
    assert abs((datetime.now(UTC) - got["CreateDate"]).total_seconds()) < 300
    listed = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert {"Arn": arn} in listed
    with pytest.raises(ClientError) as exc:
        iam.create_open_id_connect_provider(Url=GITHUB)
    assert error(exc) == (409, "EntityAlreadyExists", f"Provider with url {GITHUB} already exists.")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="other")
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn,
                                                   ThumbprintList=[])
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert (got["ClientIDList"], got.get("ThumbprintList", [])) == (["sts.amazonaws.com", "other"],
                                                                    [])
    assert iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == [
        {"Key": "purpose", "Value": "ci"}]
    assert iam.get_account_summary()["SummaryMap"]["Providers"] >= 1
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)  # idempotent
    assert {"Arn": arn} not in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    with pytest.raises(ClientError) as exc:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error(exc) == (404, "NoSuchEntity", f"OpenIDConnect Provider not found for arn {arn}")
    with pytest.raises(ClientError) as exc:
        iam.create_open_id_connect_provider(Url="http://insecure.example.com")
    assert error(exc) == (400, "InvalidInput", "Invalid Open ID Connect Provider URL.")


def test_saml_provider(served: Served) -> None:
    iam = served.client()
    document = metadata()
    arn = iam.create_saml_provider(Name=SAML_NAME, SAMLMetadataDocument=document)[
        "SAMLProviderArn"]
    assert arn == f"arn:aws:iam::{served.account}:saml-provider/{SAML_NAME}"
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == document
    assert got["ValidUntil"] == datetime(2035, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert len(got["SAMLProviderUUID"]) >= 22
    listed = {p["Arn"]: p for p in iam.list_saml_providers()["SAMLProviderList"]}
    assert listed[arn]["ValidUntil"] == got["ValidUntil"]
    assert listed[arn]["CreateDate"] == got["CreateDate"]
    updated = metadata("2036-01-01T00:00:00Z")
    assert iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=updated)[
        "SAMLProviderArn"] == arn
    assert iam.get_saml_provider(SAMLProviderArn=arn)["ValidUntil"].year == 2036
    iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "idp", "Value": "okta"}])
    assert iam.list_saml_provider_tags(SAMLProviderArn=arn)["Tags"] == [
        {"Key": "idp", "Value": "okta"}]
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
            + document.split("?>\n", 1)[1].replace("MIIC", "&lol2;MIIC"))
    with pytest.raises(ClientError) as exc:
        iam.create_saml_provider(Name="wire-evil", SAMLMetadataDocument=bomb)
    assert error(exc) == (400, "InvalidInput", "Could not parse metadata")
    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert arn not in {p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]}
    with pytest.raises(ClientError) as exc:
        iam.get_saml_provider(SAMLProviderArn=arn)
    assert error(exc) == (404, "NoSuchEntity", f"Manifest not found for arn {arn}")
