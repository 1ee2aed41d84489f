"""Addresses: find them in free text and place them in the city pack's communities. No I/O.

jionlp parses administrative divisions well but reads local street names as cities
("北京西路" → 北京市, "宝山北路" → 宝山区), so the city pack's gazetteer is consulted first
and jionlp is trusted only where a division is written out in full ("成都市", "南明区").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Tuple

from bot.citypack import CityPack, Community
from bot.nlu import patterns
from bot.nlu.text import jionlp

_PLACE_SUFFIX = (
    # an estate's name as written keeps its "小区": "威清花园小区", not "威清花园" + a stray "小区"
    "(?:花园|家园|苑|新村|山庄)小区|大道|大街|路|街|巷|小区|花园|苑|家园|新村|宿舍|大厦|广场|市场|菜场|公园|社区|村|镇|"
    "园|医院|学校|中学|小学|幼儿园|商场|车站|地铁站|公交站|酒店|宾馆|写字楼|城(?!市)|"
    "派出所|卫生所|管理所|保健院|人民医院|卫生院|养老院|[东南西北高]站|馆|服务中心|活动中心|高架|大桥|隧道|"
    "湖|水库|华府|饭店|剧院|银行|超市|加油站|服务站|地下通道|片区|[一二三四五六七八九十\\d]中"
)
# A number in digits or in words, as residents write house, building and unit numbers ("二十二号", "3栋").
NUMBER = r"[\d零一二两三四五六七八九十百]+"
_TAIL = (
    rf"(?:门口|{NUMBER}(?:号楼|号院|号|栋|幢|单元|室)|\d+[层楼]|[东南西北]?[大侧正后]?门|路口|交叉口|口|"
    r"附近|旁边|对面|楼?后面|楼?前面|"
    r"一带|段|[东南西北]段|楼下|楼上|楼顶|负[一二三四五六七八九十\d]+楼|\d+楼|[东南西北]{1,2}角|"
    r"往[东南西北][^，。,.！!？?\s]{0,6}?米|急诊|门诊|站台|车位|工地|[东南西北][侧面]|(?:和\d+栋)?之间|桥下|村口|后山)*"
)
_NAME = r"(?:(?!的)[\u4e00-\u9fa5A-Za-z0-9]){1,8}?"  # "的" ends a place name: "张江路的路灯"
# The name of a place that follows a street ("延安中路" + "工商银行"): no verbs or measure words in it.
_NAME_AFTER = r"(?:(?![的有在是了和把被给到从个])[\u4e00-\u9fa5A-Za-z0-9]){0,8}?"
# A shop, clinic or office is a place only with its road before it ("威清路好味来快餐店"); alone,
# "快餐店" or "诊所" is a kind of place. Its name has no pointing words ("这家店").
_SHOP_NAME = r"(?:(?![的有在是了和把被给到从个这那家])[\u4e00-\u9fa5A-Za-z0-9]){1,8}?"
_SHOP_SUFFIX = (
    r"店|诊所|门诊部|药房|网吧|酒吧|餐厅|茶楼|会所|KTV|ktv|废品站|回收站|收购站|局|华庭|山庄|公馆|家属院|大院"
)
_ADMIN = r"(?:[\u4e00-\u9fa5]{2,7}?(?:省|市|新区|区|县))*"
ADDRESS_RE = re.compile(
    rf"({_ADMIN}{_NAME}(?:{_PLACE_SUFFIX})(?:{NUMBER}[号弄]|[东南西北中]段)?"
    rf"(?:(?:和|与|跟|、){_NAME}(?:路|街|巷|大道)(?:交叉口|路口|交界处)?)?"
    rf"(?:{_NAME_AFTER}(?:{_PLACE_SUFFIX})|(?P<shop>{_SHOP_NAME}(?:{_SHOP_SUFFIX})))?{_TAIL}"
    # …and a shop or stop at its crossing: "盐务街路口刘记副食店", "省府路口公交站前面".
    rf"(?:(?<=口)(?:(?P<shop_at_crossing>{_SHOP_NAME}(?:{_SHOP_SUFFIX}))|{_NAME_AFTER}(?:公交站|车站|站台)){_TAIL})?)"
)
_TAIL_RE = re.compile(_TAIL)
# A shop without a name is a kind of place, not the place: "[市西路]一水果店", "[大营路]汽修店",
# "[延安中路]开眼镜店"; a named one is ("威清路好味来快餐店", "中华南路仁心药店").
_UNNAMED_SHOP = re.compile(r"^(?:[某一开上].*|.{1,3})$")
# Words that cannot begin a place name; the candidate is cut after the last of them.
_LEAD = re.compile(
    r"^.*(?:我们|我家|咱们|你们|他们|这个|那个|这边|那边|住在|位于|就在|地址是|地址|在|到|于|从|是|的|住|"
    r"我|们|这|那|该|本|有|个|家|里|了|说|要|去|为(?!民)|"
    r"反映|举报|投诉|咨询|请问|想问|问下|问一下|一下|路过|经过|建议|希望|麻烦|要求|谢谢|感谢|申请|加强|牵头|"
    r"免费|可以|只能|走|推|请|找|问|喊|把|往|离|过|写|换成|为什么|为啥|发现|修复|开通|查查|挨着|比如|占着|占用|"
    r"给|利用|鼓励|如果|另外|轮流|重新|影响|得|或者|致|对(?!面)|回(?!龙)|向(?!阳))"
)
_DOUBLED = re.compile(r"(?:社区|小区|街道)(社区|小区|街道)$")
# Where-at words that open a candidate ("楼下盐务街32号"); cut only at the start, they also end places.
_OPENING = re.compile(r"^(?:楼下|楼上|隔壁|表扬)")
_NOT_PLACES = {
    "小区",
    "马路",
    "道路",
    "街道",
    "公路",
    "社区",
    "花园",
    "市场",
    "广场",
    "路",
    "街",
    "村",
    "镇",
    "城",
    "学校",
    "医院",
    "菜场",
    "公园",
    "商场",
    "车站",
    "派出所",
    "公交站",
    "火车站",
    "地铁站",
    "线路",
    "一路",
    "半路",
    "小学",
    "中学",
    "幼儿园",
    "高架",
    "桥",
    "河",
    "中心",
    "站",
    "所",
    "院",
    "馆",
}
# "一所小学", "几盏路灯", "另一个小区": a counted or pointed-at generic place is not an address.
_COUNTED = re.compile(r"[一二两三四五六七八九十几另每各某哪]+[所个条座家盏处间栋]?")
_DIVISION_SUFFIX = ("省", "市", "区", "县", "州")
# A kind of place without a name ("老旧小区", "无证餐馆", "区图书馆", "整条街") says where nobody can go.
_GENERIC_PLACE = re.compile(
    r"(?:老旧|老|新|大型|小型|大|小|安置|民营|民办|公办|私立|私人|无证|黑|社区|宠物|培训|背街|公共|市政|水泥|整条|"
    r"半条|这条|那条|区|市|隔壁|附近|周边|其他|五岔|三岔|上|读|[一二两三四五六七八九十几]?[所条段座家个])*"
    r"(?:小区|医院|诊所|餐馆|饭馆|面馆|旅馆|宾馆|酒店|学校|小学|中学|幼儿园|养老院|菜市场|菜场|市场|图书馆|体育馆|"
    r"游泳馆|文化馆|博物馆|殡仪馆|麻将馆|活动中心|服务中心|卫生服务中心|政务服务中心|道路|马路|路|街|巷|小巷|宿舍|"
    r"公园|花园|广场|村|站|车站|路口|路段|段路|沿街|城|档案馆|文化活动中心)"
)
# Words ending like a road that are not one: "绕路", "跑路", "公交线路"; and bus lines ("42路", "K3路").
_NOT_ROAD = re.compile(
    r"(?:线路|绕路|跑路|顺路|一路|走路|修路|出路|带路|让路|过路|堵路|问路|马路|半路|无路|[A-Za-z]?\d+路)$"
)


@dataclass(frozen=True)
class Address:
    raw: str
    full: str
    community_code: str | None
    community_name: str | None
    district: str | None
    in_area: bool  # False when the text names another city: the hotline cannot dispatch it


# A district or county written out with its city ("六盘水市钟山区"): an address even without a street.
_DIVISION_RE = re.compile(r"[\u4e00-\u9fa5]{2,4}?市[\u4e00-\u9fa5]{2,4}?(?:新区|(?<!小)区|县)")  # not "…市西花园小区"


def _tail_end(text: str, end: int) -> int:
    tail = _TAIL_RE.match(text, end)  # the pattern also matches nothing, so there is always a match
    return tail.end() if tail else end


def _without_tail(value: str) -> str:
    """ "省医急诊" → "省医", "金鸭小区门口" → "金鸭小区": the place without where-at-it."""
    for cut in range(1, len(value)):
        if _TAIL_RE.fullmatch(value, cut):
            return value[:cut]
    return value


@lru_cache(maxsize=8)
def _mention_pattern(places: Tuple[str, ...]) -> re.Pattern[str] | None:
    names = sorted(set(places), key=len, reverse=True)  # longest first: "黔灵山公园" before "黔灵山"
    return re.compile("|".join(map(re.escape, names))) if names else None


def place_mentions(text: str, places: Tuple[str, ...]) -> List[Tuple[int, int]]:
    """Where the gazetteer's streets, estates and landmarks occur: `(start, end)`, leftmost and
    longest first, not overlapping. One compiled pattern per gazetteer, one pass per text."""
    pattern = _mention_pattern(places)
    return [found.span() for found in pattern.finditer(text)] if pattern else []


def find_addresses(text: str, gazetteer: Tuple[str, ...] = ()) -> List[Tuple[int, int, str]]:
    """Address-like spans `(start, end, text)` in `text`, longest first where they overlap."""
    spans: List[Tuple[int, int, str]] = []
    for match in ADDRESS_RE.finditer(text):
        start, end = match.span()
        for group in ("shop", "shop_at_crossing"):
            shop = match.group(group)
            if shop and _UNNAMED_SHOP.match(shop):
                end = match.start(group)
                break
        value = text[start:end]
        lead = _LEAD.match(value)
        if lead:
            start += lead.end()
            value = value[lead.end() :]
        opening = _OPENING.match(value)
        if opening and len(value) - opening.end() >= 3:
            start += opening.end()
            value = value[opening.end() :]
        doubled = _DOUBLED.search(value)  # "水东社区社区说": the second "社区" is the community office
        if doubled:
            end -= len(doubled.group(1))
            value = value[: -len(doubled.group(1))]
        bare = _without_tail(value)
        counted = _COUNTED.match(bare)
        if counted and bare[counted.end() :] in _NOT_PLACES:
            continue
        if len(value) < 3 or value in _NOT_PLACES or bare in _NOT_PLACES:
            continue
        if _GENERIC_PLACE.fullmatch(bare) or _NOT_ROAD.search(bare):
            continue
        spans.append((start, end, value))
    spans += [(m.start(), m.end(), m.group()) for m in _DIVISION_RE.finditer(text)]
    spans += [(start, end, text[start:end]) for start, end in place_mentions(text, gazetteer)]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    merged: List[Tuple[int, int, str]] = []
    for span in spans:
        # Overlapping or touching places are one address: "中华北路" + "喷水池" → "中华北路喷水池".
        if merged and span[0] <= merged[-1][1]:
            last = merged[-1]
            if span[1] > last[1]:
                merged[-1] = (last[0], span[1], text[last[0] : span[1]])
            continue
        merged.append(span)
    # A gazetteer place ends before its tail: "喷水池" + "旁边", "省医" + "急诊".
    return [(start, _tail_end(text, end), text[start : _tail_end(text, end)]) for start, end, _ in merged]


def looks_like_place(text: str, places: Tuple[str, ...] = ()) -> bool:
    """Could this answer to "where?" be a place? Landmarks without a suffix ("喷水池旁边") pass;
    a phone number, a ticket number, or mostly Latin letters and digits ("138abc12345") do not."""
    if find_addresses(text, places):
        return True
    if any(match.entity in ("phone", "ticket_number") for match in patterns.extract(text)):
        return False
    chinese = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    latin = sum(ch.isascii() and ch.isalnum() for ch in text)
    return chinese >= 2 and latin <= chinese


def gazetteer(pack: CityPack) -> Tuple[str, ...]:
    names: List[str] = []
    for community in pack.communities.values():
        names.extend(community.places)
        names.append(community.name)
    return tuple(sorted(set(names), key=len, reverse=True))


def _community_of(text: str, pack: CityPack) -> Community | None:
    best: Tuple[int, Community] | None = None
    for community in pack.communities.values():
        for name in (community.name, *community.places):
            if name in text and (best is None or len(name) > best[0]):
                best = (len(name), community)
    return best[1] if best else None


_DIVISION_TAIL = re.compile(r"(?:特别行政区|自治州|自治县|自治区|新区|省|市|区|县|州|盟|旗)$")
_ROAD_AFTER = re.compile(r"[东西南北中]?[一二三四五六七八九十\d]*[路街巷道]")
_BEFORE_MENTION = set("在到去从于住是的了和与及，。、,.!！?？ \n")


def _mentioned(name: str, text: str) -> bool:
    """Is the division `name` ("西安市", "渝北区") really named in `text`, not as the head of a local
    road ("延安中路", "北京路") or inside another word ("黔灵山" holds 灵山)?"""
    if not name:
        return False
    if name in text:
        return True
    short = _DIVISION_TAIL.sub("", name)
    if len(short) < 2:
        return False
    for found in re.finditer(re.escape(short), text):
        start, end = found.span()
        if _ROAD_AFTER.match(text, end):
            continue
        if start == 0 or text[start - 1] in _BEFORE_MENTION:
            return True
    return False


@lru_cache(maxsize=1)
def _location_parser() -> Any:
    """jionlp's `parse_location`, made to compare a text only with the divisions it names.

    jionlp compares every text with each of its ~3,560 division entries, aliases and old names included
    (about 9–12 ms a call here, the largest cost of `hotline classify`). This parser first looks up which
    division names occur in the text (a set lookup per substring) and runs jionlp's own matching
    over those divisions only, in their original order — so the result is the same, only faster.
    """
    from jionlp.gadget.location_parser import LocationParser

    jionlp()  # imported quietly, as everywhere

    class _Indexed(LocationParser):
        def _prepare(self) -> None:
            super()._prepare()
            self._all_divisions: List[Any] = self.administrative_map_list  # type: ignore[has-type]
            self._divisions_named: Dict[str, List[int]] = {}
            for i, item in enumerate(self._all_divisions):
                for level in item[1:4]:
                    for name in level:
                        if name:
                            self._divisions_named.setdefault(name, []).append(i)
            self._name_lengths = sorted({len(name) for name in self._divisions_named})

        def get_candidates(self, location_text: str) -> List[Any]:
            named = self._divisions_named
            hits = {
                i
                for size in self._name_lengths
                for start in range(len(location_text) - size + 1)
                for i in named.get(location_text[start : start + size], ())
            }
            self.administrative_map_list = [self._all_divisions[i] for i in sorted(hits)]
            try:
                return list(super().get_candidates(location_text))
            finally:
                self.administrative_map_list = self._all_divisions

    return _Indexed()


def parse_location(text: str) -> Dict[str, Any]:
    """Province, city and county named in `text` (jionlp's reading; see `_location_parser`)."""
    return dict(_location_parser()(text))


@lru_cache(maxsize=8)
def _province_of(city: str) -> str | None:
    return parse_location(city).get("province")


def other_city(text: str, pack: CityPack) -> str | None:
    """The city (or province) outside the pack's city that `text` places the problem in, if any."""
    if not text or _community_of(text, pack) is not None:  # one of our streets or estates: ours
        return None
    parsed = parse_location(text[:300])
    city, province = parsed.get("city"), parsed.get("province")
    if city and city != pack.city and (_mentioned(city, text) or _mentioned(parsed.get("county") or "", text)):
        return str(city)
    if province and not city and province != _province_of(pack.city) and _mentioned(province, text):
        return str(province)
    return None


def normalize_address(text: str, pack: CityPack) -> Address:
    """Place a resident's address in the district: community, full form, and whether it is ours."""
    raw = text.strip()
    community = _community_of(raw, pack)
    if community is not None:
        full = raw if pack.city in raw else f"{pack.city}{pack.district}{raw.replace(pack.district, '')}"
        return Address(raw, full, community.code, community.name, pack.district, True)
    if other_city(raw, pack):
        return Address(raw, raw, None, None, None, False)
    parsed = parse_location(raw)
    county = (
        parsed.get("county")
        if parsed.get("city") == pack.city and _mentioned(parsed.get("county") or "", raw)
        else None
    )
    city = pack.city if pack.city in raw else None
    district = county or pack.district
    if county or city:
        full = raw if raw.startswith(pack.city) else f"{pack.city}{raw.split('市', 1)[-1]}"
    else:
        full = f"{pack.city}{pack.district}{raw}"
    return Address(raw, full, None, None, district, True)
