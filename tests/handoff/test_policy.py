"""The silence policy: while a clerk has the chat every resident message goes to the clerk and
nothing else; pushed intents (the clerk's reply, the hand-back, ticket progress) pass through."""

from __future__ import annotations

from typing import List

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.slots import BooleanSlot
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.policy import next_action


def _tracker(events: List[Event]) -> DialogueStateTracker:
    slot = BooleanSlot("handoff_active", mappings=[{"type": "custom"}], influence_conversation=False)
    return DialogueStateTracker.from_events("tg:1", events, slots=[slot])


def _said(intent: str) -> List[Event]:
    return [UserUttered("……", intent={"name": intent, "confidence": 1.0})]


HANDED = [ActionExecuted("action_listen"), SlotSet("handoff_active", True)]


@pytest.mark.parametrize("intent", ["greet", "report_problem", "ask_human", "nlu_fallback", "cancel", "affirm"])
def test_while_a_clerk_has_the_chat_every_resident_message_is_relayed(intent):
    assert (
        next_action(_tracker([*HANDED, ActionExecuted("action_listen"), *_said(intent)])) == "action_relay_to_operator"
    )


def test_after_relaying_the_bot_listens():
    events = [*HANDED, ActionExecuted("action_listen"), *_said("greet"), ActionExecuted("action_relay_to_operator")]
    assert next_action(_tracker(events)) == "action_listen"


@pytest.mark.parametrize("intent", ["EXTERNAL_operator_reply", "EXTERNAL_handback", "EXTERNAL_ticket_update", "rate"])
def test_pushed_intents_and_the_rating_of_a_pushed_update_are_left_to_the_rules(intent):
    assert next_action(_tracker([*HANDED, ActionExecuted("action_listen"), *_said(intent)])) is None


def test_without_a_handoff_the_policy_stays_out_of_the_way():
    assert next_action(_tracker([ActionExecuted("action_listen"), *_said("greet")])) is None


def test_a_handoff_that_could_not_be_opened_returns_to_the_form():
    events = [
        ActionExecuted("action_listen"),
        *_said("report_problem"),
        ActionExecuted("complaint_form"),
        ActiveLoop("complaint_form"),
        ActionExecuted("action_listen"),
        *_said("ask_human"),
        ActionExecuted("action_request_handoff"),
    ]
    assert next_action(_tracker(events)) == "complaint_form"
