"""`hotline seed-demo`: staff accounts and cases in every common state, so a hotline centre can try the
workbench, the console and the dashboard on day one. Running it again adds nothing twice."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Tuple

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.accounts.roles import Principal, Role
from bot.accounts.service import AccountService
from bot.citypack import CityPack
from bot.clock import Clock, system_clock
from bot.errors import HotlineError
from bot.ticketing.lifecycle import Action
from bot.ticketing.service import NewTicket, TicketService, TransitionRequest
from bot.ticketing.states import Status

# (username, role, department) — department staff of the two busiest units and of the hotline centre.
ACCOUNTS = (
    ("admin", "admin", None),
    ("leader", "official", None),
    ("operator", "operator", None),
    ("chengguan", "department", "urban_management"),
    ("jiaojing", "department", "traffic_police"),
)


@dataclass(frozen=True)
class DemoCase:
    text: str
    address: str
    category: str
    appeal_type: str = "complaint"
    days_ago: int = 0  # accepted this many days ago: old cases are overdue unless resolved
    steps: Tuple[str, ...] = ()  # sign, resolve, reject — done by the responsible department


CASES = (
    DemoCase("小区门口天天有车乱停，把消防通道都堵死了", "宝山北路56号", "fire_lane_blocked", steps=("sign",)),
    DemoCase("楼下烧烤摊每天晚上占道经营到凌晨两点", "延安中路12号", "street_vendor", days_ago=6),
    DemoCase("车库门口被面包车堵了，找不到车主", "北京路18号", "illegal_parking", "help", steps=("sign", "resolve")),
    DemoCase("工地晚上十一点还在打桩，吵得睡不着", "黔灵西路88号", "construction_noise", days_ago=4, steps=("sign",)),
    DemoCase("小区垃圾桶三天没人清运，臭气熏天", "金鸭小区3栋", "garbage_sanitation", days_ago=3),
    DemoCase("路边占道卖菜的马路市场把人行道全占了", "市西路菜场门口", "street_vendor", days_ago=1, steps=("reject",)),
    DemoCase("广场舞音响太大声，每天早上六点就开始", "中华北路省府社区广场", "living_noise", steps=("sign", "resolve")),
    DemoCase("路灯坏了一个星期，晚上走路很危险", "枣山路口", "road_facility", "help", days_ago=8),
    DemoCase("建议在学校门口设置临时停车区", "盐务街小学门口", "traffic_facility", "suggestion"),
    DemoCase("物业收了钱电梯坏了一个月没人修", "贵乌北路贵乌小区5栋", "property_service", days_ago=9, steps=("sign",)),
    DemoCase("饭店油烟直排进居民楼，窗户都不敢开", "水东路21号", "air_pollution", days_ago=2),
    DemoCase("有人把车长期停在盲道上，车牌贵A·D1234", "宝山北路与北京路交叉口", "illegal_parking", "report"),
)


def _password() -> str:
    return secrets.token_urlsafe(9)


async def seed_demo(
    engine: AsyncEngine, pack: CityPack, clock: Clock = system_clock
) -> Tuple[List[Tuple[str, str, str]], List[str]]:
    """Creates what is missing; returns (new accounts as (username, role, password), ticket numbers)."""
    accounts = AccountService(engine, pack)
    created: List[Tuple[str, str, str]] = []
    for username, role, department in ACCOUNTS:
        password = _password()
        try:
            await accounts.add_user(username, role, password, department)
        except HotlineError:  # already there from an earlier run: keep its password
            continue
        label = f"{role}（{pack.department(department).name}）" if department else role
        created.append((username, label, password))
    numbers: List[str] = []
    for index, case in enumerate(CASES):
        then: datetime = clock() - timedelta(days=case.days_ago)
        service = TicketService(engine, pack, clock=lambda then=then: then)  # type: ignore[misc]
        ticket, new = await service.create(
            NewTicket(
                sender_id=f"web:demo-resident-{index % 5 + 1}",
                description=case.text,
                address=case.address,
                category=case.category,
                category_confidence=0.9,
                appeal_type=case.appeal_type,
                contact_phone=f"1398501{index:04d}",
                idempotency_key=f"demo-case-{index:03d}",
            )
        )
        numbers.append(ticket.number)
        if not new or ticket.status != Status.dispatched.value:
            continue  # seen before, or merged into a resident's real case about the same place: leave it
        staff = Principal(
            f"demo:{ticket.department_code}", Role.department, ticket.department_code, pack.triage_department
        )
        for step in case.steps:
            request = {
                "sign": TransitionRequest(Action.sign),
                "resolve": TransitionRequest(Action.resolve, note="已到现场处理完毕，并告知当事人。", public=True),
                "reject": TransitionRequest(Action.reject, reason="不属于本单位职责，建议改派属地社区。"),
            }[step]
            await service.transition(ticket.number, staff, request)
    return created, numbers
