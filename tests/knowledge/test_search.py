"""Knowledge-base search in Chinese: the caller's words find the answer; small talk finds nothing;
a question about something no article covers is not mistaken for a confident match."""

import pytest

from bot.knowledge.search import build, entry, search, unknown_words

INDEX = build(
    [
        entry(
            1, "guide", "居住证怎么办理", "居住证 办理 暂住证", "civil_affairs", "携带身份证到社区服务中心申领居住证"
        ),
        entry(2, "guide", "公积金怎么提取", "公积金 提取 租房", "housing", "租房提取需身份证、银行卡", "公积金中心"),
        entry(3, "policy", "养老保险断缴能不能补缴", "养老保险 补缴 社保 断缴", "social_insurance", "重新参保后续缴"),
        entry(4, "policy", "工地晚上几点以后不能施工", "夜间施工 施工时间", "construction_noise", "22点后禁止噪声作业"),
    ]
)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("你好，我想问一下居住证在哪里办", 1),
        ("租房子的话公积金能取出来吗", 2),
        ("我社保断缴了两年还能补缴吗", 3),
        ("樓下工地晚上幾點以後不准施工？", 4),  # 繁體 and full-width punctuation fold first
    ],
)
def test_the_callers_words_find_the_answer(query, first):
    hits = search(INDEX, query)
    assert hits and hits[0].id == first and 0 < hits[0].confidence <= 1


@pytest.mark.parametrize("query", ["", "你好", "我想问一下怎么办", "谢谢你", "😀", "hello", "？？？"])
def test_small_talk_finds_nothing(query):
    assert search(INDEX, query) == []


def test_a_plain_list_of_entries_is_searched_like_an_index():
    assert search(list(INDEX.entries), "公积金怎么取")[0].office == "公积金中心"


def test_a_question_about_something_else_is_not_a_confident_match():
    """ "地铁末班车几点" shares only a word with the building-site article: the words no article knows
    (地铁, 末班车) pull its confidence down, so the bot will not answer it with that article."""
    assert set(unknown_words("地铁一号线最晚一班几点", INDEX.word_weights)) >= {"地铁", "一号线"}
    asked = search(INDEX, "工地晚上几点以后不能施工")[0]
    other = search(INDEX, "地铁一号线晚上最晚一班车几点")
    assert asked.confidence > 0.9
    assert not other or other[0].confidence < 0.5


def test_place_names_are_context_not_an_unknown_subject():
    plain = search(INDEX, "居住证怎么办")[0].confidence
    with_place = search(INDEX, "我住宝山北路，居住证怎么办")[0].confidence
    assert with_place == pytest.approx(plain)


def test_the_callers_category_breaks_a_tie():
    tie = build(
        [
            entry(1, "guide", "证明怎么开", "证明", None, "到社区开"),
            entry(2, "guide", "证明怎么开", "证明", "civil_affairs", "到社区开"),
            *INDEX.entries,
        ]
    )
    assert search(tie, "开证明")[0].id == 1
    assert search(tie, "开证明", category="civil_affairs")[0].id == 2
