"""The held-out set measures the bot on messages it has never seen: no held-out text may be in
the training data, or nearly the same as a training example (the evaluation would flatter it)."""

from __future__ import annotations

import pytest

from bot.bench import DEVELOPMENT, HELDOUT, load_rows, training_texts
from bot.evaluation import near_duplicates

THRESHOLD = 0.5  # character-trigram Jaccard; pairs above it read as the same message reworded


@pytest.mark.parametrize(("folder", "size"), [(HELDOUT, 1050), (DEVELOPMENT, 200)])
def test_no_heldout_message_is_in_or_near_the_training_data(folder, size) -> None:
    heldout = [row["text"] for row in load_rows([folder])]
    training = training_texts()
    assert len(heldout) >= size and len(training) >= 1000, "held-out set or training data went missing"
    clashes = near_duplicates(heldout, training, THRESHOLD)
    listing = "\n".join(f"{score:.2f}  held-out: {h[:50]}  |  training: {t[:50]}" for h, t, score in clashes[:30])
    assert not clashes, f"{len(clashes)} held-out messages are (nearly) in the training data:\n{listing}"


def test_near_duplicates_sees_through_punctuation_width_and_traditional_characters() -> None:
    training = ["楼下烧烤摊天天占道经营，晚上吵得睡不着", "请问公积金怎么提取"]
    heldout = [
        "樓下燒烤攤天天佔道經營 晚上吵得睡不著！",  # the first, in 繁體 with other punctuation
        "请问公积金怎么提取？？",  # the second, with question marks
        "中华北路的路灯坏了三盏",  # unrelated
    ]
    found = {h for h, _, _ in near_duplicates(heldout, training, THRESHOLD)}
    assert found == set(heldout[:2])
