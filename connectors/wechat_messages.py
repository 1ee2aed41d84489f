"""WeChat message XML: parsing (defusedxml), a registry of message types with a fallback for
unknown ones, and passive text replies. Pure, no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from connectors.photos import PHOTO_LATER_TEXT
from connectors.wechat_crypto import InvalidMessage

__all__ = ["Handling", "Incoming", "handle", "parse_xml", "text_reply_xml"]

UNSUPPORTED_TEXT = "抱歉，目前只能处理文字、语音、位置和图片消息。请用文字描述您遇到的问题。"
VOICE_UNCLEAR_TEXT = "抱歉，没能听清您的语音，请用文字再说一次，或者说得慢一点。"


def parse_xml(body: bytes) -> Dict[str, str]:
    """Top-level elements of `<xml>…</xml>`; DTDs, entities and broken XML are refused."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise InvalidMessage(f"not acceptable XML: {type(exc).__name__}") from exc
    if root.tag != "xml":
        raise InvalidMessage("root element is not <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


@dataclass(frozen=True)
class Incoming:
    fields: Dict[str, str]

    @property
    def openid(self) -> str:
        return self.fields.get("FromUserName", "")

    @property
    def account(self) -> str:
        return self.fields.get("ToUserName", "")

    @property
    def kind(self) -> str:
        """`text`, `voice`, … or `event:subscribe` for events."""
        msg_type = self.fields.get("MsgType", "").lower()
        return f"event:{self.fields.get('Event', '').lower()}" if msg_type == "event" else msg_type

    @property
    def once_key(self) -> str:
        """MsgId for messages; FromUserName + CreateTime for events (they have no MsgId)."""
        if self.fields.get("MsgId"):
            return f"wx:{self.account}:{self.fields['MsgId']}"
        return f"wx:{self.account}:{self.openid}:{self.fields.get('CreateTime', '')}"


@dataclass(frozen=True)
class Handling:
    """What to do with a message: hand `to_bot` to Rasa, or keep the photo `photo_media_id` as
    evidence for the resident's ticket (the channel answers where it went), or answer `reply` directly."""

    to_bot: Optional[str] = None
    reply: Optional[str] = None
    metadata: Dict[str, Any] = field(default_factory=dict)
    photo_media_id: Optional[str] = None


Handler = Callable[[Incoming], Handling]
HANDLERS: Dict[str, Handler] = {}


def handles(*kinds: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for kind in kinds:
            HANDLERS[kind] = handler
        return handler

    return register


def handle(message: Incoming) -> Handling:
    return HANDLERS.get(message.kind, unknown)(message)


def unknown(message: Incoming) -> Handling:
    return Handling(reply=UNSUPPORTED_TEXT)


@handles("text")
def text(message: Incoming) -> Handling:
    content = message.fields.get("Content", "")
    if content.startswith("/"):  # Rasa's `/intent{...}` shortcut is for our buttons, not for typing
        content = "／" + content[1:]
    return Handling(to_bot=content[:5000]) if content.strip() else Handling(reply=UNSUPPORTED_TEXT)


@handles("voice")
def voice(message: Incoming) -> Handling:
    recognition = message.fields.get("Recognition", "")
    return Handling(to_bot=recognition) if recognition.strip() else Handling(reply=VOICE_UNCLEAR_TEXT)


@handles("location")
def location(message: Incoming) -> Handling:
    latitude, longitude = message.fields.get("Location_X", ""), message.fields.get("Location_Y", "")
    label = message.fields.get("Label", "").strip()
    try:
        place = label or f"定位：北纬{float(latitude):.5f}，东经{float(longitude):.5f}"
        coordinates = {"latitude": float(latitude), "longitude": float(longitude)}
    except ValueError:
        return Handling(reply=UNSUPPORTED_TEXT)
    return Handling(
        to_bot="/inform" + json.dumps({"address": place}, ensure_ascii=False), metadata={"location": coordinates}
    )


@handles("image")
def image(message: Incoming) -> Handling:
    """The channel fetches the photo by its MediaId through the media API (with the account's token), not PicUrl."""
    media_id = message.fields.get("MediaId", "").strip()
    return Handling(photo_media_id=media_id) if media_id else Handling(reply=PHOTO_LATER_TEXT)


@handles("event:subscribe")
def subscribe(message: Incoming) -> Handling:
    return Handling(to_bot="/greet")


@handles(
    "event:unsubscribe", "event:click", "event:view", "event:scan", "event:location", "event:templatesendjobfinish"
)
def silent_event(message: Incoming) -> Handling:
    return Handling()


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply_xml(to_openid: str, from_account: str, content: str, create_time: int) -> str:
    return (
        f"<xml><ToUserName>{_cdata(to_openid)}</ToUserName><FromUserName>{_cdata(from_account)}</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )
