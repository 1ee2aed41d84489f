"""Low-confidence fallback: offer the two best guesses as buttons, like a clerk would ask; when the
bot failed on the resident's previous message too, a clerk takes the chat (人工转接)."""

from __future__ import annotations

import json
from typing import Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import appeal
from actions.handoff import NOT_UNDERSTOOD, failed_last_turn, request_handoff

INTENT_CHOICES: Dict[str, str] = {
    "ask_progress": "查询办理进度",
    "ask_human": "转人工服务",
    "greet": "打个招呼",
    "cancel": "取消本次反映",
}


class ActionSuggestGuesses(Action):
    def name(self) -> str:
        return "action_suggest_guesses"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if failed_last_turn(tracker):
            return await request_handoff(dispatcher, tracker, "bot_failed", NOT_UNDERSTOOD)
        text = tracker.latest_message.get("text") or ""
        if not appeal.has_chinese(text) and not any(ch.isdigit() for ch in text):
            dispatcher.utter_message(text=appeal.ONLY_CHINESE)  # emoji, symbols or a foreign language
            return []
        ranking = [r for r in tracker.latest_message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        matter = appeal.matter(tracker)
        buttons: List[Dict[str, str]] = []
        for guess in ranking:
            name = guess.get("name")
            if name == "report_problem":
                for item in (matter.get("ranking") or [])[:2]:
                    code = item["category"]
                    payload = "/report_problem" + json.dumps({"category": code}, ensure_ascii=False)
                    buttons.append({"title": f"反映“{appeal.category_name(code)}”问题", "payload": payload})
            elif name in INTENT_CHOICES:
                buttons.append({"title": INTENT_CHOICES[name], "payload": f"/{name}"})
            if len(buttons) >= 2:
                break
        if not buttons:
            dispatcher.utter_message(response="utter_please_rephrase")
            return []
        dispatcher.utter_message(
            text="抱歉，我不太确定您的意思，您是想：（都不是的话，请换个说法告诉我）", buttons=buttons[:2]
        )
        return []


class ActionDefaultFallback(Action):
    """Rasa's core fallback (no rule or story fits), as Rasa's own but with the second failure to a clerk."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if failed_last_turn(tracker):
            events = await request_handoff(dispatcher, tracker, "bot_failed", NOT_UNDERSTOOD)
            if events:
                return events
            return [UserUtteranceReverted()]
        dispatcher.utter_message(response="utter_default")
        return [UserUtteranceReverted()]  # like Rasa's: the misunderstood message does not steer what follows
