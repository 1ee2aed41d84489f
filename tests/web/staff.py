"""Helpers for page tests: a logged-in staff member's client session and its CSRF token."""

import re

from bot.web.keys import ACCOUNTS

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def log_in(client, username, role, department=None, next_path="/workbench"):
    """Add the account, log in through the form (the client keeps the cookie), return the page's CSRF token."""
    password = f"{username}-pass-01"
    await client.app[ACCOUNTS].add_user(username, role, password, department)
    response = await client.post(
        "/login", data={"username": username, "password": password, "next": next_path}, allow_redirects=False
    )
    assert response.status == 302, await response.text()
    page = await client.get("/workbench")
    return CSRF.search(await page.text()).group(1)


async def bearer(client, role, department=None):
    token = await client.app[ACCOUNTS].create_token(role, department)
    return {"Authorization": f"Bearer {token}"}
