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
        ("从上个月开始楼下就吵", ["从上个月开始"]),  # since when, with its 开始
        ("10月份以来一直停", ["10月份以来"]),
        ("破碎锤从早上六点就开始响", ["从早上六点"]),  # 从 says since when; the bare 开始 is left out
        ("现在每天晚上八点以后还在吵", ["每天晚上八点以后"]),
        ("现在一点办法都没有", []),  # "a little", not one o'clock
        ("2023年买的房，说好7月交房，拖了两个多月", ["2023年", "7月"]),  # a year and a month are dates
    ],
)
def test_times_are_when_it_happens_not_how_long_it_lasts(text, times):
    from bot.nlu.entities import extract_times

    assert [value for _, _, value in extract_times(text)] == times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a time right after a street name is a time, not a house number
        ("北京路明天是不是要停水", [("address", "北京路"), ("time", "明天")]),
        # a place that follows a street belongs to the address, with where-at-it
        ("延安中路工商银行门口有人发传单", [("address", "延安中路工商银行门口")]),
        ("中华北路喷水池旁边在挖路", [("address", "中华北路喷水池旁边")]),
        # a house number is part of the address, also in words, and never a date
        ("我家在普陀路127号，从上周三起有车堵门", [("address", "普陀路127号"), ("time", "从上周三起")]),
        ("我是住在科学路二十二号的老住户", [("address", "科学路二十二号")]),
        ("住在水東路一百五十六號三單元", [("address", "水東路一百五十六號三單元")]),
        # a named shop after its road, or at its crossing, is where the worker goes; "这家店" is not a name
        ("昨天中午在威清路好味来快餐店吃了盒饭", [("time", "昨天中午"), ("address", "威清路好味来快餐店")]),
        ("盐务街路口刘记副食店门口天天停车", [("address", "盐务街路口刘记副食店门口")]),
        ("中山路这家店卖假货", [("address", "中山路")]),
        # a name left out ("某小区", "某路口") leaves a kind of place, unless the building is given
        ("关于三桥中坝路某花园物业不作为的问题", [("address", "三桥中坝路")]),
        ("来电人反映宝山北路某路口信号灯故障", [("address", "宝山北路")]),
        ("宝山社区某小区4栋2单元停电了", [("address", "宝山社区某小区4栋2单元")]),
        # a floor and verbs around the place are not part of it
        ("把垃圾倒在盐务街32号二楼的过道", [("address", "盐务街32号")]),
        # "开始" after a time is not part of it; "从…开始" is one expression
        ("昨晚十点开始敲墙", [("time", "昨晚十点")]),
        ("从去年开始就没交社保", [("time", "从去年开始")]),
        ("最近两个月了，每晚八点都在放音乐", [("time", "最近两个月"), ("time", "每晚八点")]),
        # an age, a parking space number, a bus line and a kind of place are not entities
        ("我今年六十七岁，住的老旧小区没有电梯", []),
        ("我的17号车位被占了", []),
        ("坐42路公交车司机一路打电话", []),
    ],
)
def test_span_conventions_of_the_labelling_guide(places, text, expected):
    """nlu_data/LABELLING.md says how address and time spans are marked; the extractor follows it."""
    assert [(e["entity"], e["value"]) for e in extract_entities(text, places)] == expected


def test_times_jionlp_cannot_parse_leave_no_traceback_in_the_logs(caplog):
    """jionlp logs a traceback on the root logger for each time candidate it fails to parse; an
    operator reading the service log must not see one per resident message."""
    from bot.nlu.entities import extract_times

    caplog.set_level("DEBUG")
    times = [value for _start, _end, value in extract_times("每天中午晚上都在吵，早上七点半到九点最凶")]
    assert "早上七点半到九点" in times
    assert not [record for record in caplog.records if "Traceback" in record.getMessage()]


def test_a_phone_number_said_in_words_is_found_in_a_whole_message(places):
    """ "幺" (a spoken 1) must survive the folding of traditional characters."""
    text = "联系人：周阿姨，电话：幺三九八五一零二六七四。"
    assert [(e["entity"], e["value"]) for e in extract_entities(text, places)] == [("phone", "13985102674")]


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("天天有车停在人行道上", []),  # how often alone is no time
        ("每晚八点开始放音乐", ["每晚八点"]),
        ("等了两个月左右都没人来", []),  # how long
    ],
)
def test_times_follow_the_span_conventions_whoever_finds_them(places, text, times):
    assert [e["value"] for e in extract_entities(text, places) if e["entity"] == "time"] == times
