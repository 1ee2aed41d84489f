"""Dashboard filters: several values per filter, and a clear Chinese message for anything impossible."""

from datetime import date

import pytest
from multidict import MultiDict

from bot.errors import InvalidInput
from bot.reporting.filters import UNRESOLVED, parse_filter, query_string
from bot.ticketing.states import Status


def test_several_values_per_filter_and_back_to_a_query(pack):
    query = MultiDict(
        [
            ("department", "fire_rescue"),
            ("department", "traffic_police"),
            ("community", "baoshan,shengfu"),
            ("overdue", "true"),
            ("from", "2026-11-01"),
            ("to", "2026-11-22"),
            ("status", "signed"),
        ]
    )
    filters = parse_filter(query, pack)
    assert filters.departments == ("fire_rescue", "traffic_police")
    assert filters.communities == ("baoshan", "shengfu")
    assert filters.overdue is True and filters.statuses == (Status.signed,)
    assert (filters.date_from, filters.date_to) == (date(2026, 11, 1), date(2026, 11, 22))
    assert parse_filter(MultiDict(query_string(filters)), pack) == filters


def test_no_state_chosen_means_every_unresolved_case(pack):
    filters = parse_filter(MultiDict(), pack)
    assert filters.statuses == UNRESOLVED
    assert Status.resolved not in UNRESOLVED and Status.rejected in UNRESOLVED


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("from", "2026-02-30")], "不是有效日期"),
        ([("to", "2026-13-01")], "不是有效日期"),
        ([("from", "昨天")], "不是有效日期"),
        ([("from", "2026-11-22"), ("to", "2026-11-01")], "开始日期不能晚于结束日期"),
        ([("from", "2000-01-01"), ("to", "2026-11-01")], "不能超过三年"),
        ([("department", "no_such_unit")], "未知的承办单位"),
        ([("community", "atlantis")], "未知的社区"),
        ([("status", "lost")], "未知的状态"),
        ([("overdue", "maybe")], "是否超期"),
        ([("sort", "password")], "不支持"),
    ],
)
def test_impossible_filters_are_explained_in_chinese(pack, pairs, message):
    with pytest.raises(InvalidInput, match=message):
        parse_filter(MultiDict(pairs), pack)
