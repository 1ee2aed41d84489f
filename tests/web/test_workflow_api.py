"""The workflow API as staff tools and other systems use it: tokens, roles, transitions, filters."""

import json
import re

import pytest

from bot.web.keys import ACCOUNTS
from tests.web.test_api import PAYLOAD

HAN = re.compile(r"[\u4e00-\u9fff]")


async def bearer(client, role, department=None):
    token = await client.app[ACCOUNTS].create_token(role, department)
    return {"Authorization": f"Bearer {token}"}


async def new_ticket(client, auth, **overrides):
    response = await client.post("/api/v1/tickets", json={**PAYLOAD, **overrides}, headers=auth)
    assert response.status == 201, await response.text()
    return await response.json()


async def act(client, number, headers, **body):
    return await client.post(f"/api/v1/tickets/{number}/transitions", json=body, headers=headers)


async def test_a_department_walks_its_ticket_and_the_resident_rates_it(client, auth):
    ticket = await new_ticket(client, auth)
    fire = await bearer(client, "department", "fire_rescue")
    for body, status in [
        ({"action": "sign"}, "signed"),
        ({"action": "start"}, "in_progress"),
        ({"action": "note", "note": "已到现场，正在联系车主", "public": True}, "in_progress"),
        ({"action": "note", "note": "车主电话13985012345", "public": False}, "in_progress"),
        ({"action": "resolve", "note": "车辆已挪走，消防通道已畅通"}, "resolved"),
    ]:
        response = await act(client, ticket["number"], fire, **body)
        assert response.status == 200, await response.text()
        data = await response.json()
        assert data["status"] == status and data["timeline"][-1]["actor"]
    rated = await act(client, ticket["number"], auth, action="rate", rating=4, sender_id="web:resident-1")
    data = await rated.json()
    assert rated.status == 200 and data["status"] == "closed" and data["status_name"] == "已归档"
    # The resident's view (service token) shows public events only, with phones masked.
    resident = await (
        await client.get(f"/api/v1/tickets/{ticket['number']}", params={"sender_id": "web:resident-1"}, headers=auth)
    ).json()
    notes = [e["note"] for e in resident["timeline"]]
    assert "已到现场，正在联系车主" in notes and not any("车主电话" in n for n in notes)
    assert all(e["public"] for e in resident["timeline"])
    # Staff see everything, internal notes included.
    staff = await (await client.get(f"/api/v1/tickets/{ticket['number']}", headers=fire)).json()
    assert any("车主电话" in e["note"] for e in staff["timeline"]) and staff["contact_phone"] == "13985012345"


async def test_other_departments_can_neither_read_nor_change_a_ticket(client, auth):
    ticket = await new_ticket(client, auth)
    police = await bearer(client, "department", "police_baoshan")
    assert (await client.get(f"/api/v1/tickets/{ticket['number']}", headers=police)).status == 404
    response = await act(client, ticket["number"], police, action="sign")
    assert response.status in (403, 404)
    listed = await (await client.get("/api/v1/tickets", headers=police)).json()
    assert listed["tickets"] == [] and listed["total"] == 0
    mine = await (await client.get("/api/v1/tickets", params={"department": "fire_rescue"}, headers=police)).json()
    assert mine["tickets"] == []


@pytest.mark.parametrize(
    ("role", "department", "body", "status"),
    [
        ("department", "fire_rescue", {"action": "resolve", "note": "已处理"}, 409),  # not signed yet
        ("department", "fire_rescue", {"action": "reject"}, 422),  # no reason
        ("department", "fire_rescue", {"action": "dispatch", "department": "sanitation"}, 403),
        ("official", None, {"action": "sign"}, 403),
        ("operator", None, {"action": "dispatch", "department": "no_such_unit"}, 422),
        ("operator", None, {"action": "merge", "into": "20261122-999999"}, 404),
        ("operator", None, {"action": "fly"}, 422),
        ("operator", None, {"action": "rate", "rating": 9}, 409),  # not resolved yet
        ("operator", None, {"action": "note", "note": "x" * 3000}, 422),
        ("operator", None, {"action": "note", "note": "'; DROP TABLE tickets; --"}, 200),
    ],
)
async def test_wrong_steps_get_clear_errors_and_change_nothing(client, auth, role, department, body, status):
    ticket = await new_ticket(client, auth)
    headers = await bearer(client, role, department)
    response = await act(client, ticket["number"], headers, **body)
    assert response.status == status, await response.text()
    data = await response.json()
    if status >= 400:
        assert HAN.search(data["error"]) and data["error_en"]
        after = await (await client.get(f"/api/v1/tickets/{ticket['number']}", headers=headers | {})).json()
        if "status" in after:
            assert after["status"] == "dispatched" and after["version"] == ticket["version"]


