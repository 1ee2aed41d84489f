from datetime import datetime

import pytest

from bot.clock import LOCAL_TZ
from bot.routing import deadline, route

EVENING = datetime(2026, 11, 23, 20, 0, tzinfo=LOCAL_TZ)
NIGHT = datetime(2026, 11, 23, 23, 30, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(
    ("category", "community", "text", "at", "department"),
    [
        ("illegal_parking", "zhonghua", "门口乱停车", EVENING, "traffic_police"),
        ("fire_lane_blocked", "jinya", "消防通道被车占了", EVENING, "fire_rescue"),
        ("fire_lane_blocked", "jinya", "楼道堆物堵住了", EVENING, "community.jinya"),
        ("street_vendor", None, "烧烤摊占道", EVENING, "urban_management"),
        ("construction_noise", "zhaiji", "工地打桩", EVENING, "housing_construction"),
        ("construction_noise", "zhaiji", "工地打桩", NIGHT, "urban_management_duty"),
        ("living_noise", "zhaiji", "广场舞太吵", EVENING, "police_shuidong"),
        ("living_noise", None, "广场舞太吵", EVENING, "police_bureau"),
        ("garbage_sanitation", "baoshan", "垃圾没人清", EVENING, "sanitation"),
    ],
)
def test_first_matching_rule_or_category_default_decides(pack, category, community, text, at, department):
    assert route(pack, category, 0.9, community, text, at).department == department


@pytest.mark.parametrize(
    ("street", "department"), [("东山巷", "grid_centre"), ("东山", "sanitation"), (None, "sanitation")]
)
def test_a_rule_can_name_streets(pack, street, department):
    assert route(pack, "garbage_sanitation", 0.9, "dongshan", "垃圾没人清", EVENING, street).department == department


@pytest.mark.parametrize(("category", "confidence"), [("other", 0.99), ("street_vendor", 0.2)])
def test_unsure_or_other_goes_to_manual_triage(pack, category, confidence):
    decision = route(pack, category, confidence, "zhaiji", "……", EVENING)
    assert decision.triage and decision.department == pack.triage_department


def test_move_my_car_is_due_in_an_hour_and_the_rest_in_working_days(pack):
    friday = datetime(2026, 11, 20, 20, 0, tzinfo=LOCAL_TZ)
    assert deadline(pack, "illegal_parking", "车被堵住了，麻烦挪车", friday) == datetime(
        2026, 11, 20, 21, 0, tzinfo=LOCAL_TZ
    )
    assert deadline(pack, "street_vendor", "摆摊", friday) == datetime(2026, 11, 25, 20, 0, tzinfo=LOCAL_TZ)
