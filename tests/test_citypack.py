import shutil

import pytest

from bot.citypack import DEFAULT_PACK, CityPackError, load_city_pack


def test_demo_pack_covers_every_category_and_community(pack):
    assert set(pack.categories) == set(pack.taxonomy.codes())
    assert len(pack.communities) == 29  # 28 communities and 黔灵镇
    assert sum(1 for d in pack.departments.values() if d.kind != "community") >= 40


@pytest.fixture
def pack_copy(tmp_path):
    target = tmp_path / "pack"
    shutil.copytree(DEFAULT_PACK, target)
    return target


def test_an_unknown_department_is_reported_with_file_and_line(pack_copy):
    path = pack_copy / "routing.yml"
    text = path.read_text(encoding="utf-8").replace("department: urban_management_duty", "department: no_such_unit")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CityPackError) as error:
        load_city_pack(pack_copy)
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "no_such_unit" in row)
    assert f"routing.yml:{line}" in str(error.value) and "no_such_unit" in str(error.value)


def test_a_category_without_policy_is_reported(pack_copy):
    path = pack_copy / "categories.yml"
    path.write_text(
        "\n".join(row for row in path.read_text(encoding="utf-8").splitlines() if "tourism" not in row),
        encoding="utf-8",
    )
    with pytest.raises(CityPackError, match="tourism"):
        load_city_pack(pack_copy)


def test_broken_yaml_names_the_file(pack_copy):
    (pack_copy / "sla.yml").write_text("sign_within_hours: [2\n", encoding="utf-8")
    with pytest.raises(CityPackError, match=r"sla\.yml"):
        load_city_pack(pack_copy)


def test_every_community_has_grids_with_duty_phones_and_departments_have_contacts(pack):
    for community in pack.communities.values():
        assert community.grids, community.name
        assert {place for grid in community.grids for place in grid.places} == set(community.places)
        assert all(grid.phone for grid in community.grids)
    assert all(d.contact for d in pack.departments.values() if d.kind != "community")


def test_a_grid_naming_an_unknown_street_is_reported_with_file_and_line(pack_copy):
    path = pack_copy / "communities.yml"
    text = path.read_text(encoding="utf-8").replace("places: [宅吉路], phone", "places: [不存在路], phone", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CityPackError) as error:
        load_city_pack(pack_copy)
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "不存在路" in row)
    assert f"communities.yml:{line}" in str(error.value) and "不存在路" in str(error.value)


def test_a_routing_rule_naming_an_unknown_street_is_reported(pack_copy):
    path = pack_copy / "routing.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("[东山巷, 盐务街]", "[东山巷, 火星路]"), encoding="utf-8")
    with pytest.raises(CityPackError, match=r"routing\.yml:\d+: unknown street '火星路'"):
        load_city_pack(pack_copy)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ('office_hours: ["08:30-12:00", "14:00-17:30"]', 'office_hours: ["14:00-17:30", "08:30-12:00"]', "in order"),
        ("warn_ratio: 0.75", "warn_ratio: 1.5", "at most"),
        ("sign_within_hours: 2", "sign_within_hours: soon", "positive number"),
    ],
)
def test_bad_sla_knobs_are_reported_with_file_and_line(pack_copy, old, new, fragment):
    path = pack_copy / "sla.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(CityPackError, match=rf"sla\.yml:\d+: .*{fragment}"):
        load_city_pack(pack_copy)
