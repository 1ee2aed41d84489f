import pytest

from bot.nlu.address import find_addresses, gazetteer, looks_like_place, normalize_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("宝山北路56号烧烤摊占道经营", ["宝山北路56号"]),
        ("在黔灵西路和枣山路交叉口那里", ["黔灵西路和枣山路交叉口"]),
        ("地址是延安中路12号金鸭小区3栋", ["延安中路12号金鸭小区3栋"]),
        ("我家住在北京西路3号", ["北京西路3号"]),
        ("我们小区门口天天有车乱停", []),
        ("楼下又有人乱停车了", []),
        # an estate's name keeps its 小区; "们" and "为" do not begin a place; a doubled 社区 is cut
        ("威清路威清花园小区门口天天有人摆摊", ["威清路威清花园小区门口"]),
        ("他们为茶店村修的那条路全是坑", ["茶店村"]),
        ("街坊们宅吉社区菜场门口占道", ["宅吉社区菜场门口"]),
        ("为民巷12号门口堆满垃圾", ["为民巷12号门口"]),
        ("水东社区社区说不归他们管", ["水东社区"]),
        # "…市花园小区" is an estate in a city, not a city and a district with the words before it
        ("我在贵阳市花园小区住了十年，楼下天天吵", ["贵阳市花园小区"]),
        # a named shop is the place, a shop without a name is not; a named site keeps its 工地
        ("昨天在威清路好味来快餐店吃坏了肚子", ["威清路好味来快餐店"]),
        ("市西路一水果店把货架摆到人行道上", ["市西路"]),
        ("大营路汽修店露天喷漆", ["大营路"]),
        ("北京西路锦华府工地每天晚上还在打桩", ["北京西路锦华府工地"]),
    ],
)
def test_address_spans_in_free_text(pack, text, expected):
    assert [span[2] for span in find_addresses(text, gazetteer(pack))] == expected


@pytest.mark.parametrize(
    ("raw", "community"),
    [
        ("宝山北路56号", "baoshan"),
        ("北京西路3号", "beijinglu"),
        ("金鸭小区3栋门口", "jinya"),
        ("宅吉社区菜场", "zhaiji"),
    ],
)
def test_local_streets_are_placed_in_their_community(pack, raw, community):
    # jionlp alone reads 北京西路 as Beijing and 宝山北路 as Shanghai's Baoshan district.
    place = normalize_address(raw, pack)
    assert place.in_area
    assert place.community_code == community
    assert place.full.startswith("贵阳市云岩区")


@pytest.mark.parametrize("raw", ["上海市浦东新区张江路5号", "成都市武侯区人民南路四段"])
def test_addresses_in_another_city_are_not_ours(pack, raw):
    assert normalize_address(raw, pack).in_area is False


def test_another_district_of_the_city_is_kept_with_its_district(pack):
    place = normalize_address("南明区花果园", pack)
    assert place.in_area and place.district == "南明区" and place.community_code is None


@pytest.mark.parametrize(
    ("answer", "is_place"),
    [
        ("北京路18号", True),
        ("喷水池旁边", True),  # a landmark without a road or estate suffix
        ("3栋2单元", True),
        ("電話是138abc12345", False),  # a phone number typed at the address question
        ("13985012345", False),
        ("20261122-000123", False),
        ("Apple Street 5", False),
        ("😀😀", False),
    ],
)
def test_an_answer_to_where_must_look_like_a_place(pack, answer, is_place):
    assert looks_like_place(answer, gazetteer(pack)) is is_place


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("上海浦东张江路的路灯坏了好几天了", "上海市"),
        ("重庆渝北区龙溪街道松石路垃圾好几天没人收了", "重庆市"),
        ("昨晚在西安北站打车被宰了", "西安市"),
        ("想咨询一下六盘水市钟山区的小学转学", "六盘水市"),
        # Guiyang's own streets carry other cities' names; a landmark may hide a county's name.
        ("延安中路有人摆摊", None),
        ("北京西路3号门口垃圾没人清", None),
        ("遵义路口天天堵车", None),
        ("黔灵山公园附近的路灯坏了", None),
        ("我刚从北京回来，发现中华北路的路灯坏了", None),  # the problem is on one of our streets
        ("楼下烧烤摊太吵了", None),
    ],
)
def test_a_problem_in_another_city_is_recognised_without_mistaking_local_street_names(pack, text, city):
    from bot.nlu.address import other_city

    assert other_city(text, pack) == city


@pytest.mark.parametrize(
    "text",
    [
        "成都市武侯区人民南路四段",
        "我在重庆渝北区上班，老家贵阳",
        "北海市重庆路其仓11号",  # an alias followed by 路 is a street, not the city
        "青海西宁城中区",  # 海西 must not match across 青海 and 西宁
        "上海市嘉定区太原路99号",
        "喀左旗覃家岗街道梨树湾村",
        "襄樊市樊城区",  # an old name jionlp maps to the new one (襄阳)
        "云岩区中华北路和北京路路口",
        "小区门口天天堵车",  # no division at all
        "",
    ],
)
def test_the_fast_division_lookup_reads_a_text_exactly_as_jionlp_does(text):
    from bot.nlu.address import parse_location
    from bot.nlu.text import jionlp

    assert parse_location(text) == jionlp().parse_location(text)
