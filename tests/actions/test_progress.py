from rasa_sdk.executor import CollectingDispatcher

from actions.complaint import ActionSubmitTicket
from actions.progress import ActionCheckProgress
from tests.actions.conftest import make_tracker
from tests.actions.test_complaint import FILLED


async def _submit(sender_id="web:resident-1"):
    dispatcher = CollectingDispatcher()
    await ActionSubmitTicket().run(dispatcher, make_tracker("确认", "affirm", slots=FILLED, sender_id=sender_id), {})
    return dispatcher.messages[0]["text"].split("：")[1].split("\n")[0]


async def test_own_tickets_are_listed_with_state_and_last_note(linkage):
    number = await _submit()
    dispatcher = CollectingDispatcher()
    await ActionCheckProgress().run(dispatcher, make_tracker("我刚才反映的问题处理到哪一步了", "ask_progress"), {})
    text = dispatcher.messages[0]["text"]
    assert number in text and "已派单" in text and "区消防救援大队" in text


async def test_a_ticket_number_with_or_without_hyphen_is_found(linkage):
    number = await _submit()
    dispatcher = CollectingDispatcher()
    plain = number.replace("-", "")
    entities = [{"entity": "ticket_number", "value": number, "start": 3, "end": 17}]
    await ActionCheckProgress().run(dispatcher, make_tracker(f"查一下{plain}", "ask_progress", entities=entities), {})
    assert number in dispatcher.messages[0]["text"]


async def test_someone_elses_ticket_number_gets_no_data(linkage):
    number = await _submit(sender_id="tg:111")
    dispatcher = CollectingDispatcher()
    await ActionCheckProgress().run(
        dispatcher, make_tracker(f"查一下{number}", "ask_progress", sender_id="web:other"), {}
    )
    text = dispatcher.messages[0]["text"]
    assert "没有查到" in text and "区消防救援大队" not in text and "宝山北路" not in text


async def test_a_resident_without_tickets_is_told_so(linkage):
    dispatcher = CollectingDispatcher()
    await ActionCheckProgress().run(dispatcher, make_tracker("我的工单怎么样了", "ask_progress"), {})
    assert "暂未查到" in dispatcher.messages[0]["text"]


async def test_progress_when_the_linkage_service_is_down(linkage_down):
    dispatcher = CollectingDispatcher()
    await ActionCheckProgress().run(dispatcher, make_tracker("我的工单怎么样了", "ask_progress"), {})
    assert "12319" in dispatcher.messages[0]["text"]
