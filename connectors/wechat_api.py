"""The one client of the WeChat Official Account API the channel needs: an access token
(cached, refreshed before expiry and when WeChat says it is stale), customer-service text
messages (客服消息), which reach a resident only within 48 h of their last message (45015), and
the temporary media a resident sent (素材, their photos), fetched by MediaId."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Dict, Optional, Tuple

import aiohttp

from connectors.text import split_text, utf8_size

__all__ = ["MediaTooLarge", "OutsideReplyWindow", "WeChatAPIError", "WeChatClient"]

log = logging.getLogger(__name__)
STALE_TOKEN_CODES = {40001, 40014, 42001}
OUTSIDE_REPLY_WINDOW = 45015
MESSAGE_BYTES = 2000  # a customer-service text is limited to 2048 bytes


class WeChatAPIError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"WeChat API error {code}: {message}")
        self.code = code


class OutsideReplyWindow(WeChatAPIError):
    """45015: the resident has not written for 48 h; WeChat refuses customer-service messages."""


class MediaTooLarge(Exception):
    """The media file is larger than the caller takes; it was not (or not all) downloaded."""


async def _read_at_most(answer: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The body, refused as soon as it is longer than `max_bytes` (Content-Length may be absent or wrong)."""
    if answer.content_length is not None and answer.content_length > max_bytes:
        raise MediaTooLarge(f"{answer.content_length} bytes announced")
    body = bytearray()
    async for chunk in answer.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > max_bytes:
            raise MediaTooLarge(f"more than {max_bytes} bytes")
    return bytes(body)


def _media_error(status: int, body: bytes) -> Optional[WeChatAPIError]:
    """None when `body` is the file; else WeChat's `{"errcode": …}` answer (or the HTTP error) as an exception."""
    # Errors come as JSON (typed text/plain or application/json); an image never starts with "{".
    if status == 200 and body and not body.lstrip().startswith(b"{"):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return WeChatAPIError(-1, f"HTTP {status}, neither media nor a WeChat error")
    return WeChatAPIError(int(data.get("errcode", -1)), str(data.get("errmsg", "")))


class WeChatClient:
    def __init__(self, base_url: str, app_id: str, app_secret: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None
        self._token = ""
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def access_token(self, stale: str = "") -> str:
        """The cached token; a new one when it is near expiry or equals `stale` (WeChat rejected it)."""
        async with self._token_lock:
            if self._token and self._token != stale and time.monotonic() < self._token_expires:
                return self._token
            params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
            async with self._http().get(f"{self.base_url}/cgi-bin/token", params=params) as answer:
                data = await answer.json(content_type=None)
            if not isinstance(data, dict) or "access_token" not in data:
                code = int(data.get("errcode", -1)) if isinstance(data, dict) else -1
                raise WeChatAPIError(code, str(data.get("errmsg", "")) if isinstance(data, dict) else "bad answer")
            self._token = str(data["access_token"])
            self._token_expires = time.monotonic() + int(data.get("expires_in", 7200)) - 300
            return self._token

    async def _post(self, path: str, body: Dict[str, Any]) -> None:
        token = await self.access_token()
        for attempt in range(2):
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")  # WeChat shows \u escapes literally
            async with self._http().post(
                f"{self.base_url}{path}",
                params={"access_token": token},
                data=payload,
                headers={"Content-Type": "application/json; charset=utf-8"},
            ) as answer:
                data = await answer.json(content_type=None)
            code = int(data.get("errcode", 0)) if isinstance(data, dict) else -1
            if code == 0:
                return
            if code in STALE_TOKEN_CODES and attempt == 0:
                token = await self.access_token(stale=token)
                continue
            message = str(data.get("errmsg", "")) if isinstance(data, dict) else "bad answer"
            if code == OUTSIDE_REPLY_WINDOW:
                raise OutsideReplyWindow(code, message)
            raise WeChatAPIError(code, message)

    async def send_text(self, openid: str, text: str) -> None:
        """Customer-service text message(s); long texts go in several messages."""
        for part in split_text(text, MESSAGE_BYTES, utf8_size):
            await self._post(
                "/cgi-bin/message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": part}}
            )

    async def _get_media(self, token: str, media_id: str, max_bytes: int) -> Tuple[int, bytes]:
        params = {"access_token": token, "media_id": media_id}
        async with self._http().get(f"{self.base_url}/cgi-bin/media/get", params=params) as answer:
            return answer.status, await _read_at_most(answer, max_bytes)

    async def media(self, media_id: str, max_bytes: int) -> bytes:
        """A resident's temporary media (`/cgi-bin/media/get`): the file's bytes, never WeChat's error JSON."""
        token = await self.access_token()
        status, body = await self._get_media(token, media_id, max_bytes)
        error = _media_error(status, body)
        if error is not None and error.code in STALE_TOKEN_CODES:  # once more, with a fresh token
            status, body = await self._get_media(await self.access_token(stale=token), media_id, max_bytes)
            error = _media_error(status, body)
        if error is not None:
            raise error
        return body
