"""WeChat Official Account channel (微信公众号) for Rasa's Sanic server.

`GET /webhooks/wechat/webhook` answers WeChat's server check; `POST` takes messages in
plaintext or safe mode (AES, `msg_signature`). Every request is authenticated before its XML
is parsed (defusedxml), each message is taken once across instances (MsgId, or FromUserName +
CreateTime for events), and the sender id is `wx:<openid>`.

WeChat waits 5 s for an answer and then delivers again (three times). So the bot gets
`WECHAT_PASSIVE_SECONDS` (4 s): if it has answered by then, the answer goes back passively in
the HTTP response; otherwise the response is empty ("success") and the answer follows through
the customer-service message API when it is ready. Buttons cannot be shown in WeChat: they are
listed with numbers, and a resident's reply with a number, or with a button's title, is taken as
that button.

A photo (MsgType image) does not go to the bot: it is fetched by its MediaId through the media
API and handed to the linkage service as evidence for the resident's ticket (`connectors.photos`),
and the resident is told where it went, within the same 4 s or by customer-service message.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Tuple

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.config import WeChatSettings
from connectors.evidence import EvidenceClient
from connectors.photos import MAX_PHOTO_BYTES, PHOTO_LATER_TEXT, PHOTO_TOO_BIG_TEXT, complaint_in_progress, hand_over
from connectors.seen import SeenStore, open_seen_store
from connectors.text import split_text, utf8_size
from connectors.wechat_api import MediaTooLarge, OutsideReplyWindow, WeChatAPIError, WeChatClient
from connectors.wechat_crypto import InvalidMessage, WeChatCrypto, signature_matches
from connectors.wechat_messages import Handling, Incoming, handle, parse_xml, text_reply_xml

__all__ = ["WeChatInput", "WeChatOutput", "WeChatSettings"]

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024  # a real message is well under 2 KB
PASSIVE_REPLY_BYTES = 2000
BUSY_TEXT = "抱歉，系统有点忙，请稍后再发一次，或直接拨打 12319 热线。"
SUCCESS = "success"  # WeChat's "received, no passive reply"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _plain(text: str) -> str:
    """A button title or a reply without spaces, punctuation and letter case, to compare them."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


class OfferedButtons:
    """The buttons last offered to each resident, so that replying "3", or typing the title
    "仍需人工办理", means that button (residents do both: WeChat shows no buttons to tap)."""

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self.by_openid: OrderedDict[str, List[Tuple[str, str]]] = OrderedDict()

    def offer(self, openid: str, buttons: List[Tuple[str, str]]) -> None:
        """`buttons` as (payload, title) pairs, in the order they are listed."""
        self.by_openid[openid] = buttons
        self.by_openid.move_to_end(openid)
        while len(self.by_openid) > self.capacity:
            self.by_openid.popitem(last=False)

    def take(self, openid: str, reply: str) -> Optional[str]:
        """The payload for a reply with a button's number or title, once; None for any other reply."""
        buttons = self.by_openid.get(openid)
        if not buttons:
            return None
        number, typed = reply.strip(), _plain(reply)
        if number.isdigit() and 1 <= int(number) <= len(buttons):
            chosen: Optional[str] = buttons[int(number) - 1][0]
        else:
            chosen = next((payload for payload, title in buttons if typed and _plain(title) == typed), None)
        if chosen is not None:
            del self.by_openid[openid]
        return chosen


def render(message: Dict[str, Any], openid: str, offered: OfferedButtons) -> str:
    """A bot message as WeChat text; buttons become a numbered list to reply to."""
    text = str(message.get("text") or "")
    buttons = [b for b in message.get("buttons") or message.get("quick_replies") or [] if b.get("payload")]
    if buttons:
        offered.offer(openid, [(str(b["payload"]), str(b.get("title") or "")) for b in buttons])
        options = "\n".join(f"回复 {i}：{b.get('title', '')}" for i, b in enumerate(buttons, start=1))
        text = f"{text}\n{options}" if text else options
    if message.get("image"):
        text = f"{text}\n{message['image']}" if text else str(message["image"])
    return text


def openid_of(recipient_id: str) -> str:
    return recipient_id.removeprefix("wx:")


class ReplyCollector(OutputChannel):
    """Keeps the bot's answer to one message until we know whether it goes passively or not."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self) -> None:
        self.messages: List[Dict[str, Any]] = []

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        self.messages.append(dict(message))


class WeChatOutput(OutputChannel):
    """Customer-service messages: used for pushes (progress) and for answers slower than 4 s."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, client: WeChatClient, offered: OfferedButtons) -> None:
        self.client = client
        self.offered = offered

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        openid = openid_of(recipient_id)
        text = render(message, openid, self.offered)
        if not text:
            return
        try:
            await self.client.send_text(openid, text)
        except OutsideReplyWindow:
            # Outside the 48 h window WeChat delivers nothing; retrying cannot help.
            log.warning("wechat resident %s… has not written for 48 h: message not delivered (45015)", openid[:6])


