"""The whole product on one machine: `hotline run` starts the linkage service, the action
server and Rasa; a resident walks a complaint through the REST channel to a ticket, reads it
in Open311 and asks for progress; inquiries are answered from the knowledge base; Ctrl-C stops
everything cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "hotline.tar.gz"
pytestmark = pytest.mark.fullstack


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: Dict[str, Any]) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("models/hotline.tar.gz is missing: `make test` trains it first")
    var = tmp_path_factory.mktemp("var")
    ports = {"HOTLINE_PORT": _free_port(), "RASA_PORT": _free_port(), "ACTIONS_PORT": _free_port()}
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "HOTLINE_VAR_DIR": str(var),
        "HOTLINE_SERVICE_TOKEN": "fullstack-service-token-0123456789",
        "RASA_TOKEN": "fullstack-rasa-token",
        "HOTLINE_SESSION_SECRET": "fullstack-session",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "LINKAGE_URL", "RASA_URL", "OUTBOX_PATH"):
        env.pop(name, None)
    log = (var / "run.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "hotline"), "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 240
    while "全部服务已启动" not in (var / "run.log").read_text(encoding="utf-8", errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("hotline run did not come up:\n" + (var / "run.log").read_text(errors="replace")[-4000:])
        time.sleep(1)
    yield {"process": process, "log": var / "run.log", **ports}
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def _say(stack, sender: str, text: str) -> List[Dict[str, Any]]:
    return _post(f"http://127.0.0.1:{stack['RASA_PORT']}/webhooks/rest/webhook", {"sender": sender, "message": text})


def _texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_a_complaint_from_first_message_to_ticket_and_progress(stack):
    sender = "web:fullstack-1"
    first = _texts(_say(stack, sender, "我们小区门口天天有车乱停，把消防通道都堵死了"))
    assert "地点" in first  # the bot asks only for what is missing: the address first
    assert "描述" not in first
    assert "什么时候" in _texts(_say(stack, sender, "宝山北路56号"))
    assert "电话" in _texts(_say(stack, sender, "/deny"))
    summary = _say(stack, sender, "13985012345")
    text = _texts(summary)
    assert "消防通道堵塞" in text and "宝山北路56号" in text and "139****2345" in text
    assert any(b["payload"] == "/affirm" for m in summary for b in m.get("buttons", []))

    corrected = _texts(_say(stack, sender, "地址不对，是北京路18号"))
    assert "北京路18号" in corrected and "宝山北路56号" not in corrected

    done = _texts(_say(stack, sender, "/affirm"))
    number = re.search(r"\d{8}-\d{6}", done).group()
    assert "区消防救援大队" in done and "办理时限" in done

    [public] = _get(f"http://127.0.0.1:{stack['HOTLINE_PORT']}/open311/v2/requests/{number}.json")
    assert public["service_code"] == "fire_lane_blocked"
    assert public["agency_responsible"] == "区消防救援大队"
    assert "北京路18号" in public["address"]
    assert "13985012345" not in json.dumps(public, ensure_ascii=False)

    progress = _texts(_say(stack, sender, "我刚才反映的问题处理到哪一步了"))
    assert number in progress and "已派单" in progress

    # Someone else asking for that number learns nothing about it.
    other = _texts(_say(stack, "web:fullstack-2", f"查一下{number}"))
    assert "没有查到" in other and "区消防救援大队" not in other


@pytest.mark.parametrize(
    "text",
    ["", "😀😀😀", "樓下燒烤攤天天佔道經營", "hello, is anyone there?", "吵" * 5000, "20261122-999999 到哪了"],
)
def test_bad_input_gets_a_chinese_answer_and_the_conversation_goes_on(stack, text):
    sender = f"web:bad-{abs(hash(text)) % 10_000}"
    answer = _texts(_say(stack, sender, text))
    assert re.search(r"[\u4e00-\u9fff]", answer), answer
    assert re.search(r"[\u4e00-\u9fff]", _texts(_say(stack, sender, "你好")))


def _tickets_of(stack, sender: str) -> List[Dict[str, Any]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack['HOTLINE_PORT']}/api/v1/tickets?sender_id={sender}",
        headers={"Authorization": "Bearer fullstack-service-token-0123456789"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return list(json.loads(response.read())["tickets"])


def test_an_inquiry_is_answered_from_the_knowledge_base_and_settled_without_a_ticket(stack):
    sender = "web:fullstack-inquiry-1"
    answer = _say(stack, sender, "外地人在贵阳怎么办居住证，要带什么")
    text = _texts(answer)
    assert "居住证怎么办理" in text and "办理地点" in text and "以上答复是否解决了您的问题？" in text
    assert [b["title"] for m in answer for b in m.get("buttons", [])] == ["已解决", "仍需人工办理"]
    assert "很高兴能帮到您" in _texts(_say(stack, sender, "/affirm"))
    assert _tickets_of(stack, sender) == []


def test_an_inquiry_still_needing_a_person_becomes_an_inquiry_ticket(stack):
    sender = "web:fullstack-inquiry-2"
    assert "公积金怎么提取" in _texts(_say(stack, sender, "租房的话公积金能取出来吗，要什么手续"))
    asked = _texts(_say(stack, sender, "/deny"))
    assert "登记成工单" in asked and "住址或办事地点" in asked
    assert "电话" in _texts(_say(stack, sender, "中华北路23号"))
    summary = _texts(_say(stack, sender, "13985012345"))
    assert "【诉求类型】咨询" in summary and "139****2345" in summary
    number = re.search(r"\d{8}-\d{6}", _texts(_say(stack, sender, "/affirm"))).group()
    [ticket] = _tickets_of(stack, sender)
    assert ticket["number"] == number and ticket["appeal_type"] == "inquiry"


def test_typing_the_button_words_after_an_answer_opens_the_ticket_form_not_a_clerk(stack):
    """On WeChat there are no buttons to tap: residents type "仍需人工办理" (the trained model reads it)."""
    sender = "web:fullstack-inquiry-4"
    assert "公积金怎么提取" in _texts(_say(stack, sender, "租房的话公积金能取出来吗，要什么手续"))
    asked = _texts(_say(stack, sender, "仍需人工办理"))
    assert "登记成工单" in asked and "住址或办事地点" in asked


def test_a_complaint_that_mentions_a_topic_of_the_knowledge_base_is_taken_as_a_complaint(stack):
    answer = _texts(_say(stack, "web:fullstack-inquiry-3", "社保局窗口态度恶劣，问两句就不耐烦"))
    assert "以上答复" not in answer and "地点" in answer


def test_ctrl_c_stops_all_three(stack):
    process = stack["process"]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) in (0, 130)
    for port in (stack["HOTLINE_PORT"], stack["RASA_PORT"], stack["ACTIONS_PORT"]):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open"
