"""Open311 GeoReport v2: services, definitions, request lists with filters, creation with api_key, XML."""

import re

import pytest
from defusedxml import ElementTree

from bot.web.keys import ACCOUNTS
from tests.conftest import SERVICE_TOKEN
from tests.web.test_api import PAYLOAD

FORM = {
    "service_code": "street_vendor",
    "description": "中华北路天桥下占道摆摊，行人走不过去",
    "address_string": "中华北路",
}


async def test_service_definition_and_unknown_codes(client):
    definition = await (await client.get("/open311/v2/services/street_vendor.json")).json()
    assert definition["service_code"] == "street_vendor" and definition["attributes"][0]["code"] == "occurred_at"
    unknown = await client.get("/open311/v2/services/no_such_service.json")
    assert unknown.status == 404 and "服务类别" in (await unknown.json())["error"]


async def test_services_in_xml(client):
    response = await client.get("/open311/v2/services.xml")
    assert response.status == 200 and response.content_type == "text/xml"
    root = ElementTree.fromstring(await response.read())
    assert root.tag == "services"
    codes = [node.findtext("service_code") for node in root.findall("service")]
    assert "illegal_parking" in codes and root.find("service/group").text


async def test_post_with_api_key_then_read_it_back_without_personal_data(client):
    created = await client.post(
        "/open311/v2/requests.json", data={**FORM, "api_key": SERVICE_TOKEN, "phone": "13985012345", "first_name": "王"}
    )
    assert created.status == 201, await created.text()
    [receipt] = await created.json()
    number = receipt["service_request_id"]
    assert re.match(r"^\d{8}-\d{6}$", number) and "城管" in receipt["service_notice"]
    [request] = await (await client.get(f"/open311/v2/requests/{number}.json")).json()
    assert request["status"] == "open" and request["service_code"] == "street_vendor"
    xml = await (await client.get(f"/open311/v2/requests/{number}.xml")).read()
    root = ElementTree.fromstring(xml)
    assert root.tag == "service_requests" and root.findtext("request/service_request_id") == number
    assert b"13985012345" not in xml


async def test_a_service_token_from_the_cli_is_an_api_key_but_a_staff_token_is_not(client):
    service_token = await client.app[ACCOUNTS].create_token("service")
    staff_token = await client.app[ACCOUNTS].create_token("department", "urban_management")
    ok = await client.post("/open311/v2/requests.json", data={**FORM, "api_key": service_token})
    assert ok.status == 201
    for key in (staff_token, "wrong", ""):
        refused = await client.post("/open311/v2/requests.json", data={**FORM, "api_key": key})
        assert refused.status == 401 and "api_key" in (await refused.json())["error"]


@pytest.mark.parametrize(
    ("form", "fragment"),
    [
        ({"service_code": "teleport"}, "服务类别"),
        ({"address_string": ""}, "address_string"),
        ({"description": ""}, "诉求内容"),
    ],
)
async def test_bad_requests_are_422(client, form, fragment):
    response = await client.post("/open311/v2/requests.json", data={**FORM, "api_key": SERVICE_TOKEN, **form})
    assert response.status == 422 and fragment in (await response.json())["error"]


async def test_request_list_filters(client, auth, clock):
    first = await (await client.post("/api/v1/tickets", json=PAYLOAD, headers=auth)).json()
    await client.post("/open311/v2/requests.json", data={**FORM, "api_key": SERVICE_TOKEN})
    everything = await (await client.get("/open311/v2/requests.json")).json()
    assert len(everything) == 2
    only = await (await client.get("/open311/v2/requests.json", params={"service_code": "fire_lane_blocked"})).json()
    assert [r["service_request_id"] for r in only] == [first["number"]]
    by_id = await (await client.get("/open311/v2/requests.json", params={"service_request_id": first["number"]})).json()
    assert len(by_id) == 1
    assert await (await client.get("/open311/v2/requests.json", params={"status": "closed"})).json() == []
    window = {"start_date": "2026-11-21T00:00:00+08:00", "end_date": "2026-11-21T23:59:59+08:00"}
    assert await (await client.get("/open311/v2/requests.json", params=window)).json() == []


@pytest.mark.parametrize(
    "params", [{"start_date": "yesterday"}, {"end_date": "2026-13-45"}, {"status": "pending"}, {"service_code": "x"}]
)
async def test_malformed_filters_are_422(client, params):
    response = await client.get("/open311/v2/requests.json", params=params)
    assert response.status == 422 and (await response.json())["error_en"]


async def test_a_ten_megabyte_body_is_refused(client):
    response = await client.post(
        "/open311/v2/requests.json", data={**FORM, "api_key": SERVICE_TOKEN, "description": "吵" * 3_500_000}
    )
    assert response.status == 413
