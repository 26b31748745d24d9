"""IAM identity providers — OpenID Connect and SAML — as stored entities (no token exchange).

``AssumeRoleWithWebIdentity`` and ``AssumeRoleWithSAML`` are not implemented; these operations
keep the providers a role's trust policy names, so that tools which create, list and audit them
work. Nothing here fetches anything from the network (no thumbprint discovery, no metadata URL).

OpenID Connect: a provider is named by its URL without ``https://``, the ARN
``arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH``. The URL must begin with ``https://`` (the
scheme in any case), name a host, and carry no query, fragment, user or port (IAM: "Per the OIDC
standard, path components are allowed but query parameters are not … The URL should not contain
a port number"). The host compares without case, the path with case: one provider per account
and URL (``url_key``). At most 100 client ids (IAM: "You cannot register more than 100 client
IDs with a single IAM OIDC provider") — duplicates are kept once — and 5 thumbprints ("IAM lets
you have up to five thumbprints"), each 40 hexadecimal digits, stored lower-cased; none is
needed (IAM no longer requires one). ``DeleteOpenIDConnectProvider`` on a provider that does not
exist succeeds (IAM API Reference: "This operation is idempotent"); adding a client id the
provider has, or removing one it has not, changes nothing.

SAML: a provider is named ``arn:aws:iam::ACCOUNT:saml-provider/NAME`` (names compare without
case). The metadata document (1,000 to 10,000,000 characters, the model's limits, checked
before this module runs) is parsed with expat, refusing any document type declaration — so no
entity is declared, let alone expanded (no "billion laughs", no external entity) — and must be
a SAML 2.0 metadata ``EntityDescriptor``; its ``validUntil`` attribute, when present, is
``ValidUntil``. The document is stored as given. ``AssertionEncryptionMode`` is stored;
``Required`` needs a private key, and private keys are not accepted: ``AddPrivateKey`` (and
``RemovePrivateKey``, there being none) answers ``InvalidInput`` and stores nothing — this
service never holds an assertion-decryption key, so ``PrivateKeyList`` is never returned.
``SAMLProviderUUID`` is the provider's own id (``SAML`` and 22 base-32 characters).

Wordings. Confirmed in the IAM API Reference: only the behaviours quoted above. Taken from IAM
emulators that copy IAM's answers (moto, and others), not confirmed against AWS here:
"OpenIDConnect Provider not found for arn ARN" (NoSuchEntity), "Provider with url URL already
exists." (EntityAlreadyExists), "Manifest not found for arn ARN" (SAML NoSuchEntity, also on
``DeleteSAMLProvider``), "Unable to set assertion encryption mode to Required because no private
key is provided.", "Unable to update identity provider. No updates are defined for metadata or
encryption assertion." Recalled from IAM's answers but not confirmed: "Could not parse metadata"
(InvalidInput, an unparseable or hostile document). Our own, not IAM's: "Invalid Open ID Connect
Provider URL." (every URL refusal), "SAMLProvider NAME already exists.", "ARN … is not valid.",
"Thumbprint … must be 40 hexadecimal digits.", the private-key refusal, and the quota names in
``common.quota``'s form: ``OpenIdConnectProvidersPerAccount`` and ``SAMLProvidersPerAccount``
(100 each, IAM's documented quotas), ``ClientIdsPerOpenIdConnectProvider`` (100),
``ThumbprintsPerOpenIdConnectProvider`` (5). A metadata ``validUntil`` in the past is accepted
(whether IAM refuses one is not confirmed); a document without one has no ``ValidUntil``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn
from urllib.parse import urlsplit
from xml.parsers import expat

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from a2c_iam.store import schema as s

from . import ids
from .common import check_count, check_new, page, quota, set_target
from .errors import EntityAlreadyExists, InvalidInput, NoSuchEntity
from .tags import as_tags, drop_all, get_tags, put_tags, remove_tags
from .tx import Tx

OIDC_PROVIDERS_PER_ACCOUNT = 100
SAML_PROVIDERS_PER_ACCOUNT = 100
CLIENT_IDS_PER_PROVIDER = 100
THUMBPRINTS_PER_PROVIDER = 5

SAML_METADATA_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
_HEX40 = re.compile(r"[0-9A-Fa-f]{40}")
_OIDC_ARN = re.compile(r"arn:aws:iam::(?P<account>\d{12}):oidc-provider/(?P<url>.+)", re.DOTALL)
_SAML_ARN = re.compile(r"arn:aws:iam::(?P<account>\d{12}):saml-provider/(?P<name>[^/]+)",
                       re.DOTALL)

_BAD_URL = "Invalid Open ID Connect Provider URL."
_BAD_METADATA = "Could not parse metadata"
_REQUIRED_WITHOUT_KEY = ("Unable to set assertion encryption mode to Required because no "
                         "private key is provided.")
_NO_PRIVATE_KEYS = ("Private keys for SAML assertion encryption are not supported by this "
                    "server; nothing was stored.")


def _arn_error(arn: str) -> InvalidInput:
    return InvalidInput(f"ARN {arn} is not valid.")


# -- OpenID Connect --------------------------------------------------------------------------------


def _url_key(name: str) -> str:
    """The provider's name (URL without scheme) as IAM compares it: host without case."""
    host, slash, path = name.partition("/")
    return host.lower() + slash + path


