"""Matter category (事项类别) and appeal type (诉求类型) for every message.

Dialogue intents say what the resident does in the conversation; this component says what the
appeal is about. It learns from the `category` and `appeal_type` metadata of the
`report_problem` examples in `nlu_data/matters/`, with word and character n-grams — short
Chinese chat lines are often mis-segmented, so characters carry what words miss.
"""

from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import Any, Dict, List, Tuple

import numpy as np
import scipy.sparse as sp
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import METADATA, METADATA_EXAMPLE, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize as unit_rows

from bot.nlu.linear import CalibratedLinearSVC
from bot.nlu.stored import StoredModels
from bot.nlu.text import jieba_words, normalize

log = logging.getLogger(__name__)
MATTER = "matter"  # the key of the result in Rasa's parse data
# Sentences, and clauses that open a new matter ("另外…", "还有…"), of a message that may report two.
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])|(?=[，,]\s*(?:另外|此外|还有|同时|顺便|再一个|再就是|而且))")


def _label(message: Message, key: str) -> str | None:
    metadata = message.get(METADATA) or {}
    for level in (METADATA_EXAMPLE, METADATA_INTENT):
        value = (metadata.get(level) or {}).get(key)
        if value:
            return str(value)
    return None


def words_of(text: str) -> str:
    """Jieba words of the whole normalised text (the tokenizer caps its tokens; this does not)."""
    return " ".join(word for word in jieba_words(normalize(text)) if word.strip())


class Features:
    """Word uni/bi-grams over jieba tokens plus character 1–3-grams, both TF-IDF."""

    def __init__(self) -> None:
        self.words = TfidfVectorizer(token_pattern=r"(?u)\S+", ngram_range=(1, 2), sublinear_tf=True, min_df=1)
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)

    def fit_transform(self, words: List[str], texts: List[str]) -> sp.csr_matrix:
        self.__dict__.pop("_idf", None)  # a refit has new idf vectors
        matrix = sp.hstack([self.words.fit_transform(words), self.chars.fit_transform(texts)]).tocsr()
        for vectorizer in (self.words, self.chars):
            vectorizer.stop_words_ = None  # the n-grams min_df left out: only for introspection (3 MB)
        return matrix

    @cached_property
    def _idf(self) -> List[np.ndarray]:
        """The fitted idf vectors, read once (also for models pickled before they were cached)."""
        return [np.asarray(vectorizer.idf_) for vectorizer in (self.words, self.chars)]

    def transform(self, words: List[str], texts: List[str]) -> sp.csr_matrix:
        # What TfidfVectorizer.transform computes, without its fitted-checks: scikit-learn 1.1
        # rebuilds the idf vector from a diagonal matrix for each check, twice per call — a tenth
        # of the time of a whole parse. Each block is l2-normalised on its own, as before.
        blocks = []
        for vectorizer, idf, docs in zip((self.words, self.chars), self._idf, (words, texts), strict=True):
            counts = CountVectorizer.transform(vectorizer, docs).astype(np.float64)
            np.log(counts.data, out=counts.data)
            counts.data += 1.0  # sublinear tf
            counts.data *= idf[counts.indices]
            blocks.append(unit_rows(counts, copy=False))
        return sp.hstack(blocks).tocsr()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class MatterClassifier(StoredModels):
    model_file = "matter_classifier.joblib"

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Inverse regularisation of the linear SVMs, chosen by 5-fold cross-validation on the
            # training data: appeal types are told by a few words in a long text and gain from more.
            "C": 1.0,
            "appeal_type_C": 0.3,
            "ranking_length": 5,  # how many categories the ranking lists
            # A sentence about another category with at least this probability is a second matter,
            # looked for only in messages long enough to tell two matters (a chat line seldom does).
            # Measured on the held-out letters: 0.9 finds 60 % of second matters and offers one
            # wrongly after 6.5 % of single-matter messages. A wrong offer costs a tap on "不用了";
            # a missed matter may be a complaint never filed, so recall wins over precision here.
            "second_matter_threshold": 0.9,
            "second_matter_min_chars": 40,
        }

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if _label(m, "category")]
        if not examples:
            log.warning("MatterClassifier: no examples with category metadata; nothing to learn")
            return self._resource
        features = Features()
        texts = [m.get(TEXT) or "" for m in examples]
        matrix = features.fit_transform([words_of(t) for t in texts], [normalize(t) for t in texts])
        models: Dict[str, Any] = {"features": features}
        for key in ("category", "appeal_type"):
            labels = [_label(m, key) or "" for m in examples]
            rows = [i for i, label in enumerate(labels) if label]
            strength = self._config["appeal_type_C" if key == "appeal_type" else "C"]
            classifier = CalibratedLinearSVC(C=strength).fit(matrix[rows], [labels[i] for i in rows])
            models[key] = classifier
        return self._persist(models)

    def _rank(self, key: str, row: sp.csr_matrix) -> List[Tuple[str, float]]:
        classifier = self._models[key]
        probabilities = classifier.predict_proba(row)[0]
        order = np.argsort(probabilities)[::-1]
        return [(str(classifier.classes_[i]), float(probabilities[i])) for i in order]

    def _second_matter(self, text: str, main: str) -> Tuple[str, float] | None:
        """A sentence that is confidently about another category than the message as a whole."""
        if len(text) < self._config["second_matter_min_chars"]:
            return None
        spans, start = [], 0
        for part in _SENTENCE_END.split(text):
            if len(part.strip()) >= 6:
                spans.append((start, start + len(part)))
            start += len(part)
        if len(spans) < 2:
            return None
        parts = [text[a:b] for a, b in spans]
        rows = self._models["features"].transform([words_of(p) for p in parts], [normalize(p) for p in parts])
        classifier = self._models["category"]
        best: Tuple[str, float] | None = None
        threshold = self._config["second_matter_threshold"]
        for probabilities in classifier.predict_proba(rows):
            top = int(np.argmax(probabilities))
            code, probability = str(classifier.classes_[top]), float(probabilities[top])
            if code not in (main, "other") and probability >= threshold and (best is None or probability > best[1]):
                best = (code, probability)
        return best

    def process(self, messages: List[Message]) -> List[Message]:
        if not self._models:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            row = self._models["features"].transform([words_of(text)], [normalize(text)])
            categories = self._rank("category", row)
            appeal_types = self._rank("appeal_type", row)
            second = self._second_matter(text, categories[0][0])
            message.set(
                MATTER,
                {
                    "category": categories[0][0],
                    "confidence": round(categories[0][1], 4),
                    "ranking": [
                        {"category": code, "confidence": round(p, 4)}
                        for code, p in categories[: self._config["ranking_length"]]
                    ],
                    "appeal_type": appeal_types[0][0],
                    "appeal_type_confidence": round(appeal_types[0][1], 4),
                    "second_category": second[0] if second else None,
                    "second_confidence": round(second[1], 4) if second else None,
                },
                add_to_output=True,
            )
        return messages