async def test_the_centre_redispatches_a_rejected_ticket(client, auth):
    ticket = await new_ticket(client, auth)
    fire = await bearer(client, "department", "fire_rescue")
    operator = await bearer(client, "operator")
    rejected = await act(client, ticket["number"], fire, action="reject", reason="楼道堆物属社区职责")
    assert rejected.status == 200 and (await rejected.json())["status"] == "rejected"
    triage = await (
        await client.get("/api/v1/tickets", params={"status": "rejected,accepted"}, headers=operator)
    ).json()
    assert [t["number"] for t in triage["tickets"]] == [ticket["number"]]
    moved = await act(client, ticket["number"], operator, action="dispatch", department="community.baoshan")
    data = await moved.json()
    assert data["department"]["code"] == "community.baoshan" and data["status"] == "dispatched"


async def test_filters_and_overdue(client, auth, clock):
    from datetime import timedelta

    first = await new_ticket(client, auth)
    await new_ticket(
        client, auth, idempotency_key="api-key-00000002", category="garbage_sanitation", description="垃圾没人清运"
    )
    admin = await bearer(client, "admin")
    by_category = await (
        await client.get("/api/v1/tickets", params={"category": "fire_lane_blocked"}, headers=admin)
    ).json()
    assert [t["number"] for t in by_category["tickets"]] == [first["number"]]
    assert (await (await client.get("/api/v1/tickets", params={"overdue": "true"}, headers=admin)).json())["total"] == 0
    clock.moment += timedelta(days=3)
    overdue = await (await client.get("/api/v1/tickets", params={"overdue": "true"}, headers=admin)).json()
    assert overdue["total"] == 2 and all(t["overdue"] for t in overdue["tickets"])
    dues = [t["due_at"] for t in overdue["tickets"]]
    assert dues == sorted(dues)
    community = await (await client.get("/api/v1/tickets", params={"community": "baoshan"}, headers=admin)).json()
    assert community["total"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"status": "flying"},
        {"department": "nowhere"},
        {"community": "atlantis"},
        {"category": "' OR 1=1 --"},
        {"overdue": "maybe"},
        {"limit": "100000"},
        {"offset": "-1"},
        {"limit": "abc"},
    ],
)
async def test_bad_filters_are_422_in_chinese(client, params):
    admin = await bearer(client, "admin")
    response = await client.get("/api/v1/tickets", params=params, headers=admin)
    assert response.status == 422
    assert HAN.search((await response.json())["error"])


async def test_departments_and_openapi(client, auth):
    departments = await (await client.get("/api/v1/departments", headers=auth)).json()
    assert len(departments["departments"]) >= 40
    spec = await client.get("/api/v1/openapi.json")
    document = await spec.json()
    assert spec.status == 200 and "/tickets/{number}/transitions" in document["paths"]
    actions = document["components"]["schemas"]["Transition"]["properties"]["action"]["enum"]
    assert set(actions) == {
        "sign",
        "start",
        "note",
        "resolve",
        "reject",
        "dispatch",
        "escalate",
        "merge",
        "cancel",
        "reopen",
        "rate",
    }


async def test_a_staff_session_needs_the_csrf_token_to_change_things(client, auth):
    ticket = await new_ticket(client, auth)
    await client.app[ACCOUNTS].add_user("fire01", "department", "correct horse 1", "fire_rescue")
    login = await client.post(
        "/login", data={"username": "fire01", "password": "correct horse 1"}, allow_redirects=False
    )
    assert login.status == 302
    read = await client.get(f"/api/v1/tickets/{ticket['number']}")
    assert read.status == 200
    refused = await client.post(f"/api/v1/tickets/{ticket['number']}/transitions", json={"action": "sign"})
    assert refused.status == 403 and "刷新" in (await refused.json())["error"]


