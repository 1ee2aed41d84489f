"""The lifecycle table: every allowed step, and a sample of forbidden ones (pure, no database)."""

import pytest

from bot.errors import InvalidInput, InvalidTransition
from bot.ticketing.lifecycle import TABLE, Action, after_rating, allowed_actions, check, parse_action
from bot.ticketing.states import Status

S, A = Status, Action

ALLOWED = [
    (A.dispatch, S.accepted, S.dispatched),
    (A.dispatch, S.dispatched, S.dispatched),  # 改派 before signing
    (A.dispatch, S.rejected, S.dispatched),  # 改派 after 退单
    (A.dispatch, S.reopened, S.dispatched),
    (A.sign, S.dispatched, S.signed),
    (A.sign, S.reopened, S.signed),
    (A.start, S.signed, S.in_progress),
    (A.resolve, S.signed, S.resolved),
    (A.resolve, S.in_progress, S.resolved),
    (A.reject, S.dispatched, S.rejected),
    (A.reject, S.signed, S.rejected),
    (A.reopen, S.resolved, S.reopened),
    (A.reopen, S.return_visit, S.reopened),
    (A.reopen, S.closed, S.reopened),
    (A.rate, S.resolved, S.return_visit),
    (A.rate, S.return_visit, S.return_visit),
    *[(A.escalate, s, s) for s in (S.accepted, S.dispatched, S.signed, S.in_progress, S.rejected, S.reopened)],
    *[(A.note, s, s) for s in (S.accepted, S.dispatched, S.signed, S.in_progress, S.rejected, S.resolved)],
    *[(A.merge, s, S.merged) for s in (S.accepted, S.dispatched, S.signed, S.in_progress, S.rejected, S.reopened)],
    *[(A.cancel, s, S.cancelled) for s in (S.accepted, S.dispatched, S.signed, S.in_progress, S.rejected)],
]

FORBIDDEN = [
    (A.sign, S.accepted),  # nobody has been sent the ticket yet
    (A.sign, S.signed),
    (A.start, S.dispatched),  # sign first
    (A.resolve, S.dispatched),
    (A.resolve, S.rejected),
    (A.reject, S.in_progress),  # once work started, resolve or ask for 改派 by phone
    (A.reject, S.resolved),
    (A.rate, S.in_progress),
    (A.rate, S.closed),
    (A.cancel, S.resolved),
    (A.cancel, S.closed),
    (A.merge, S.merged),
    (A.dispatch, S.signed),
    (A.dispatch, S.closed),
    (A.escalate, S.closed),
    (A.escalate, S.cancelled),
    (A.reopen, S.in_progress),
    (A.note, S.cancelled),
]


@pytest.mark.parametrize(("action", "source", "target"), ALLOWED)
def test_allowed_steps_lead_where_the_lifecycle_says(action, source, target):
    assert check(action, source) is target
    assert action in allowed_actions(source)


@pytest.mark.parametrize(("action", "source"), FORBIDDEN)
def test_forbidden_steps_are_refused_in_chinese(action, source):
    with pytest.raises(InvalidTransition) as error:
        check(action, source)
    assert source.label in error.value.message and action.label in error.value.message
    assert error.value.status == 409


def test_the_table_knows_every_action_and_final_states_are_final():
    assert set(TABLE) == set(Action)
    for final in (S.merged, S.cancelled):
        assert allowed_actions(final) == ()
    assert allowed_actions(S.closed) == (A.reopen,)


@pytest.mark.parametrize(("rating", "target"), [(1, S.reopened), (2, S.reopened), (3, S.closed), (5, S.closed)])
def test_low_ratings_reopen_and_good_ones_close(rating, target):
    assert after_rating(rating)[1] is target


def test_unknown_actions_are_invalid_input():
    with pytest.raises(InvalidInput):
        parse_action("drop table tickets;--")


def test_the_partial_index_knows_the_running_states():
    from bot.ticketing.lifecycle import RUNNING
    from bot.ticketing.models import RUNNING_STATES

    assert set(RUNNING_STATES) == {s.value for s in RUNNING}
