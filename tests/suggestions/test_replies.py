"""Reply scripts (话术): addressed to the caller by name when they gave one, filled, never half-filled."""

from pathlib import Path

import pytest

from bot.citypack import DEFAULT_PACK
from bot.suggestions.replies import RepliesError, caller_greeting, load_replies


@pytest.mark.parametrize(
    ("text", "greeting"),
    [
        ("王先生，宝山北路56号有烧烤摊", "王先生您好"),
        ("我是李女士，想问一下居住证", "李女士您好"),
        ("我姓张，小区门口堵车", "张先生/女士您好"),
        ("这位先生说他家停水了", "您好"),
        ("宝山北路56号有烧烤摊占道", "您好"),
    ],
)
def test_the_caller_is_greeted_by_name_when_they_gave_it(text, greeting):
    assert caller_greeting(text) == greeting


def test_every_appeal_type_has_scripts_and_they_fill_completely():
    replies = load_replies(DEFAULT_PACK / "replies.yml")
    values = {
        "greeting": "王先生您好",
        "address": "宝山北路56号",
        "matter": "占道经营",
        "department": "区城管局",
        "days": "3",
        "duplicate": "20261122-000001",
        "answer": "可到社区服务中心办理",
    }
    for kind in ("complaint", "report", "help", "inquiry", "suggestion", "praise", "duplicate"):
        filled = replies.fill(kind, values)
        assert filled and all("{" not in line for line in filled)
    first = replies.fill("complaint", values)[0]
    assert first.startswith("王先生您好，您反映的宝山北路56号占道经营问题")


def test_a_script_with_an_unknown_placeholder_is_refused(tmp_path: Path):
    text = (DEFAULT_PACK / "replies.yml").read_text(encoding="utf-8") + '\npraise:\n  - "{nickname}您好"\n'
    bad = tmp_path / "replies.yml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RepliesError, match="nickname"):
        load_replies(bad)
