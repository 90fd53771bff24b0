"""Who may do what (SPEC 2.10): the groups people sign in with, and the caller of a
request as API Gateway identified it.

The groups are cumulative: `viewer` reads everything; `collector` also pauses, resumes,
records promises, previews and sends; `approver` also approves, cancels, reconciles and
clears bounce marks. A person in `approver` alone may therefore also pause. Machine
callers (IAM, SigV4) keep full access; a request that carries no identity at all (a
misconfigured API) gets no group, so it may neither read nor change anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dunning.domain.control.audit import UNKNOWN_ACTOR, Action


class Group(StrEnum):
    VIEWER = "viewer"
    COLLECTOR = "collector"
    APPROVER = "approver"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Group.VIEWER: 1, Group.COLLECTOR: 2, Group.APPROVER: 3}
ALL_GROUPS = frozenset(Group)

# What a caller does that is not a recorded change (Action): reading, and a preview.
READ = "read"
PREVIEW = "preview"

# The least group each thing needs (SPEC 2.10).
MINIMUM_GROUP: Mapping[str, Group] = {
    READ: Group.VIEWER,
    PREVIEW: Group.COLLECTOR,
    Action.PAUSE: Group.COLLECTOR,
    Action.RESUME: Group.COLLECTOR,
    Action.PROMISE: Group.COLLECTOR,
    Action.SEND_NOW: Group.COLLECTOR,
    Action.APPROVE: Group.APPROVER,
    Action.CANCEL: Group.APPROVER,
    Action.RECONCILE: Group.APPROVER,
    Action.CLEAR_MARK: Group.APPROVER,
}


class NotAllowed(Exception):
    """The caller's groups do not allow it (the API answers 403)."""

    def __init__(self, actor: str, what: str, needs: Group):
        self.actor, self.what, self.needs = actor, what, needs
        super().__init__(f"{actor} may not {what.replace('_', ' ')}: that needs the group {needs}")


@dataclass(frozen=True)
class Caller:
    """The person or machine a request acts for, and its groups."""

    actor: str
    groups: frozenset[Group]

    def may(self, what: str) -> bool:
        needs = MINIMUM_GROUP[what]
        return any(group.rank >= needs.rank for group in self.groups)

    def require(self, what: str) -> None:
        if not self.may(what):
            raise NotAllowed(self.actor, what, MINIMUM_GROUP[what])


NOBODY = Caller(UNKNOWN_ACTOR, frozenset())


def groups_of(value: Any) -> frozenset[Group]:
    """The known groups in a claim or an authorizer's context: a JSON list, or text
    separated by commas or spaces (API Gateway flattens claims to text, sometimes as
    "[a, b]"); unknown group names are ignored."""
    if isinstance(value, str):
        names: Iterable[Any] = value.strip("[] ").replace(",", " ").split()
    elif isinstance(value, (list, tuple, set, frozenset)):
        names = value
    else:
        return frozenset()
    known = {str(g) for g in Group}
    return frozenset(Group(str(n).strip()) for n in names if str(n).strip() in known)


def caller_of(request_context: Mapping[str, Any] | None) -> Caller:
    """The caller as API Gateway identified it.

    - A Lambda authorizer (ours on the people API, and the local driver) puts
      `{actor, groups}` in `authorizer`.
    - A COGNITO_USER_POOLS authorizer puts the ID token's `claims` there: the user
      name (else the subject) and `cognito:groups`.
    - IAM (SigV4) leaves `authorizer` empty and names the principal in `identity`: a
      machine caller, with every group.
    - Nothing at all: nobody, with no group.
    """
    context = request_context or {}
    authorizer = context.get("authorizer") or {}
    if authorizer.get("actor"):
        return Caller(str(authorizer["actor"]), groups_of(authorizer.get("groups")))
    claims = authorizer.get("claims") or {}
    for name in ("cognito:username", "sub"):
        if claims.get(name):
            return Caller(str(claims[name]), groups_of(claims.get("cognito:groups")))
    identity = context.get("identity") or {}
    for name in ("userArn", "caller"):
        if identity.get(name):
            return Caller(str(identity[name]), ALL_GROUPS)
    return NOBODY
