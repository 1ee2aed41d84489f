"""Telegram channel: python-telegram-bot 22 embedded in Rasa's Sanic server.

The webhook checks Telegram's secret-token header, drops an `update_id` it has already taken
(on any instance), and puts the update on PTB's queue; PTB's handlers turn messages, locations,
contacts and button presses into Rasa `UserMessage`s with the sender id `tg:<chat id>`. PTB runs
with `updater(None)` and an explicit lifecycle (initialize/start/stop/shutdown) tied to the
server; with `TELEGRAM_MODE=polling` it fetches updates itself instead (development without a
public URL). Bot replies are sent as escaped HTML, split at Telegram's 4096-character limit,
with buttons as inline keyboards whose callbacks come back as Rasa payloads.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import logging
import os
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, PhotoSize, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from connectors.config import TelegramSettings
from connectors.evidence import EvidenceClient
from connectors.photos import MAX_PHOTO_BYTES, PHOTO_LATER_TEXT, PHOTO_TOO_BIG_TEXT, complaint_in_progress, hand_over
from connectors.seen import SeenStore, open_seen_store
from connectors.text import split_text

__all__ = ["TelegramInput", "TelegramOutput", "TelegramSettings"]

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 256 * 1024  # a real update is a few KB
MAX_TEXT_CHARS = 4096
CALLBACK_DATA_BYTES = 64  # Telegram's limit for callback_data

HELP_TEXT = (
    "您好，这里是 12319 便民服务热线在线助手。\n"
    "• 直接用文字描述遇到的问题（发生了什么、在哪里），我来登记并转交相关部门办理；\n"
    "• 可以发送位置或联系人，作为问题地点和联系电话；\n"
    "• 可以发送现场照片，会作为证据材料转给承办部门；\n"
    "• /mytickets 查看您反映过的问题的办理进度；\n"
    "• 办理进展会在这里通知您。需要人工服务请拨打 12319。"
)
UNSUPPORTED_TEXT = "抱歉，目前只能处理文字、位置、联系人和照片。请用文字描述您遇到的问题。"
UNKNOWN_COMMAND_TEXT = "抱歉，没有这个指令。发送 /help 查看使用说明，或直接用文字描述您遇到的问题。"
EXPIRED_BUTTON_TEXT = "这个按钮已失效，请直接输入您的回答。"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def chat_id_of(recipient_id: str) -> int:
    """`tg:123456` → 123456 (Rasa's sender id of a Telegram chat)."""
    return int(recipient_id.removeprefix("tg:"))


class ButtonPayloads:
    """Callback data is limited to 64 bytes: longer payloads travel as a short key kept here."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self.long: OrderedDict[str, str] = OrderedDict()

    def to_callback_data(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_DATA_BYTES and not payload.startswith("#"):
            return payload
        key = "#" + hashlib.sha256(payload.encode()).hexdigest()[:20]
        self.long[key] = payload
        while len(self.long) > self.capacity:
            self.long.popitem(last=False)
        return key

    def from_callback_data(self, data: str) -> Optional[str]:
        return self.long.get(data) if data.startswith("#") else data


def inline_keyboard(buttons: List[Dict[str, Any]], payloads: ButtonPayloads) -> InlineKeyboardMarkup:
    """Short titles (a 1–5 rating, 是/否) share one row; longer ones get a row each."""
    keys = [
        InlineKeyboardButton(str(b.get("title", ""))[:64], callback_data=payloads.to_callback_data(str(b["payload"])))
        for b in buttons
        if b.get("payload")
    ]
    if all(len(k.text) <= 6 for k in keys) and len(keys) <= 5:
        return InlineKeyboardMarkup([keys])
    return InlineKeyboardMarkup([[k] for k in keys])


class TelegramOutput(OutputChannel):
    """Sends the bot's messages to one Telegram chat; plain text is escaped, never parsed as markup."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, application: Application, payloads: ButtonPayloads) -> None:
        self.application = application
        self.payloads = payloads

    async def _send(self, chat_id: int, text: str, markup: Optional[InlineKeyboardMarkup] = None) -> None:
        try:
            try:
                await self.application.bot.send_message(
                    chat_id, html.escape(text, quote=False), parse_mode=ParseMode.HTML, reply_markup=markup
                )
            except RetryAfter as flood:  # Telegram asks us to slow down; once, if the wait is short
                wait = flood.retry_after
                seconds = wait if isinstance(wait, (int, float)) else wait.total_seconds()
                if seconds > 5:
                    raise
                await asyncio.sleep(seconds)
                await self.application.bot.send_message(
                    chat_id, html.escape(text, quote=False), parse_mode=ParseMode.HTML, reply_markup=markup
                )
        except (Forbidden, BadRequest) as exc:
            # Blocked the bot or the chat is gone: trying again cannot help, so the caller is not failed.
            log.warning("telegram chat %s cannot be reached: %s", chat_id, exc.message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split_text(text, MAX_TEXT_CHARS):
            await self._send(chat_id_of(recipient_id), part)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        parts = split_text(text or "请选择：", MAX_TEXT_CHARS)
        for part in parts[:-1]:
            await self._send(chat_id_of(recipient_id), part)
        await self._send(chat_id_of(recipient_id), parts[-1], inline_keyboard(buttons, self.payloads))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        try:
            await self.application.bot.send_photo(chat_id_of(recipient_id), image)
        except (Forbidden, BadRequest) as exc:
            log.warning("telegram photo to %s not sent: %s", recipient_id, exc.message)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        log.debug("custom payload is not shown on Telegram")


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Different chats are served concurrently; one chat's updates are handled in arrival order."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: Dict[int, asyncio.Lock] = {}
        self._users: Dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat, asyncio.Lock())
        self._users[chat] = self._users.get(chat, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[chat] -= 1
            if not self._users[chat]:
                del self._users[chat], self._locks[chat]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class TelegramInput(InputChannel):
    """`/webhooks/telegram/webhook`; settings from the environment (credentials.yml may override)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        env = {**os.environ, **{f"TELEGRAM_{k.upper()}": str(v) for k, v in (credentials or {}).items() if v}}
        settings = TelegramSettings.from_env(env)
        if settings is None:
            raise SystemExit("Telegram 渠道缺少 TELEGRAM_TOKEN")
        return cls(settings)

    def __init__(self, settings: TelegramSettings, seen: Optional[SeenStore] = None) -> None:
        # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.settings = settings
        self.seen = seen
        self.payloads = ButtonPayloads()
        self.on_new_message: Optional[OnNewMessage] = None
        self.application = self._build_application()
        self.ready = asyncio.Event()
        self._starting: Optional[asyncio.Task] = None
        self.evidence = EvidenceClient(settings.linkage_url, settings.service_token)
        self._server: Any = None  # Rasa's Sanic app, for the agent's tracker store

    def _build_application(self) -> Application:
        base = self.settings.api_base_url
        builder = (
            ApplicationBuilder()
            .token(self.settings.token)
            .base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot")
            .concurrent_updates(PerChatUpdateProcessor())
        )
        if not self.settings.polling:
            builder = builder.updater(None)
        application = builder.build()
        private = filters.ChatType.PRIVATE  # a resident's tickets follow the chat: no group chats
        application.add_handler(CommandHandler("start", self._on_start, filters=private))
        application.add_handler(CommandHandler("help", self._on_help, filters=private))
        application.add_handler(CommandHandler("mytickets", self._on_my_tickets, filters=private))
        application.add_handler(MessageHandler(private & filters.COMMAND, self._on_unknown_command))
        application.add_handler(MessageHandler(private & filters.TEXT, self._on_text))
        application.add_handler(MessageHandler(private & filters.LOCATION, self._on_location))
        application.add_handler(MessageHandler(private & filters.CONTACT, self._on_contact))
        application.add_handler(MessageHandler(private & filters.PHOTO, self._on_photo))
        application.add_handler(MessageHandler(private, self._on_unsupported))
        application.add_handler(CallbackQueryHandler(self._on_button))
        application.add_error_handler(self._on_error)
        return application

    def get_output_channel(self) -> Optional[OutputChannel]:
        return TelegramOutput(self.application, self.payloads)

    # --- from Telegram to Rasa -------------------------------------------------------------

    async def _hand_over(self, update: Update, text: str, metadata: Optional[Dict[str, Any]] = None) -> None:
        assert self.on_new_message is not None and update.effective_chat is not None
        await self.on_new_message(
            UserMessage(
                text[:MAX_TEXT_CHARS],
                self.get_output_channel(),
                f"tg:{update.effective_chat.id}",
                input_channel=self.name(),
                metadata={"telegram_update_id": update.update_id, **(metadata or {})},
            )
        )

    async def _reply(self, update: Update, text: str) -> None:
        if update.effective_chat is not None:
            await TelegramOutput(self.application, self.payloads).send_text_message(
                f"tg:{update.effective_chat.id}", text
            )

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._hand_over(update, "/greet")

    async def _on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, HELP_TEXT)

    async def _on_my_tickets(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._hand_over(update, "/ask_progress")

    async def _on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Also keeps residents from typing Rasa's `/intent{...}` shortcuts into the conversation.
        await self._reply(update, UNKNOWN_COMMAND_TEXT)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await self._hand_over(update, update.effective_message.text or "")

    async def _on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.location is not None
        where = message.location
        if message.venue is not None:
            place = f"{message.venue.title}（{message.venue.address}）"
        else:
            place = f"定位：北纬{where.latitude:.5f}，东经{where.longitude:.5f}"
        coordinates = {"latitude": where.latitude, "longitude": where.longitude}
        await self._hand_over(
            update, "/inform" + json.dumps({"address": place}, ensure_ascii=False), {"location": coordinates}
        )

    async def _on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.contact is not None
        phone = message.contact.phone_number.removeprefix("+86").removeprefix("86").lstrip("+")
        await self._hand_over(update, "/inform" + json.dumps({"phone": phone}))

    async def _on_photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The largest size goes to the linkage service as evidence; a caption still goes to the bot."""
        message = update.effective_message
        assert message is not None and update.effective_chat is not None
        largest = max(message.photo, key=lambda size: size.width * size.height) if message.photo else None
        if largest is not None:
            await self._reply(
                update, await self._store_evidence(f"tg:{update.effective_chat.id}", largest, message.caption)
            )
        if message.caption:
            await self._hand_over(update, message.caption, {"photo_file_id": largest.file_id} if largest else {})

    async def _store_evidence(self, sender_id: str, photo: PhotoSize, caption: Optional[str]) -> str:
        """Fetch the photo through the Bot API, hand it to the linkage service; the resident's answer."""
        if photo.file_size and photo.file_size > MAX_PHOTO_BYTES:
            return PHOTO_TOO_BIG_TEXT
        try:
            file = await self.application.bot.get_file(photo.file_id)
            content = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            log.warning("telegram photo of %s not downloaded: %s", sender_id, exc.message)
            return PHOTO_LATER_TEXT
        in_progress = await complaint_in_progress(self._server, sender_id)
        return await hand_over(self.evidence, sender_id, content, caption or "", in_progress)

    async def _on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, UNSUPPORTED_TEXT)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        if query.message is None or update.effective_chat is None or update.effective_chat.type != "private":
            return
        payload = self.payloads.from_callback_data(query.data or "")
        try:  # a button is answered once: take the keyboard away
            await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError as exc:
            log.info("keyboard of a pressed button not removed: %s", exc.message)
        if not payload:
            await self._reply(update, EXPIRED_BUTTON_TEXT)
            return
        await self._hand_over(update, payload)

    async def _on_error(self, update: object, context: CallbackContext) -> None:
        """The one error handler: log without message contents (they may hold personal data)."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram update %s failed: %r", update_id, context.error, exc_info=context.error)

    # --- the webhook and the lifecycle -------------------------------------------------------

    async def _start(self) -> None:
        """Initialize PTB when the Bot API answers; retried with backoff so Rasa stays up meanwhile."""
        if self.seen is None:
            self.seen = await open_seen_store(os.environ)
        await self.evidence.open()
        delay = 1.0
        while True:
            try:
                await self.application.initialize()
                break
            except TelegramError as exc:
                log.warning("Telegram Bot API not reachable (%s); retrying in %.0f s", exc.message, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60)
        await self.application.start()
        if self.settings.polling:
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            log.info("Telegram: polling for updates")
        elif self.settings.webhook_url:
            await self.application.bot.set_webhook(
                self.settings.webhook_url,
                secret_token=self.settings.secret_token,
                allowed_updates=["message", "callback_query"],
            )
            log.info("Telegram: webhook registered")
        self.ready.set()

    async def _stop(self) -> None:
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
        if self.ready.is_set():
            if self.application.updater is not None and self.application.updater.running:
                await self.application.updater.stop()
            await self.application.stop()
            await self.application.shutdown()
            self.ready.clear()
        if self.seen is not None:
            await self.seen.close()
        await self.evidence.close()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self.on_new_message = on_new_message
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            self._server = app
            self._starting = asyncio.create_task(self._start())

        @telegram_webhook.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            await self._stop()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.ready.is_set() else "starting"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not self.settings.secret_token or not hmac.compare_digest(given, self.settings.secret_token.encode()):
                return response.json({"error": "forbidden"}, status=403)
            if len(request.body) > MAX_BODY_BYTES:
                return response.json({"error": "body too large"}, status=413)
            if not self.ready.is_set() or self.seen is None:
                return response.json({"error": "starting"}, status=503)  # Telegram delivers again later
            try:
                data = json.loads(request.body)
                update = Update.de_json(data, self.application.bot) if isinstance(data, dict) else None
            except (ValueError, TypeError, KeyError):
                update = None
            if update is None:
                return response.json({"error": "not a Telegram update"}, status=400)
            if not await self.seen.first_time(f"tg:{self.application.bot.id}:{update.update_id}"):
                log.info("telegram update %s is a repeat; dropped", update.update_id)
                return response.json({"status": "duplicate"})
            await self.application.update_queue.put(update)
            return response.json({"status": "ok"})

        return telegram_webhook
