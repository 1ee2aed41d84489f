import pytest

from bot.nlu.address import gazetteer
from bot.nlu.entities import extract_entities


@pytest.fixture(scope="module")
def places(pack):
    return gazetteer(pack)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("地址不对，是北京路18号", [("address", "北京路18号")]),
        (
            "宝山北路56号门口的烧烤摊每天晚上占道经营，电话13985012345",
            [("address", "宝山北路56号门口"), ("time", "每天晚上"), ("phone", "13985012345")],
        ),
        ("上周三晚上十点多中华北路23号又在施工", [("time", "上周三晚上十点多"), ("address", "中华北路23号")]),
        ("樓下燒烤攤在延安中路12號佔道", [("address", "延安中路12號")]),
        ("贵A·D1234把车库门堵了，查一下20261122-000123", [("plate", "贵AD1234"), ("ticket_number", "20261122-000123")]),
        ("昨天下午三点多在金鸭小区3栋2单元楼下", [("time", "昨天下午三点多"), ("address", "金鸭小区3栋2单元楼下")]),
        ("黔灵西路枣山路口附近这半个月一直在挖路", [("address", "黔灵西路枣山路口附近"), ("time", "这半个月")]),
        ("我家在宝山北路，天天晚上有人唱歌", [("address", "宝山北路"), ("time", "天天晚上")]),
    ],
)
def test_entities_of_a_message(places, text, expected):
    found = [(e["entity"], e["value"]) for e in extract_entities(text, places)]
    assert found == expected
    for entity in extract_entities(text, places):
        if entity["entity"] in ("address", "time"):
            assert text[entity["start"] : entity["end"]] == entity["value"]


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("下午四点半到五点半最吵", ["下午四点半到五点半"]),  # a range is one time
        ("周六周日都在施工", ["周六周日"]),
        ("这几天一直停水", ["这几天"]),  # relative times jionlp misses
        ("上个月反映过一次", ["上个月"]),
        ("从今年四月份起就这样", ["从今年四月份起"]),
        ("停水已经三天了，等了两个多小时也没人来", []),  # how long, not when
        ("现在还没修好", []),
    ],
)
def test_times_are_when_it_happens_not_how_long_it_lasts(text, times):
    from bot.nlu.entities import extract_times

    assert [value for _, _, value in extract_times(text)] == times
