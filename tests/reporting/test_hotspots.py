"""Hotspots: five reports of one matter in one community within a week are flagged; fewer, older or spread are not."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.citypack import DEFAULT_PACK
from bot.reporting.hotspots import HotspotPolicy, Report, find_hotspots, load_policy
from bot.taxonomy import load_taxonomy

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)
POLICY = HotspotPolicy(7, 5, {"noise": ("噪音扰民", ("construction_noise", "living_noise", "traffic_noise"))})


def reports(count, category="living_noise", community="baoshan", days_ago=1.0, start=0):
    return [
        Report(f"20261120-{start + i:06d}", category, community, NOW - timedelta(days=days_ago, minutes=i))
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (reports(5), [("noise", "baoshan", 5)]),
        (reports(4), []),
        (reports(4) + reports(1, days_ago=8, start=10), []),  # one is older than the week
        (reports(3) + reports(2, category="construction_noise", start=10), [("noise", "baoshan", 5)]),  # all noise
        (reports(3) + reports(2, community="shengfu", start=10), []),  # spread over two communities
        (
            reports(5, category="street_vendor") + reports(6, start=10),
            [("noise", "baoshan", 6), ("street_vendor", "baoshan", 5)],
        ),
        (reports(5, community=None), []),  # no community, no place to point at
    ],
)
def test_hotspots(given, expected):
    found = find_hotspots(given, POLICY, NOW)
    assert [(s.matter, s.community, s.count) for s in found] == expected


def test_a_hotspot_lists_its_tickets_newest_first():
    spot = find_hotspots(reports(5), POLICY, NOW)[0]
    assert spot.numbers[0] == "20261120-000000" and len(set(spot.numbers)) == 5
    assert spot.first_at < spot.last_at


def test_the_city_pack_policy_loads_and_rejects_unknown_categories(tmp_path: Path):
    policy = load_policy(DEFAULT_PACK / "reporting.yml", load_taxonomy().codes())
    assert policy.window_days == 7 and policy.min_tickets == 5 and policy.matter_of("living_noise") == "noise"
    bad = tmp_path / "reporting.yml"
    bad.write_text("hotspots:\n  groups:\n    x: {name: 坏, categories: [no_such_thing]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no_such_thing"):
        load_policy(bad, load_taxonomy().codes())