class WeChatInput(InputChannel):
    """`/webhooks/wechat/webhook`; settings from the environment (credentials.yml may override)."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        env = {**os.environ, **{f"WECHAT_{k.upper()}": str(v) for k, v in (credentials or {}).items() if v}}
        settings = WeChatSettings.from_env(env)
        if settings is None:
            raise SystemExit("微信渠道缺少 WECHAT_TOKEN")
        return cls(settings)

    def __init__(self, settings: WeChatSettings, seen: Optional[SeenStore] = None) -> None:
        self.settings = settings
        self.seen = seen
        self.crypto = WeChatCrypto(settings.token, settings.aes_key, settings.app_id) if settings.aes_key else None
        self.client = WeChatClient(settings.api_base_url, settings.app_id, settings.app_secret)
        self.evidence = EvidenceClient(settings.linkage_url, settings.service_token)
        self._server: Any = None  # Rasa's Sanic app, for the agent's tracker store
        self.offered = OfferedButtons()
        self.on_new_message: Optional[OnNewMessage] = None
        self._late: Set[asyncio.Task] = set()
        self._in_flight: Set[str] = set()  # messages this instance is answering right now
        self._redelivered: Set[str] = set()  # … of which WeChat already sent a repeat: it gave up waiting

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatOutput(self.client, self.offered)

    # --- authenticity ----------------------------------------------------------------------

    def _fresh(self, timestamp: str) -> bool:
        return timestamp.isdigit() and abs(time.time() - int(timestamp)) <= self.settings.timestamp_window_seconds

    def _fields(self, request: Request) -> Dict[str, str]:
        """The message's fields, decrypted in safe mode; InvalidMessage when it is not genuine."""
        args = request.args
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        if not signature_matches(args.get("signature", ""), self.settings.token, timestamp, nonce):
            raise PermissionError("signature")
        if not self._fresh(timestamp):
            raise PermissionError("timestamp")
        fields = parse_xml(request.body)
        if args.get("encrypt_type", "raw") != "aes":
            if self.crypto is not None:
                raise PermissionError("plaintext message although safe mode is configured")
            return fields
        if self.crypto is None or "Encrypt" not in fields:
            raise InvalidMessage("safe mode message without a key or without Encrypt")
        if not signature_matches(
            args.get("msg_signature", ""), self.settings.token, timestamp, nonce, fields["Encrypt"]
        ):
            raise PermissionError("msg_signature")
        return parse_xml(self.crypto.decrypt(fields["Encrypt"]).encode("utf-8"))

    def _passive(self, request: Request, message: Incoming, text: str) -> HTTPResponse:
        if not text:
            return response.text(SUCCESS)
        reply = text_reply_xml(message.openid, message.account, text, int(time.time()))
        if request.args.get("encrypt_type") == "aes" and self.crypto is not None:
            reply = self.crypto.encrypted_reply(reply, request.args.get("timestamp", ""), request.args.get("nonce", ""))
        return response.text(reply, content_type="application/xml; charset=utf-8")

    # --- answering ---------------------------------------------------------------------------

    async def _send_later(self, openid: str, messages: List[Dict[str, Any]]) -> None:
        output = WeChatOutput(self.client, self.offered)
        for message in messages:
            try:
                await output.send_response(f"wx:{openid}", message)
            except (WeChatAPIError, OSError, asyncio.TimeoutError) as exc:
                log.error("wechat customer-service message to %s… failed: %s", openid[:6], exc)
                return

    async def _send_when_ready(self, turn: asyncio.Future, collector: ReplyCollector, openid: str) -> None:
        """The answer through the customer-service API, once the bot (or the photo's storing) has it."""
        try:
            await turn
        except Exception:
            log.exception("wechat message of %s… failed", openid[:6])
            collector.messages = [{"text": BUSY_TEXT}]
        await self._send_later(openid, collector.messages)

    def _later(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._late.add(task)
        task.add_done_callback(self._late.discard)

    def _nobody_waits(self, request: Request, message: Incoming) -> bool:
        """WeChat stopped waiting (it hung up, or delivered the message again): a passive reply would be lost."""
        transport: Any = request.transport
        return message.once_key in self._redelivered or bool(transport.is_closing())

    async def _answer(self, request: Request, message: Incoming, handling: Handling) -> HTTPResponse:
        if handling.to_bot is None and handling.photo_media_id is None:
            return self._passive(request, message, handling.reply or "")
        collector = ReplyCollector()
        work: Awaitable[Any]
        if handling.photo_media_id is not None:
            work = self._store_photo(message.openid, handling.photo_media_id, collector)
        else:
            work = self._bot_turn(message, handling, collector)
        self._in_flight.add(message.once_key)
        try:
            return await self._answer_in_time(request, message, work, collector)
        finally:
            self._in_flight.discard(message.once_key)
            self._redelivered.discard(message.once_key)

    def _bot_turn(self, message: Incoming, handling: Handling, collector: ReplyCollector) -> Awaitable[Any]:
        """The message handed to Rasa; the bot's answer goes into `collector`."""
        assert self.on_new_message is not None and handling.to_bot is not None
        to_bot = self.offered.take(message.openid, handling.to_bot) or handling.to_bot
        user_message = UserMessage(
            to_bot,
            collector,
            f"wx:{message.openid}",
            input_channel=self.name(),
            metadata={"wechat_msg_type": message.kind, **handling.metadata},
        )
        return self.on_new_message(user_message)

    async def _store_photo(self, openid: str, media_id: str, collector: ReplyCollector) -> None:
        """The photo from WeChat's media API to the linkage service as evidence; where it went goes into `collector`."""
        sender_id = f"wx:{openid}"
        try:
            content = await self.client.media(media_id, MAX_PHOTO_BYTES)
        except MediaTooLarge:
            answer = PHOTO_TOO_BIG_TEXT
        except (WeChatAPIError, aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError) as exc:
            # aiohttp's text may hold the request URL, and that the access token: only WeChat's own error is logged.
            reason = str(exc) if isinstance(exc, WeChatAPIError) else type(exc).__name__
            log.warning("wechat photo of %s… not downloaded: %s", openid[:6], reason)
            answer = PHOTO_LATER_TEXT
        else:
            in_progress = await complaint_in_progress(self._server, sender_id)
            answer = await hand_over(self.evidence, sender_id, content, "", in_progress)
        collector.messages.append({"text": answer})

    async def _answer_in_time(
        self, request: Request, message: Incoming, work: Awaitable[Any], collector: ReplyCollector
    ) -> HTTPResponse:
        """A passive reply when `work` has filled `collector` within the passive budget; else customer service."""
        turn = asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait({turn}, timeout=self.settings.passive_seconds)
        except asyncio.CancelledError:  # WeChat hung up and Sanic cancelled this handler; the work goes on
            self._later(self._send_when_ready(turn, collector, message.openid))
            raise
        if not done:
            self._later(self._send_when_ready(turn, collector, message.openid))
            return response.text(SUCCESS)
        if turn.exception() is not None:
            log.error("wechat message of %s… failed: %r", message.openid[:6], turn.exception())
            return self._passive(request, message, BUSY_TEXT)
        if self._nobody_waits(request, message):
            # Rasa's event loop was busy and WeChat gave up on this request: the answer goes the other way.
            self._later(self._send_later(message.openid, collector.messages))
            return response.text(SUCCESS)
        texts = [t for t in (render(m, message.openid, self.offered) for m in collector.messages) if t]
        parts = split_text("\n\n".join(texts), PASSIVE_REPLY_BYTES, utf8_size) if texts else [""]
        if len(parts) > 1:  # one passive reply per message: the rest follows as customer-service messages
            self._later(self._send_later(message.openid, [{"text": p} for p in parts[1:]]))
        return self._passive(request, message, parts[0])

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self.on_new_message = on_new_message
        wechat_webhook = Blueprint("wechat_webhook", __name__)

        @wechat_webhook.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            self._server = app
            if self.seen is None:
                self.seen = await open_seen_store(os.environ)
            await self.evidence.open()

        @wechat_webhook.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            if self._late:
                await asyncio.wait(set(self._late), timeout=10)
            await self.client.close()
            await self.evidence.close()
            if self.seen is not None:
                await self.seen.close()

        @wechat_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @wechat_webhook.route("/webhook", methods=["GET"])
        async def server_check(request: Request) -> HTTPResponse:
            """WeChat's URL check when the server is configured: echo `echostr` if the signature holds."""
            args = request.args
            if signature_matches(
                args.get("signature", ""), self.settings.token, args.get("timestamp", ""), args.get("nonce", "")
            ):
                return response.text(args.get("echostr", ""))
            return response.text("forbidden", status=403)

        @wechat_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body) > MAX_BODY_BYTES:
                return response.text("body too large", status=413)
            try:
                message = Incoming(self._fields(request))
            except PermissionError as exc:
                log.warning("wechat request refused: %s", exc)
                return response.text("forbidden", status=403)
            except InvalidMessage as exc:
                log.warning("wechat request not understood: %s", exc)
                return response.text("bad request", status=400)
            if not message.openid or not message.account:
                return response.text("bad request", status=400)
            if self.seen is None:
                return response.text("starting", status=503)
            if not await self.seen.first_time(message.once_key):
                if message.once_key in self._in_flight:
                    self._redelivered.add(message.once_key)
                log.info("wechat message %s is a repeat; dropped", message.once_key.rsplit(":", 1)[-1])
                return response.text(SUCCESS)
            return await self._answer(request, message, handle(message))

        return wechat_webhook
