"""``IdentityService.inline()``: what the server's event loop may answer without a thread.

Inside it, a call that would run a statement raises ``WouldBlock`` before anything changes, and
the same call made afterwards (as the server makes it, in a thread) runs once. A read answered
from the caches completes inside it, on both databases; ``serve`` tries so every request that
``needs_database`` does not send straight to the pool.

The generation cache behind those answers learns a write's generation only once the write has
committed, and never goes back to an older one read meanwhile.
"""

from __future__ import annotations

from typing import Any

import pytest
from callers import new_user
from policy_docs import allow

from a2c_iam.identity import IdentityError, IdentityService
from a2c_iam.store import WouldBlock


def test_a_write_gives_way_before_it_changes_anything(svc: IdentityService, call: Any) -> None:
    ctx = new_user(call, svc, "admin", allow("iam:*"))
    svc.invoke("iam", "ListUsers", {}, ctx)
    with pytest.raises(WouldBlock), svc.inline():
        svc.invoke("iam", "CreateUser", {"UserName": "bob"}, ctx)
    assert [u["UserName"] for u in call("ListUsers")["Users"]] == ["admin"]
    svc.invoke("iam", "CreateUser", {"UserName": "bob"}, ctx)
    assert [u["UserName"] for u in call("ListUsers")["Users"]] == ["admin", "bob"]


def test_an_uncached_read_gives_way_and_a_cached_one_completes(
        svc: IdentityService, call: Any) -> None:
    call("CreateUser", UserName="target")
    ctx = new_user(call, svc, "reader", allow("iam:GetUser"))
    with pytest.raises(WouldBlock), svc.inline():
        svc.invoke("iam", "GetUser", {"UserName": "target"}, ctx)
    first = svc.invoke("iam", "GetUser", {"UserName": "target"}, ctx)
    with svc.inline():
        again = svc.invoke("iam", "GetUser", {"UserName": "target"}, ctx)
    assert again == first
    # Still authorised inline. This refusal needs the store (the target's path, for the
    # caller's decision), so it gives way, and is refused when made again.
    nobody = new_user(call, svc, "nobody")
    with pytest.raises(WouldBlock), svc.inline():
        svc.invoke("iam", "GetUser", {"UserName": "target"}, nobody)
    with pytest.raises(IdentityError) as info:
        svc.invoke("iam", "GetUser", {"UserName": "target"}, nobody)
    assert info.value.code == "AccessDenied"


def test_the_key_use_is_recorded_when_the_call_is_made_again(
        svc: IdentityService, call: Any) -> None:
    call("CreateUser", UserName="target")
    ctx = new_user(call, svc, "user", allow("iam:GetUser"))
    key = ctx.caller.access_key_id  # type: ignore[union-attr]
    params = {"UserName": "target"}
    svc.invoke("iam", "GetUser", params, ctx, {"aws:RequestedRegion": "eu-west-1"})
    # The use is recorded at most once a minute: forget the one just made, so that the next call
    # has to write it, and make that call inline. On PostgreSQL the answer comes from the cache
    # and only the last-use write gives way; the call made again must still record it.
    svc._key_use.clear()  # noqa: SLF001 - the once-a-minute memory is what is under test
    with pytest.raises(WouldBlock), svc.inline():
        svc.invoke("iam", "GetUser", params, ctx, {"aws:RequestedRegion": "ap-south-1"})
    assert call("GetAccessKeyLastUsed", AccessKeyId=key)["AccessKeyLastUsed"]["Region"] == "eu-west-1"
    svc.invoke("iam", "GetUser", params, ctx, {"aws:RequestedRegion": "ap-south-1"})
    assert call("GetAccessKeyLastUsed", AccessKeyId=key)["AccessKeyLastUsed"]["Region"] == "ap-south-1"


def test_a_rolled_back_write_teaches_no_generation(svc: IdentityService, call: Any,
                                                   account: Any) -> None:
    from a2c_iam.identity.tx import generation

    call("CreateUser", UserName="bob")
    with pytest.raises(IdentityError):
        call("CreateUser", UserName="BOB")  # EntityAlreadyExists, after the account was locked
    with svc.db.read() as conn:
        stored = generation(conn, account.account_id)
    assert svc._generations[account.account_id][0] == stored  # noqa: SLF001


def test_a_generation_read_before_a_write_committed_is_not_learned(
        svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    call("CreateUser", UserName="bob")
    now = svc._generations[acct][0]  # noqa: SLF001 - learned from the committed write
    svc._learn(acct, now - 1)  # noqa: SLF001 - what a re-read that raced the write would teach
    assert svc._generations[acct][0] == now  # noqa: SLF001


@pytest.mark.parametrize("operation, needs", [
    ("CreateUser", True), ("GetSessionToken", True), ("GetRole", True),  # a write; uncached
    ("GetUser", False), ("ListUsers", False), ("GetCallerIdentity", False),
    ("SimulatePrincipalPolicy", True), (None, False),
])
def test_what_certainly_needs_the_database(svc: IdentityService, operation: str | None,
                                           needs: bool) -> None:
    assert svc.needs_database(operation) is needs
