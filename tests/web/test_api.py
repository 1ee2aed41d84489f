import json
import re

import pytest

PAYLOAD = {
    "sender_id": "web:resident-1",
    "description": "我们小区门口天天有车乱停，把消防通道都堵死了，我电话13985012345",
    "address": "宝山北路56号",
    "category": "fire_lane_blocked",
    "category_confidence": 0.9,
    "contact_phone": "13985012345",
    "idempotency_key": "api-key-00000001",
}


async def test_health(client):
    response = await client.get("/health")
    assert response.status == 200 and (await response.json())["status"] == "ok"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic abc"])
async def test_workflow_api_refuses_missing_or_wrong_tokens(client, header):
    headers = {"Authorization": header} if header else {}
    response = await client.post("/api/v1/tickets", json=PAYLOAD, headers=headers)
    assert response.status == 401
    assert "令牌" in (await response.json())["error"]


async def test_create_then_read_in_open311_without_personal_data(client, auth):
    created = await client.post("/api/v1/tickets", json=PAYLOAD, headers=auth)
    assert created.status == 201
    ticket = await created.json()
    assert re.match(r"^\d{8}-\d{6}$", ticket["number"])
    assert ticket["department"]["name"] == "区消防救援大队"
    assert ticket["contact_phone"] == "139****2345"

    public = await client.get(f"/open311/v2/requests/{ticket['number']}.json")
    assert public.status == 200
    [request] = await public.json()
    assert request["service_request_id"] == ticket["number"]
    assert request["service_code"] == "fire_lane_blocked"
    assert request["agency_responsible"] == "区消防救援大队"
    assert request["status"] == "open" and "已派单" in request["status_notes"]
    body = json.dumps(request, ensure_ascii=False)
    assert "13985012345" not in body and "web:resident-1" not in body


async def test_retried_creation_returns_the_first_ticket(client, auth):
    first = await (await client.post("/api/v1/tickets", json=PAYLOAD, headers=auth)).json()
    retry = await client.post("/api/v1/tickets", json=PAYLOAD, headers=auth)
    assert retry.status == 200 and (await retry.json())["number"] == first["number"]


async def test_tickets_are_listed_per_resident_only(client, auth):
    await client.post("/api/v1/tickets", json=PAYLOAD, headers=auth)
    mine = await (await client.get("/api/v1/tickets", params={"sender_id": "web:resident-1"}, headers=auth)).json()
    theirs = await (await client.get("/api/v1/tickets", params={"sender_id": "tg:42"}, headers=auth)).json()
    assert len(mine["tickets"]) == 1 and theirs["tickets"] == []
    number = mine["tickets"][0]["number"]
    other = await client.get(f"/api/v1/tickets/{number}", params={"sender_id": "tg:42"}, headers=auth)
    assert other.status == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 422),
        (b"[1, 2]", 422),
        (json.dumps({**PAYLOAD, "description": ""}).encode(), 422),
        (json.dumps({**PAYLOAD, "category_confidence": "high"}).encode(), 422),
        (json.dumps({**PAYLOAD, "contact_phone": "1398501234a"}).encode(), 422),
        (b"\xff\xfe\x00binary", 422),
    ],
)
async def test_bad_input_gets_a_4xx_with_a_chinese_message(client, auth, body, status):
    response = await client.post("/api/v1/tickets", data=body, headers={**auth, "Content-Type": "application/json"})
    assert response.status == status
    assert re.search(r"[\u4e00-\u9fff]", (await response.json())["error"])


async def test_huge_bodies_are_refused(client, auth):
    response = await client.post("/api/v1/tickets", json={**PAYLOAD, "description": "吵" * 200_000}, headers=auth)
    assert response.status == 413


@pytest.mark.parametrize("number", ["20261122-999999", "not-a-number", "2026112"])
async def test_unknown_ticket_numbers_are_404(client, number):
    response = await client.get(f"/open311/v2/requests/{number}.json")
    assert response.status == 404


async def test_services_follow_the_taxonomy(client, pack):
    services = await (await client.get("/open311/v2/services.json")).json()
    assert [s["service_code"] for s in services] == pack.taxonomy.codes()
    parking = next(s for s in services if s["service_code"] == "illegal_parking")
    assert parking["group"] == "政法" and parking["service_name"] == "违章停车/挪车"
