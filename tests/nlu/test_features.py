"""The classifiers' TF-IDF features are computed by hand for speed; they must equal scikit-learn's."""

from __future__ import annotations

import pickle

import numpy as np
import scipy.sparse as sp

from bot.nlu.matter_classifier import Features, words_of
from bot.nlu.text import normalize

TRAINING = [
    "楼下烧烤摊天天占道经营，晚上吵得睡不着",
    "中华北路58号门口的路灯坏了三盏，请尽快修",
    "家里停水两天了，老人等着用水",
    "有人往南明河里倒废油，味道很大",
    "请问公积金怎么提取",
    "小区门口乱停车，车库门被堵死了",
]
NEW = ["樓下燒烤攤又在佔道", "路灯不亮 麻烦修一下", "停水了 什么时候来水？", "完全没见过的词语组合"]


def _sklearn(features: Features, texts):
    return sp.hstack(
        [
            features.words.transform([words_of(t) for t in texts]),
            features.chars.transform([normalize(t) for t in texts]),
        ]
    ).tocsr()


def test_features_of_new_messages_are_scikit_learns_tfidf_also_after_a_refit_and_pickling() -> None:
    features = Features()
    features.fit_transform([words_of(t) for t in TRAINING], [normalize(t) for t in TRAINING])
    ours = features.transform([words_of(t) for t in NEW], [normalize(t) for t in NEW])
    assert ours.shape == _sklearn(features, NEW).shape
    assert np.allclose(ours.toarray(), _sklearn(features, NEW).toarray())

    features.fit_transform([words_of(t) for t in TRAINING[:3]], [normalize(t) for t in TRAINING[:3]])  # new idf
    restored = pickle.loads(pickle.dumps(features))
    again = restored.transform([words_of(t) for t in NEW], [normalize(t) for t in NEW])
    assert np.allclose(again.toarray(), _sklearn(features, NEW).toarray())
