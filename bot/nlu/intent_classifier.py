"""Dialogue intents (greet, report_problem, ask_progress, inform, …) with a calibrated linear SVM.

Intents are told apart by their words, not by word order, so the linear model the matter
classifier uses does as well as DIET did on the held-out set and trains in seconds instead of
minutes (measured: see README, "NLU figures"). Numbers the resident types matter more than their
digits: a ticket number alone asks for progress, a phone number alone answers "how can we reach
you", so each becomes a token of its own kind before the model sees the text.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import patterns
from bot.nlu.linear import CalibratedLinearSVC
from bot.nlu.matter_classifier import Features, words_of
from bot.nlu.stored import StoredModels
from bot.nlu.text import normalize

log = logging.getLogger(__name__)


def _with_kinds(text: str) -> tuple[str, str]:
    """Words and characters of `text`, each phone or ticket number replaced by its kind."""
    plain = normalize(text)
    for match in sorted(patterns.extract(plain), key=lambda m: m.start, reverse=True):
        if match.entity in ("phone", "ticket_number", "plate"):
            plain = f"{plain[: match.start]} {match.entity.upper()} {plain[match.end :]}"
    return words_of(plain), plain


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(StoredModels, IntentClassifier):
    model_file = "intent_classifier.joblib"

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"C": 1.0, "ranking_length": 10}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            log.warning("LinearIntentClassifier: fewer than two intents; nothing to learn")
            return self._resource
        features = Features()
        pairs = [_with_kinds(m.get(TEXT)) for m in examples]
        matrix = features.fit_transform([w for w, _ in pairs], [c for _, c in pairs])
        classifier = CalibratedLinearSVC(C=self._config["C"]).fit(matrix, [m.get(INTENT) for m in examples])
        return self._persist({"features": features, "intent": classifier})

    def process(self, messages: List[Message]) -> List[Message]:
        if not self._models:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""  # an empty message is classified too: the fallback answers it
            words, chars = _with_kinds(text)
            row = self._models["features"].transform([words], [chars])
            classifier = self._models["intent"]
            probabilities = classifier.predict_proba(row)[0]
            order = np.argsort(probabilities)[::-1][: self._config["ranking_length"]]
            ranking = [
                {INTENT_NAME_KEY: str(classifier.classes_[i]), PREDICTED_CONFIDENCE_KEY: float(probabilities[i])}
                for i in order
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
