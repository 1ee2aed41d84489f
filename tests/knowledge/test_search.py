"""Knowledge-base search in Chinese: the caller's words find the answer; small talk finds nothing."""

import pytest

from bot.knowledge.search import entry, search

INDEX = [
    entry(1, "guide", "居住证怎么办理", "居住证 办理 暂住证", "civil_affairs", "携带身份证到社区服务中心申领居住证"),
    entry(2, "guide", "公积金提取需要什么材料", "公积金 提取 租房", "housing", "租房提取需身份证、银行卡和租房合同"),
    entry(3, "policy", "养老保险补缴政策", "养老保险 补缴 社保 断缴", "social_insurance", "重新参保后按规定续缴"),
]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("你好，我想问一下居住证在哪里办", 1),
        ("租房子的话公积金能取出来吗", 2),
        ("我社保断缴了两年还能补缴吗", 3),
    ],
)
def test_the_callers_words_find_the_answer(query, first):
    hits = search(INDEX, query)
    assert hits and hits[0].id == first


@pytest.mark.parametrize("query", ["", "你好", "我想问一下怎么办", "谢谢你"])
def test_small_talk_finds_nothing(query):
    assert search(INDEX, query) == []