def oidc_arn(account: str, url: str) -> str:
    """The ARN a provider of ``url`` has (or would have): the URL without ``https://``. Never
    refuses (authorisation asks about the ARN before the URL is checked)."""
    name = url[len("https://"):] if url[:8].lower() == "https://" else url
    return f"arn:{ids.PARTITION}:iam::{account}:oidc-provider/{name}"


def _checked_url(url: str) -> str:
    """The provider's name (the URL without ``https://``) if IAM accepts the URL."""
    if url[:8].lower() != "https://" or any(c.isspace() for c in url):
        raise InvalidInput(_BAD_URL)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput(_BAD_URL) from None
    if (not parts.hostname or parts.query or parts.fragment or "?" in url or "#" in url
            or parts.username is not None or port is not None or ":" in parts.netloc
            or "//" in parts.path):
        raise InvalidInput(_BAD_URL)
    return url[8:]


def _no_oidc(arn: str) -> NoSuchEntity:
    return NoSuchEntity(f"OpenIDConnect Provider not found for arn {arn}")


def _find_oidc(tx: Tx, arn: str) -> Any:
    """The account's provider of ``arn``, or None; ``InvalidInput`` for what is no such ARN."""
    m = _OIDC_ARN.fullmatch(arn)
    if m is None:
        raise _arn_error(arn)
    if m.group("account") != tx.account_id:
        return None
    p = s.oidc_providers.c
    return tx.conn.execute(select(s.oidc_providers).where(
        p.account_id == tx.account_id, p.url_key == _url_key(m.group("url")))).first()


def provider_id(conn: Connection, account_id: str, arn: str) -> str | None:
    """The row id (the tags' ``resource_id``) of the account's OIDC or SAML provider ``arn``;
    None for anything else. Authorisation reads a provider's tags through it."""
    if m := _OIDC_ARN.fullmatch(arn):
        o = s.oidc_providers.c
        where = (o.account_id == account_id) & (o.url_key == _url_key(m.group("url")))
        table = s.oidc_providers
    elif m := _SAML_ARN.fullmatch(arn):
        a = s.saml_providers.c
        where = (a.account_id == account_id) & (a.name_lower == m.group("name").lower())
        table = s.saml_providers
    else:
        return None
    if m.group("account") != account_id:
        return None
    found = conn.execute(select(table.c.id).where(where)).scalar()
    return None if found is None else str(found)


def _oidc(tx: Tx, arn: str) -> Any:
    row = _find_oidc(tx, arn)
    if row is None:
        raise _no_oidc(arn)
    return row


def _client_ids(given: Sequence[str] | None, have: Sequence[str] = ()) -> list[str]:
    out = list(have)
    for client_id in given or ():
        if client_id not in out:
            out.append(client_id)
    if len(out) > CLIENT_IDS_PER_PROVIDER:
        raise quota("ClientIdsPerOpenIdConnectProvider", CLIENT_IDS_PER_PROVIDER)
    return out


def _thumbprints(given: Sequence[str] | None) -> list[str]:
    out: list[str] = []
    for thumbprint in given or ():
        if not _HEX40.fullmatch(thumbprint):
            raise InvalidInput(f"Thumbprint {thumbprint} must be 40 hexadecimal digits.")
        if thumbprint.lower() not in out:
            out.append(thumbprint.lower())
    if len(out) > THUMBPRINTS_PER_PROVIDER:
        raise quota("ThumbprintsPerOpenIdConnectProvider", THUMBPRINTS_PER_PROVIDER)
    return out


