"""The login form (`/login`) as staff meet it: wrong passwords, the failure limit and its 429."""

from datetime import timedelta

from bot.web.keys import ACCOUNTS
from bot.web.middleware import SESSION_COOKIE

RIGHT = "right-pass-1"


async def submit(client, username, password):
    data = {"username": username, "password": password, "next": "/workbench"}
    return await client.post("/login", data=data, allow_redirects=False)


async def fail(client, username, times):
    for _ in range(times):
        response = await submit(client, username, "wrong-pass-1")
        assert response.status == 401 and "用户名或密码不正确" in await response.text()


async def test_the_sixth_try_gets_429_even_with_the_right_password_until_15_minutes_pass(client, clock):
    await client.app[ACCOUNTS].add_user("fire01", "department", RIGHT, "fire_rescue")
    await fail(client, "fire01", 5)
    refused = await submit(client, "fire01", RIGHT)
    assert refused.status == 429 and refused.headers["Retry-After"] == "900"
    page = await refused.text()
    assert "登录失败次数过多，请 15 分钟后再试" in page and 'name="password"' in page  # the form again
    assert SESSION_COOKIE not in refused.cookies
    assert (await client.get("/workbench", allow_redirects=False)).status == 302  # still logged out
    clock.moment += timedelta(minutes=15)
    accepted = await submit(client, "fire01", RIGHT)
    assert accepted.status == 302 and accepted.headers["Location"] == "/workbench"
    assert (await client.get("/workbench")).status == 200


async def test_unknown_usernames_get_the_same_answers(client):
    await fail(client, "nobody", 5)
    refused = await submit(client, "nobody", RIGHT)
    assert refused.status == 429 and "登录失败次数过多，请 15 分钟后再试" in await refused.text()


async def test_a_successful_login_starts_the_count_again(client):
    await client.app[ACCOUNTS].add_user("fire01", "department", RIGHT, "fire_rescue")
    for _ in range(2):
        await fail(client, "fire01", 4)
        assert (await submit(client, "fire01", RIGHT)).status == 302
