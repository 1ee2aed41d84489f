"""Residents' photos as evidence: attached to a recent open ticket or kept for the next one,
refused when too big, not an image, or sent without the service token; shown to staff only."""

import base64
from datetime import timedelta

import pytest

from bot.web.keys import SETTINGS
from tests.web.staff import bearer, log_in
from tests.web.test_api import PAYLOAD

# A real 1×1 PNG, and the magic bytes of the other accepted kinds.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
SENDER = PAYLOAD["sender_id"]


def evidence(data: bytes, sender_id: str = SENDER, **extra):
    return {"sender_id": sender_id, "media_type": "image/jpeg", "data": base64.b64encode(data).decode(), **extra}


async def open_ticket(client, auth, **overrides):
    response = await client.post("/api/v1/tickets", json={**PAYLOAD, **overrides}, headers=auth)
    assert response.status == 201, await response.text()
    return (await response.json())["number"]


async def test_a_photo_joins_the_residents_open_ticket_with_a_public_event(client, auth):
    number = await open_ticket(client, auth)
    response = await client.post("/api/v1/evidence", json=evidence(JPEG), headers=auth)
    assert response.status == 201, await response.text()
    assert (await response.json())["attached_to"] == number
    fire = await bearer(client, "department", "fire_rescue")
    staff = await (await client.get(f"/api/v1/tickets/{number}", headers=fire)).json()
    [attachment] = staff["attachments"]
    assert attachment["media_type"] == "image/jpeg" and attachment["size"] == len(JPEG)
    photo = await client.get(attachment["url"], headers=fire)
    assert photo.status == 200 and photo.headers["Content-Type"] == "image/jpeg"
    assert await photo.read() == JPEG
    # The resident's own view (service token) shows the event, but no attachments.
    resident = await (await client.get(f"/api/v1/tickets/{number}", params={"sender_id": SENDER}, headers=auth)).json()
    assert resident["timeline"][-1]["note"] == "居民补充了照片" and "attachments" not in resident
    # The file is on disk under the attachments folder, not in the database.
    stored = list(client.app[SETTINGS].attachments_dir.rglob("*.jpg"))
    assert [p.read_bytes() for p in stored] == [JPEG]
    public = await (await client.get(f"/open311/v2/requests/{number}.json")).json()
    assert public[0]["media_url"] is None and "attachments" not in public[0]


async def test_a_photo_before_any_ticket_waits_and_joins_the_next_ticket(client, auth):
    response = await client.post("/api/v1/evidence", json=evidence(PNG), headers=auth)
    assert response.status == 201 and (await response.json()) == {
        "pending": True,
        "media_type": "image/png",
        "size": len(PNG),
    }
    other = await client.post("/api/v1/evidence", json=evidence(JPEG, sender_id="tg:999"), headers=auth)
    assert (await other.json())["pending"] is True
    number = await open_ticket(client, auth)
    admin = await bearer(client, "admin")
    staff = await (await client.get(f"/api/v1/tickets/{number}", headers=admin)).json()
    assert [a["media_type"] for a in staff["attachments"]] == ["image/png"]  # not the other resident's
    assert any("照片" in e["note"] and not e["public"] for e in staff["timeline"])


async def test_a_photo_during_a_complaint_waits_even_with_an_open_ticket(client, auth):
    first = await open_ticket(client, auth)
    response = await client.post("/api/v1/evidence", json=evidence(PNG, complaint_in_progress=True), headers=auth)
    assert (await response.json())["pending"] is True
    second = await open_ticket(
        client, auth, idempotency_key="api-key-00000002", description="路灯不亮了，晚上很黑", category="other"
    )
    admin = await bearer(client, "admin")
    assert (await (await client.get(f"/api/v1/tickets/{first}", headers=admin)).json())["attachments"] == []
    assert len((await (await client.get(f"/api/v1/tickets/{second}", headers=admin)).json())["attachments"]) == 1


async def test_a_ticket_untouched_for_a_day_does_not_take_the_photo(client, auth, clock):
    await open_ticket(client, auth)
    clock.moment += timedelta(hours=25)
    response = await client.post("/api/v1/evidence", json=evidence(PNG), headers=auth)
    assert (await response.json())["pending"] is True


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (evidence(b"%PDF-1.4 not a photo"), 415, "JPEG"),
        (evidence(b"GIF89a" + b"\x00" * 50), 415, "JPEG"),
        (evidence(b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024)), 413, "5 MB"),
        ({"sender_id": SENDER, "data": "不是base64"}, 422, "base64"),
        ({"data": base64.b64encode(PNG).decode()}, 422, "sender_id"),
    ],
    ids=["pdf", "gif", "too-big", "bad-base64", "no-sender"],
)
async def test_bad_evidence_is_refused_in_chinese(client, auth, body, status, words):
    response = await client.post("/api/v1/evidence", json=body, headers=auth)
    assert response.status == status, await response.text()
    assert words in (await response.json())["error"]


async def test_a_body_far_over_the_limit_is_refused(client, auth):
    response = await client.post(
        "/api/v1/evidence", json=evidence(b"\xff\xd8\xff" + b"\x00" * (8 * 1024 * 1024)), headers=auth
    )
    assert response.status == 413 and "太长" in (await response.json())["error"]


@pytest.mark.parametrize("role", [None, "wrong", "department", "operator"])
async def test_only_the_service_token_submits_evidence(client, role):
    if role is None:
        headers = {}
    elif role == "wrong":
        headers = {"Authorization": "Bearer wrong-token"}
    else:
        headers = await bearer(client, role, "fire_rescue" if role == "department" else None)
    response = await client.post("/api/v1/evidence", json=evidence(PNG), headers=headers)
    assert response.status in (401, 403)
    assert "error" in await response.json()


async def test_only_staff_who_see_the_ticket_download_its_photo(client, auth):
    number = await open_ticket(client, auth)
    await client.post("/api/v1/evidence", json=evidence(JPEG), headers=auth)
    admin = await bearer(client, "admin")
    [attachment] = (await (await client.get(f"/api/v1/tickets/{number}", headers=admin)).json())["attachments"]
    url = attachment["url"]
    police = await bearer(client, "department", "police_baoshan")
    assert (await client.get(url, headers=police)).status == 404
    assert (await client.get(url, headers=auth)).status == 403  # the service acts for residents, not staff
    assert (await client.get(url)).status == 401
    assert (
        await client.get(f"/api/v1/tickets/{number}/attachments/{attachment['id'] + 1}", headers=admin)
    ).status == 404
    fire = await bearer(client, "department", "fire_rescue")
    assert (await client.get(url, headers=fire)).status == 200


async def test_the_workbench_ticket_page_shows_the_photos(client, auth):
    number = await open_ticket(client, auth)
    await client.post("/api/v1/evidence", json=evidence(JPEG), headers=auth)
    await log_in(client, "fire-clerk", "department", "fire_rescue")
    page = await (await client.get(f"/workbench/tickets/{number}")).text()
    assert "居民照片（1）" in page and f"/api/v1/tickets/{number}/attachments/" in page
    # The page session (cookie) may fetch the photo too.
    [src] = [part.split('"')[0] for part in page.split('<img src="')[1:]]
    assert (await client.get(src)).status == 200
