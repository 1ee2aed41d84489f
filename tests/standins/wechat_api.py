"""A local stand-in for the WeChat Official Account platform, both sides of it:

* `FakeWeChatAPI` — the API the bot calls (`/cgi-bin/token`, `/cgi-bin/message/custom/send`,
  `/cgi-bin/media/get`): hands out access tokens, expires them on request, answers 45015 for
  residents outside the 48 h window, records every customer-service message, and serves the
  photos residents sent (by MediaId; WeChat's JSON error for an unknown or expired one);
* `WeChatServer` — WeChat's side of the webhook: signs (and in safe mode encrypts) a resident's
  message, posts it, waits 5 s for an answer and delivers again up to three times, like WeChat
  does, and reads the passive reply (decrypting it in safe mode, checking its signature).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set

import aiohttp
from aiohttp import web

from connectors.wechat_crypto import WeChatCrypto, sign
from connectors.wechat_messages import parse_xml

ACCOUNT = "gh_12319hotline"


class FakeWeChatAPI:
    def __init__(self, app_id: str, app_secret: str) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.tokens: List[str] = []
        self.valid_token = ""
        self.sent: Dict[str, List[str]] = {}
        self.outside_window: Set[str] = set()
        self.failing = False
        self.changed = asyncio.Condition()
        self.media: Dict[str, bytes] = {}  # MediaId → the file a resident sent
        self.media_requests: List[str] = []  # the MediaIds fetched, in order
        self.media_delay = 0.0  # seconds before media/get answers (a slow WeChat)
        self.media_streamed = False  # send files chunked, without Content-Length

    def routes(self) -> List[web.RouteDef]:
        return [
            web.get("/cgi-bin/token", self.token),
            web.post("/cgi-bin/message/custom/send", self.custom_send),
            web.get("/cgi-bin/media/get", self.media_get),
        ]

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(self.routes())
        return app

    async def token(self, request: web.Request) -> web.Response:
        if request.query.get("appid") != self.app_id or request.query.get("secret") != self.app_secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        self.valid_token = f"ACCESS_TOKEN_{len(self.tokens) + 1}_{secrets.token_hex(4)}"
        self.tokens.append(self.valid_token)
        return web.json_response({"access_token": self.valid_token, "expires_in": 7200})

    def expire_token(self) -> None:
        """WeChat invalidated the token (another server fetched one, or it timed out)."""
        self.valid_token = "expired"

    async def custom_send(self, request: web.Request) -> web.Response:
        if self.failing:
            return web.json_response({"errcode": -1, "errmsg": "system error"})
        if request.query.get("access_token") != self.valid_token:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        body = json.loads(await request.read())
        if body["touser"] in self.outside_window:
            return web.json_response(
                {"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"}
            )
        async with self.changed:
            self.sent.setdefault(body["touser"], []).append(body["text"]["content"])
            self.changed.notify_all()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    def add_media(self, media_id: str, content: bytes) -> None:
        """A file a resident sent (a photo), for media/get."""
        self.media[media_id] = content

    async def media_get(self, request: web.Request) -> web.StreamResponse:
        """The file as WeChat sends it (image type, Content-Disposition); errors as JSON typed text/plain."""
        await asyncio.sleep(self.media_delay)
        if self.failing:
            return web.Response(text='{"errcode":-1,"errmsg":"system error"}', content_type="text/plain")
        if request.query.get("access_token") != self.valid_token:
            return web.Response(
                text='{"errcode":40001,"errmsg":"invalid credential, access_token is invalid"}',
                content_type="text/plain",
            )
        media_id = request.query.get("media_id", "")
        self.media_requests.append(media_id)
        if media_id not in self.media:
            return web.Response(text='{"errcode":40007,"errmsg":"invalid media_id"}', content_type="text/plain")
        headers = {"Content-Type": "image/jpeg", "Content-Disposition": f'attachment; filename="{media_id}.jpg"'}
        if not self.media_streamed:
            return web.Response(body=self.media[media_id], headers=headers)
        stream = web.StreamResponse(headers=headers)
        stream.enable_chunked_encoding()
        await stream.prepare(request)
        content = self.media[media_id]
        for start in range(0, len(content), 256 * 1024):
            await stream.write(content[start : start + 256 * 1024])
        await stream.write_eof()
        return stream

    async def wait_for(self, openid: str, count: int, timeout: float = 15.0) -> List[str]:
        async def enough() -> None:
            async with self.changed:
                await self.changed.wait_for(lambda: len(self.sent.get(openid, [])) >= count)

        await asyncio.wait_for(enough(), timeout)
        return self.sent[openid][:count]


@dataclass
class Delivery:
    """What WeChat saw when delivering one message: HTTP statuses, the passive reply, timings."""

    statuses: List[int] = field(default_factory=list)
    passive: Optional[str] = None  # the text of a passive reply, if any
    seconds: float = 0.0
    attempts: int = 0


class WeChatServer:
    """Plays WeChat's servers towards our webhook."""

    _ids = itertools.count(24_681_357_000_000_001)

    def __init__(
        self, webhook: str, token: str, app_id: str, aes_key: str = "", wait_seconds: float = 5.0, attempts: int = 3
    ) -> None:
        self.webhook, self.token, self.app_id = webhook, token, app_id
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self.wait_seconds, self.attempts = wait_seconds, attempts

    def xml(self, openid: str, msg_type: str, **fields: str) -> str:
        body = {"ToUserName": ACCOUNT, "FromUserName": openid, "CreateTime": str(int(time.time())), "MsgType": msg_type}
        body.update(fields)
        if msg_type != "event" and "MsgId" not in fields:
            body["MsgId"] = str(next(self._ids))
        inner = "".join(
            f"<{k}><![CDATA[{v}]]></{k}>" if not v.isdigit() else f"<{k}>{v}</{k}>" for k, v in body.items()
        )
        return f"<xml>{inner}</xml>"

    def signed_query(self, body: str, timestamp: Optional[str] = None) -> tuple[Dict[str, str], str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = str(secrets.randbelow(10**9))
        query = {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        query["openid"] = "o" + secrets.token_hex(6)
        if self.crypto is None:
            return query, body
        encrypted = self.crypto.encrypt(body)
        query["encrypt_type"] = "aes"
        query["msg_signature"] = self.crypto.message_signature(timestamp, nonce, encrypted)
        return (
            query,
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>",
        )

    def read_reply(self, raw: str, query: Dict[str, str]) -> Optional[str]:
        """The passive reply's text; checks the safe-mode envelope's signature like WeChat does."""
        if not raw or raw == "success":
            return None
        fields = parse_xml(raw.encode())
        if self.crypto is not None:
            expected = self.crypto.message_signature(fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
            assert fields["MsgSignature"] == expected, "passive reply signature does not match"
            fields = parse_xml(self.crypto.decrypt(fields["Encrypt"]).encode())
        assert fields["MsgType"] == "text"
        return fields["Content"]

    async def deliver(self, body: str, session: Optional[aiohttp.ClientSession] = None) -> Delivery:
        """Post a message; without an answer in `wait_seconds`, post it again (up to `attempts` times)."""
        own = session is None
        session = session or aiohttp.ClientSession()
        delivery = Delivery()
        started = time.perf_counter()
        query, payload = self.signed_query(body)
        try:
            for _ in range(self.attempts):
                delivery.attempts += 1
                try:
                    async with session.post(
                        self.webhook,
                        params=query,
                        data=payload.encode(),
                        headers={"Content-Type": "text/xml"},
                        timeout=aiohttp.ClientTimeout(total=self.wait_seconds),
                    ) as answer:
                        delivery.statuses.append(answer.status)
                        raw = await answer.text()
                        if answer.status == 200:
                            delivery.passive = self.read_reply(raw, query)
                        break
                except asyncio.TimeoutError:
                    delivery.statuses.append(0)
        finally:
            delivery.seconds = time.perf_counter() - started
            if own:
                await session.close()
        return delivery

    async def say(self, openid: str, text: str) -> Delivery:
        return await self.deliver(self.xml(openid, "text", Content=text))
