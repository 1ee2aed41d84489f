"""While a clerk has the conversation (slot `handoff_active`), the bot says nothing of its own.

Rules cannot match "any intent", so this small policy, with a priority above RulePolicy's, takes
every resident message to `action_relay_to_operator` and then listens. Intents pushed from outside
(`EXTERNAL_*`: the clerk's reply, the hand-back, ticket progress) and the rating button of a progress
push are left to the rules. It also
brings a complaint form back after a handoff that could not be opened (the linkage service down),
so the resident's half-told complaint goes on where it stopped.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.core.constants import RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

ACTIVE_SLOT = "handoff_active"
RELAY_ACTION = "action_relay_to_operator"
REQUEST_ACTION = "action_request_handoff"
EXTERNAL_PREFIX = "EXTERNAL_"
# Answers to a question the bot itself asked during the handoff (the 1–5 rating pushed after 办结).
BOT_QUESTIONS = ("rate",)


def next_action(tracker: DialogueStateTracker) -> Optional[str]:
    """The action this policy insists on, or None to leave the turn to the other policies."""
    latest = tracker.latest_action_name
    if not tracker.get_slot(ACTIVE_SLOT):
        if latest == REQUEST_ACTION and tracker.active_loop_name:
            return tracker.active_loop_name  # no clerk could be reached: carry on with the form
        return None
    if latest == ACTION_LISTEN_NAME:
        intent = str((tracker.latest_message.intent if tracker.latest_message else {}).get("name") or "")
        return None if intent.startswith(EXTERNAL_PREFIX) or intent in BOT_QUESTIONS else RELAY_ACTION
    if latest == RELAY_ACTION:
        return ACTION_LISTEN_NAME
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class HandoffPolicy(Policy):
    """Bot silence during a handoff; nothing to learn, so training only stores an empty resource."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"priority": RULE_POLICY_PRIORITY + 1}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = next_action(tracker)
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        # Like a form's happy path, this does not depend on what the resident said: it overrules rules.
        return self._prediction(probabilities, is_no_user_prediction=True)
