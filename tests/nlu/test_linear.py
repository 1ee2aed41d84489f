"""The classifier behind matter categories: right labels, and confidences that mean something."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.nlu.linear import CalibratedLinearSVC

TRAIN = {
    "noise": ["广场舞太吵", "楼上天天吵到半夜", "KTV噪音扰民", "酒吧音乐太吵了", "邻居吵架吵死了", "音响声音太大"],
    "garbage": ["垃圾没人清", "垃圾桶满了", "路边垃圾堆成山", "垃圾几天没人收", "楼下垃圾臭得很", "垃圾清运不及时"],
    "parking": ["车堵了我家车库", "乱停车堵路", "人行道上停满车", "僵尸车停了半年", "车位被人占了", "挪车挪车"],
}


def _fit() -> tuple:
    texts = [t for items in TRAIN.values() for t in items]
    labels = [label for label, items in TRAIN.items() for _ in items]
    features = TfidfVectorizer(analyzer="char", ngram_range=(1, 2))
    model = CalibratedLinearSVC(C=1.0).fit(features.fit_transform(texts), labels)
    return features, model


def test_unseen_messages_get_the_right_matter_and_probabilities_that_add_up() -> None:
    features, model = _fit()
    unseen = features.transform(["半夜KTV太吵了", "小区垃圾没人收", "有人乱停车"])
    assert model.predict(unseen) == ["noise", "garbage", "parking"]
    probabilities = model.predict_proba(unseen)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert list(model.classes_[probabilities.argmax(axis=1)]) == ["noise", "garbage", "parking"]


def test_a_message_about_nothing_known_is_less_certain_than_a_clear_one() -> None:
    features, model = _fit()
    clear, vague = model.predict_proba(features.transform(["垃圾桶满了没人清", "你好"]))
    assert clear.max() > vague.max()