def _arn_of_oidc(row: Any) -> str:
    return f"arn:{ids.PARTITION}:iam::{row.account_id}:oidc-provider/{row.url}"


def create_open_id_connect_provider(tx: Tx, url: str, client_id_list: Sequence[str] | None = None,
                                    thumbprint_list: Sequence[str] | None = None,
                                    tags: Any = None) -> dict[str, Any]:
    set_target(tx, oidc_arn(tx.account_id, url))
    name = _checked_url(url)
    client_ids = _client_ids(client_id_list)
    thumbprints = _thumbprints(thumbprint_list)
    given = as_tags(tags)
    p = s.oidc_providers.c
    taken = tx.conn.execute(select(p.id).where(
        p.account_id == tx.account_id, p.url_key == _url_key(name)).limit(1)).first()
    if taken is not None:
        raise EntityAlreadyExists(f"Provider with url {url} already exists.")
    check_count(tx.conn, s.oidc_providers, OIDC_PROVIDERS_PER_ACCOUNT,
                "OpenIdConnectProvidersPerAccount", p.account_id == tx.account_id)
    provider_id = "OIDC" + ids.random_id(22)
    tx.conn.execute(s.oidc_providers.insert().values(
        id=provider_id, account_id=tx.account_id, url=name, url_key=_url_key(name),
        client_ids=json.dumps(client_ids), thumbprints=json.dumps(thumbprints),
        created_at=tx.now))
    put_tags(tx, provider_id, given, "OpenIDConnectProvider")
    out: dict[str, Any] = {"OpenIDConnectProviderArn": oidc_arn(tx.account_id, url)}
    if given:
        out["Tags"] = [t.to_aws() for t in get_tags(tx.conn, provider_id)]
    return out


def get_open_id_connect_provider(tx: Tx, open_id_connect_provider_arn: str) -> dict[str, Any]:
    row = _oidc(tx, open_id_connect_provider_arn)
    out: dict[str, Any] = {"Url": row.url, "ClientIDList": json.loads(row.client_ids),
                           "ThumbprintList": json.loads(row.thumbprints),
                           "CreateDate": row.created_at}
    tags = get_tags(tx.conn, row.id)
    if tags:
        out["Tags"] = [t.to_aws() for t in tags]
    return out


def list_open_id_connect_providers(tx: Tx) -> dict[str, Any]:
    rows = tx.conn.execute(select(s.oidc_providers).where(
        s.oidc_providers.c.account_id == tx.account_id)).all()
    arns = sorted(_arn_of_oidc(r) for r in rows)
    return {"OpenIDConnectProviderList": [{"Arn": a} for a in arns]}


def delete_open_id_connect_provider(tx: Tx, open_id_connect_provider_arn: str) -> dict[str, Any]:
    set_target(tx, open_id_connect_provider_arn)
    row = _find_oidc(tx, open_id_connect_provider_arn)
    if row is not None:  # IAM: idempotent
        drop_all(tx, row.id)
        tx.conn.execute(delete(s.oidc_providers).where(s.oidc_providers.c.id == row.id))
    return {}


def add_client_id_to_open_id_connect_provider(tx: Tx, open_id_connect_provider_arn: str,
                                              client_id: str) -> dict[str, Any]:
    set_target(tx, open_id_connect_provider_arn)
    row = _oidc(tx, open_id_connect_provider_arn)
    have = json.loads(row.client_ids)
    if client_id not in have:
        tx.conn.execute(update(s.oidc_providers).where(s.oidc_providers.c.id == row.id).values(
            client_ids=json.dumps(_client_ids([client_id], have))))
    return {}


def remove_client_id_from_open_id_connect_provider(tx: Tx, open_id_connect_provider_arn: str,
                                                   client_id: str) -> dict[str, Any]:
    set_target(tx, open_id_connect_provider_arn)
    row = _oidc(tx, open_id_connect_provider_arn)
    have = json.loads(row.client_ids)
    if client_id in have:
        tx.conn.execute(update(s.oidc_providers).where(s.oidc_providers.c.id == row.id).values(
            client_ids=json.dumps([c for c in have if c != client_id])))
    return {}


