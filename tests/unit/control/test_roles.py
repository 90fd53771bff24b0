"""SPEC 2.10: `viewer` reads everything; `collector` also pauses, resumes, records
promises, previews and sends; `approver` also approves, cancels, reconciles and clears
bounce marks. Machine callers keep IAM (SigV4) access."""

from __future__ import annotations

import pytest

from dunning.domain.control.audit import Action
from dunning.domain.control.roles import (
    ALL_GROUPS,
    MINIMUM_GROUP,
    NOBODY,
    PREVIEW,
    READ,
    Caller,
    Group,
    NotAllowed,
    caller_of,
    groups_of,
)

pytestmark = pytest.mark.unit

COLLECTOR_WORK = [READ, PREVIEW, Action.PAUSE, Action.RESUME, Action.PROMISE, Action.SEND_NOW]
APPROVER_WORK = [Action.APPROVE, Action.CANCEL, Action.RECONCILE, Action.CLEAR_MARK]


def _in(*groups: Group) -> Caller:
    return Caller("eva", frozenset(groups))


def test_a_viewer_reads_everything_and_changes_nothing():
    viewer = _in(Group.VIEWER)
    assert viewer.may(READ)
    assert not any(viewer.may(what) for what in [*COLLECTOR_WORK[1:], *APPROVER_WORK])


def test_a_collector_also_pauses_resumes_promises_previews_and_sends():
    collector = _in(Group.COLLECTOR)
    assert all(collector.may(what) for what in COLLECTOR_WORK)
    assert not any(collector.may(what) for what in APPROVER_WORK)


def test_an_approver_also_approves_cancels_reconciles_and_clears_bounce_marks():
    approver = _in(Group.APPROVER)  # the groups are cumulative: approver alone is enough
    assert all(approver.may(what) for what in [*COLLECTOR_WORK, *APPROVER_WORK])


def test_every_change_a_caller_makes_has_a_minimum_group():
    # An import is recorded too, but the importer makes it, not a caller of the API.
    assert set(Action) - {Action.IMPORT} <= set(MINIMUM_GROUP)
    assert Action.IMPORT not in MINIMUM_GROUP


def test_refusal_names_the_caller_the_change_and_the_missing_group():
    with pytest.raises(NotAllowed, match="eva may not send now: that needs the group collector"):
        _in(Group.VIEWER).require(Action.SEND_NOW)
    with pytest.raises(NotAllowed) as refused:
        _in(Group.COLLECTOR).require(Action.APPROVE)
    assert refused.value.needs == Group.APPROVER


def test_nobody_may_even_read():
    assert not NOBODY.may(READ)


def test_a_cognito_user_of_a_user_pool_authorizer_is_its_user_name_with_its_groups():
    claims = {"sub": "s-1", "cognito:username": "eva", "cognito:groups": "viewer,collector"}
    caller = caller_of({"authorizer": {"claims": claims}})
    assert caller == Caller("eva", frozenset({Group.VIEWER, Group.COLLECTOR}))
    only_sub = caller_of({"authorizer": {"claims": {"sub": "s-1"}}})
    assert only_sub == Caller("s-1", frozenset())


def test_a_user_of_the_lambda_authorizer_is_its_context_actor_and_groups():
    context = {"authorizer": {"principalId": "eva", "actor": "eva", "groups": "approver"}}
    assert caller_of(context) == Caller("eva", frozenset({Group.APPROVER}))


def test_an_iam_caller_keeps_full_access():
    iam = {"identity": {"userArn": "arn:aws:iam::1:user/bot", "caller": "AIDA"}}
    assert caller_of(iam) == Caller("arn:aws:iam::1:user/bot", ALL_GROUPS)


def test_a_request_with_no_identity_gets_no_group():
    assert caller_of(None) == NOBODY
    assert caller_of({"identity": {"sourceIp": "10.0.0.1"}, "authorizer": None}) == NOBODY


@pytest.mark.parametrize(
    ("value", "groups"),
    [
        (["viewer", "approver"], {Group.VIEWER, Group.APPROVER}),
        ("[viewer, collector]", {Group.VIEWER, Group.COLLECTOR}),
        ("collector admins", {Group.COLLECTOR}),  # a group of another app is no group here
        ("", set()),
        (None, set()),
    ],
)
def test_groups_are_read_from_lists_and_flattened_text(value, groups):
    assert groups_of(value) == groups