async def test_revoked_or_made_up_tokens_are_refused(client):
    response = await client.get("/api/v1/tickets", headers={"Authorization": "Bearer hl_made_up"})
    assert response.status == 401 and json.loads(await response.text())["error_en"]
    accounts = client.app[ACCOUNTS]
    crm = await bearer(client, "operator")
    assert (await client.get("/api/v1/tickets", headers=crm)).status == 200
    [token] = await accounts.list_tokens()
    await accounts.revoke_token(token.id)
    revoked = await client.get("/api/v1/tickets", headers=crm)
    assert revoked.status == 401 and (await revoked.json())["error"] == "缺少或错误的访问令牌"


async def test_fifty_concurrent_http_creations_get_fifty_distinct_numbers(client, auth):
    import asyncio

    async def create(i):
        body = {**PAYLOAD, "idempotency_key": f"http-fifty-{i:04d}", "description": f"第{i}处：路灯不亮{i}"}
        response = await client.post("/api/v1/tickets", json=body, headers=auth)
        assert response.status == 201
        return (await response.json())["number"]

    numbers = await asyncio.gather(*(create(i) for i in range(50)))
    assert len(set(numbers)) == 50


PATHS = {
    "办结后满意归档": [
        ("fire", {"action": "sign"}, "signed"),
        ("fire", {"action": "start"}, "in_progress"),
        ("fire", {"action": "resolve", "note": "已清理"}, "resolved"),
        ("service", {"action": "rate", "rating": 5, "sender_id": "web:resident-1"}, "closed"),
    ],
    "不满意重办后再办结": [
        ("fire", {"action": "sign"}, "signed"),
        ("fire", {"action": "resolve", "note": "已清理"}, "resolved"),
        ("service", {"action": "rate", "rating": 2, "sender_id": "web:resident-1"}, "reopened"),
        ("fire", {"action": "sign"}, "signed"),
        ("fire", {"action": "resolve", "note": "已彻底清理并加装隔离桩"}, "resolved"),
        ("operator", {"action": "rate", "rating": 4}, "closed"),
        ("operator", {"action": "reopen", "note": "市民来电反映问题复发"}, "reopened"),
    ],
    "退单改派": [
        ("fire", {"action": "reject", "reason": "楼道堆物属社区职责"}, "rejected"),
        ("operator", {"action": "dispatch", "department": "community.baoshan"}, "dispatched"),
    ],
    "督办": [
        ("official", {"action": "escalate", "note": "请加快办理"}, "dispatched"),
        ("fire", {"action": "sign"}, "signed"),
    ],
    "撤单": [("service", {"action": "cancel", "sender_id": "web:resident-1"}, "cancelled")],
    "并案": [("operator", {"action": "merge", "into": "OTHER"}, "merged")],
}


@pytest.mark.parametrize("path", list(PATHS), ids=list(PATHS))
async def test_every_path_of_the_lifecycle_through_the_api(client, auth, path):
    ticket = await new_ticket(client, auth)
    other = await new_ticket(
        client, auth, idempotency_key="api-key-other-01", category="garbage_sanitation", description="垃圾桶满了没人清"
    )
    callers = {
        "fire": await bearer(client, "department", "fire_rescue"),
        "operator": await bearer(client, "operator"),
        "official": await bearer(client, "official"),
        "service": auth,
    }
    for who, body, status in PATHS[path]:
        if body.get("into") == "OTHER":
            body = {**body, "into": other["number"]}
        response = await act(client, ticket["number"], callers[who], **body)
        assert response.status == 200, f"{who} {body}: {await response.text()}"
        assert (await response.json())["status"] == status
    timeline = (await (await client.get(f"/api/v1/tickets/{ticket['number']}", headers=callers["operator"])).json())[
        "timeline"
    ]
    assert all(HAN.search(e["note"]) for e in timeline)  # every step left a readable Chinese note
    assert len(timeline) >= len(PATHS[path]) + 2