def update_open_id_connect_provider_thumbprint(tx: Tx, open_id_connect_provider_arn: str,
                                               thumbprint_list: Sequence[str]) -> dict[str, Any]:
    set_target(tx, open_id_connect_provider_arn)
    row = _oidc(tx, open_id_connect_provider_arn)
    thumbprints = _thumbprints(thumbprint_list)
    tx.conn.execute(update(s.oidc_providers).where(s.oidc_providers.c.id == row.id).values(
        thumbprints=json.dumps(thumbprints)))
    return {}


def tag_open_id_connect_provider(tx: Tx, open_id_connect_provider_arn: str, tags: Any,
                                 ) -> dict[str, Any]:
    set_target(tx, open_id_connect_provider_arn)
    row = _oidc(tx, open_id_connect_provider_arn)
    put_tags(tx, row.id, as_tags(tags), "OpenIDConnectProvider")
    return {}


def untag_open_id_connect_provider(tx: Tx, open_id_connect_provider_arn: str,
                                   tag_keys: Sequence[str]) -> dict[str, Any]:
    set_target(tx, open_id_connect_provider_arn)
    row = _oidc(tx, open_id_connect_provider_arn)
    remove_tags(tx, row.id, list(tag_keys))
    return {}


def list_open_id_connect_provider_tags(tx: Tx, open_id_connect_provider_arn: str,
                                       marker: str | None = None, max_items: int | None = None,
                                       ) -> dict[str, Any]:
    row = _oidc(tx, open_id_connect_provider_arn)
    return page(list(get_tags(tx.conn, row.id)), "Tags", marker, max_items)


# -- SAML metadata ---------------------------------------------------------------------------------


class _Refused(Exception):
    """The document declares a DTD or an entity: parsing stops before anything is expanded."""


def _refuse(*_: Any) -> NoReturn:
    raise _Refused


