"""Addresses: find them in free text and place them in the city pack's communities. No I/O.

jionlp parses administrative divisions well but reads local street names as cities
("北京西路" → 北京市, "宝山北路" → 宝山区), so the city pack's gazetteer is consulted first
and jionlp is trusted only where a division is written out in full ("成都市", "南明区").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Tuple

from bot.citypack import CityPack, Community
from bot.nlu import patterns
from bot.nlu.text import jionlp

_PLACE_SUFFIX = (
    "大道|大街|路|街|巷|小区|花园|苑|家园|新村|宿舍|大厦|广场|市场|菜场|公园|社区|村|镇|"
    "园|医院|学校|中学|小学|幼儿园|商场|车站|地铁站|公交站|酒店|宾馆|写字楼|城|"
    "派出所|卫生所|管理所|保健院|人民医院|卫生院|养老院|[东南西北高]站|馆|服务中心|活动中心|高架|大桥|隧道"
)
_TAIL = (
    r"(?:门口|\d+(?:号楼|号院|号|栋|幢|单元|层|楼|室)|[东南西北]?[大侧正后]?门|路口|交叉口|口|附近|旁边|对面|后面|"
    r"一带|段|[东南西北]段|楼下|楼上|楼顶|楼道|负?[一二三四五六七八九十\d]+楼|[东南西北]{1,2}角|"
    r"往[东南西北][^，。,.！!？?\s]{0,6}?米|急诊|门诊|站台|车位)*"
)
_NAME = r"(?:(?!的)[\u4e00-\u9fa5A-Za-z0-9]){1,8}?"  # "的" ends a place name: "张江路的路灯"
_ADMIN = r"(?:[\u4e00-\u9fa5]{2,7}?(?:省|市|新区|区|县))*"
ADDRESS_RE = re.compile(
    rf"({_ADMIN}{_NAME}(?:{_PLACE_SUFFIX})(?:\d+[号弄]|[东南西北中]段)?"
    rf"(?:(?:和|与|跟|、){_NAME}(?:路|街|巷|大道)(?:交叉口|路口|交界处)?)?"
    rf"(?:{_NAME}(?:{_PLACE_SUFFIX}))?{_TAIL})"
)
# Words that cannot begin a place name; the candidate is cut after the last of them.
_LEAD = re.compile(
    r"^.*(?:我们|我家|咱们|你们|他们|这个|那个|这边|那边|住在|位于|就在|地址是|地址|在|到|于|从|是|的|住|"
    r"我|这|那|该|本|有|个|家|里|了|说|要|去|"
    r"反映|举报|投诉|咨询|请问|想问|问下|问一下|一下|路过|经过|建议|希望|麻烦|要求|谢谢|感谢|申请|加强|牵头|"
    r"免费|可以|只能|走|推|请|找|问)"
)
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


@dataclass(frozen=True)
class Address:
    raw: str
    full: str
    community_code: str | None
    community_name: str | None
    district: str | None
    in_area: bool  # False when the text names another city: the hotline cannot dispatch it


def find_addresses(text: str, gazetteer: Tuple[str, ...] = ()) -> List[Tuple[int, int, str]]:
    """Address-like spans `(start, end, text)` in `text`, longest first where they overlap."""
    spans: List[Tuple[int, int, str]] = []
    for match in ADDRESS_RE.finditer(text):
        start, end = match.span()
        value = match.group()
        lead = _LEAD.match(value)
        if lead:
            start += lead.end()
            value = value[lead.end() :]
        bare = value.rstrip("门口附近旁边对面楼下")
        counted = _COUNTED.match(bare)
        if counted and bare[counted.end() :] in _NOT_PLACES:
            continue
        if len(value) < 3 or value in _NOT_PLACES or bare in _NOT_PLACES:
            continue
        spans.append((start, end, value))
    for place in gazetteer:
        for found in re.finditer(re.escape(place), text):
            spans.append((found.start(), found.end(), place))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    merged: List[Tuple[int, int, str]] = []
    for span in spans:
        if merged and span[0] < merged[-1][1]:
            last = merged[-1]
            if span[1] > last[1]:
                merged[-1] = (last[0], span[1], text[last[0] : span[1]])
            continue
        merged.append(span)
    return merged


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


@lru_cache(maxsize=8)
def _province_of(city: str) -> str | None:
    return jionlp().parse_location(city).get("province")


def other_city(text: str, pack: CityPack) -> str | None:
    """The city (or province) outside the pack's city that `text` places the problem in, if any."""
    if not text or _community_of(text, pack) is not None:  # one of our streets or estates: ours
        return None
    parsed = jionlp().parse_location(text[:300])
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
    parsed = jionlp().parse_location(raw)
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
