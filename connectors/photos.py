"""Residents' photos as ticket evidence, the same on every channel: the size cap, whether a
complaint is being filled in, the hand-over to the linkage service and the Chinese answers.

Each channel only fetches the photo's bytes from its platform (Telegram's Bot API, WeChat's
media API) and tells the resident what `hand_over` returns.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.evidence import EvidenceClient, EvidenceRefused, EvidenceUnavailable

__all__ = [
    "MAX_PHOTO_BYTES",
    "PHOTO_LATER_TEXT",
    "PHOTO_TOO_BIG_TEXT",
    "complaint_in_progress",
    "hand_over",
]

log = logging.getLogger(__name__)
PHOTO_ATTACHED_TEXT = "照片已收到，已补充到工单 {number}，承办部门可以看到。"
PHOTO_PENDING_TEXT = "照片已收到，提交诉求后会一并转给承办部门。"
PHOTO_ASK_TEXT = "请再用文字说明一下问题情况和发生地点，方便我们登记。"
PHOTO_TOO_BIG_TEXT = "照片太大了，请发送 5 MB 以内的照片。"
PHOTO_LATER_TEXT = "抱歉，照片暂时没能保存，请稍后再发送一次。"
MAX_PHOTO_BYTES = 5 * 1024 * 1024  # the linkage service's limit for evidence
COMPLAINT_FORM = "complaint_form"  # while it runs, a photo waits for the ticket being filled in


def loggable(sender_id: str) -> str:
    """A sender id fit for the logs: a WeChat openid is personal data, so only its first 6 characters."""
    channel, _, user = sender_id.partition(":")
    return f"{channel}:{user[:6]}…" if channel == "wx" else sender_id


async def complaint_in_progress(server: Any, sender_id: str) -> bool:
    """Whether the resident is filling in a complaint (the form is active in their conversation).

    `server` is Rasa's Sanic app, whose agent holds the tracker store; without one it is False."""
    agent = getattr(getattr(server, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return False
    try:
        tracker = await store.retrieve(sender_id)
    except Exception as exc:  # the tracker store is down: the photo still goes somewhere sensible
        log.warning("tracker of %s not read: %r", loggable(sender_id), exc)
        return False
    return tracker is not None and tracker.active_loop_name == COMPLAINT_FORM


async def hand_over(evidence: EvidenceClient, sender_id: str, content: bytes, caption: str, in_progress: bool) -> str:
    """The photo to the linkage service (to the open ticket, or kept for the next); the resident's answer."""
    if len(content) > MAX_PHOTO_BYTES:
        return PHOTO_TOO_BIG_TEXT
    try:
        receipt = await evidence.submit(sender_id, content, caption, in_progress)
    except EvidenceUnavailable as exc:
        log.warning("evidence of %s not stored: %s", loggable(sender_id), exc)
        return PHOTO_LATER_TEXT
    except EvidenceRefused as exc:  # not an image, or too big: the linkage service says why, in Chinese
        return exc.message
    if receipt.attached_to:
        return PHOTO_ATTACHED_TEXT.format(number=receipt.attached_to)
    return PHOTO_PENDING_TEXT if caption else f"{PHOTO_PENDING_TEXT}{PHOTO_ASK_TEXT}"