def _parse_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def metadata_valid_until(document: str) -> datetime | None:
    """The ``validUntil`` of a SAML 2.0 metadata document's ``EntityDescriptor`` (None: it has
    none); ``InvalidInput`` for a document that is not one, or that declares a document type
    (DTDs and entities are refused outright, never expanded)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SkippedEntityHandler = _refuse
    root: list[tuple[str, dict[str, str]]] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if not root:
            root.append((name, attrs))

    parser.StartElementHandler = start
    try:
        parser.Parse(document, True)
    except (_Refused, expat.ExpatError, ValueError):
        raise InvalidInput(_BAD_METADATA) from None
    if not root or root[0][0] != f"{SAML_METADATA_NS} EntityDescriptor":
        raise InvalidInput(_BAD_METADATA)
    valid_until = root[0][1].get("validUntil")
    if valid_until is None:
        return None
    try:
        return _parse_datetime(valid_until)
    except ValueError:
        raise InvalidInput(_BAD_METADATA) from None


# -- SAML ------------------------------------------------------------------------------------------


def saml_arn(account: str, name: str) -> str:
    return ids.arn(account, "saml-provider", "/", name)


def _no_saml(arn: str) -> NoSuchEntity:
    return NoSuchEntity(f"Manifest not found for arn {arn}")


def _saml(tx: Tx, arn: str) -> Any:
    m = _SAML_ARN.fullmatch(arn)
    if m is None:
        raise _arn_error(arn)
    row = None
    if m.group("account") == tx.account_id:
        p = s.saml_providers.c
        row = tx.conn.execute(select(s.saml_providers).where(
            p.account_id == tx.account_id, p.name_lower == m.group("name").lower())).first()
    if row is None:
        raise _no_saml(arn)
    return row


def _no_private_keys(add_private_key: str | None, remove_private_key: str | None = None) -> None:
    if add_private_key is not None or remove_private_key is not None:
        raise InvalidInput(_NO_PRIVATE_KEYS)


def create_saml_provider(tx: Tx, saml_metadata_document: str, name: str, tags: Any = None,
                         assertion_encryption_mode: str | None = None,
                         add_private_key: str | None = None) -> dict[str, Any]:
    arn = saml_arn(tx.account_id, name)
    set_target(tx, arn)
    _no_private_keys(add_private_key)
    valid_until = metadata_valid_until(saml_metadata_document)
    if assertion_encryption_mode == "Required":
        raise InvalidInput(_REQUIRED_WITHOUT_KEY)
    given = as_tags(tags)
    check_new(tx.conn, s.saml_providers, tx.account_id, name,
              f"SAMLProvider {name} already exists.", SAML_PROVIDERS_PER_ACCOUNT,
              "SAMLProvidersPerAccount")
    provider_id = "SAML" + ids.random_id(22)
    tx.conn.execute(s.saml_providers.insert().values(
        id=provider_id, account_id=tx.account_id, name=name, name_lower=name.lower(),
        metadata_document=saml_metadata_document, valid_until=valid_until,
        assertion_encryption_mode=assertion_encryption_mode, created_at=tx.now))
    put_tags(tx, provider_id, given, "SAMLProvider")
    out: dict[str, Any] = {"SAMLProviderArn": arn}
    if given:
        out["Tags"] = [t.to_aws() for t in get_tags(tx.conn, provider_id)]
    return out


def get_saml_provider(tx: Tx, saml_provider_arn: str) -> dict[str, Any]:
    row = _saml(tx, saml_provider_arn)
    out: dict[str, Any] = {"SAMLProviderUUID": row.id,
                           "SAMLMetadataDocument": row.metadata_document,
                           "CreateDate": row.created_at}
    if row.valid_until is not None:
        out["ValidUntil"] = row.valid_until
    if row.assertion_encryption_mode is not None:
        out["AssertionEncryptionMode"] = row.assertion_encryption_mode
    tags = get_tags(tx.conn, row.id)
    if tags:
        out["Tags"] = [t.to_aws() for t in tags]
    return out


def list_saml_providers(tx: Tx) -> dict[str, Any]:
    rows = tx.conn.execute(select(s.saml_providers).where(
        s.saml_providers.c.account_id == tx.account_id)).all()
    items = []
    for row in sorted(rows, key=lambda r: saml_arn(r.account_id, r.name)):
        item: dict[str, Any] = {"Arn": saml_arn(row.account_id, row.name)}
        if row.valid_until is not None:
            item["ValidUntil"] = row.valid_until
        item["CreateDate"] = row.created_at
        items.append(item)
    return {"SAMLProviderList": items}


def update_saml_provider(tx: Tx, saml_provider_arn: str,
                         saml_metadata_document: str | None = None,
                         assertion_encryption_mode: str | None = None,
                         add_private_key: str | None = None,
                         remove_private_key: str | None = None) -> dict[str, Any]:
    set_target(tx, saml_provider_arn)
    _no_private_keys(add_private_key, remove_private_key)
    if saml_metadata_document is None and assertion_encryption_mode is None:
        raise InvalidInput("Unable to update identity provider. No updates are defined for "
                           "metadata or encryption assertion.")
    row = _saml(tx, saml_provider_arn)
    values: dict[str, Any] = {}
    if saml_metadata_document is not None:
        values["valid_until"] = metadata_valid_until(saml_metadata_document)
        values["metadata_document"] = saml_metadata_document
    if assertion_encryption_mode == "Required":
        raise InvalidInput(_REQUIRED_WITHOUT_KEY)
    if assertion_encryption_mode is not None:
        values["assertion_encryption_mode"] = assertion_encryption_mode
    tx.conn.execute(update(s.saml_providers).where(s.saml_providers.c.id == row.id)
                    .values(**values))
    return {"SAMLProviderArn": saml_arn(row.account_id, row.name)}


def delete_saml_provider(tx: Tx, saml_provider_arn: str) -> dict[str, Any]:
    set_target(tx, saml_provider_arn)
    row = _saml(tx, saml_provider_arn)
    drop_all(tx, row.id)
    tx.conn.execute(delete(s.saml_providers).where(s.saml_providers.c.id == row.id))
    return {}


def tag_saml_provider(tx: Tx, saml_provider_arn: str, tags: Any) -> dict[str, Any]:
    set_target(tx, saml_provider_arn)
    row = _saml(tx, saml_provider_arn)
    put_tags(tx, row.id, as_tags(tags), "SAMLProvider")
    return {}


def untag_saml_provider(tx: Tx, saml_provider_arn: str, tag_keys: Sequence[str],
                        ) -> dict[str, Any]:
    set_target(tx, saml_provider_arn)
    row = _saml(tx, saml_provider_arn)
    remove_tags(tx, row.id, list(tag_keys))
    return {}


def list_saml_provider_tags(tx: Tx, saml_provider_arn: str, marker: str | None = None,
                            max_items: int | None = None) -> dict[str, Any]:
    row = _saml(tx, saml_provider_arn)
    return page(list(get_tags(tx.conn, row.id)), "Tags", marker, max_items)
