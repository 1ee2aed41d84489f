"""Safe-mode crypto against Tencent's published test vector, and deterministic round trips."""

from __future__ import annotations

import pytest

from connectors.wechat_crypto import InvalidMessage, WeChatCrypto, sign, signature_matches
from connectors.wechat_messages import parse_xml

# Tencent's sample (WXBizMsgCrypt samples; developer.work.weixin.qq.com/document/path/90968).
TOKEN, APP_ID = "QDG6eK", "wx5823bf96d3bd56c7"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
TIMESTAMP, NONCE, MSG_SIGNATURE = "1409659813", "1372623149", "477715d11cdb4164915debcba66cb864d751f3e6"
ENCRYPTED = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUU"
    "kSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0"
    "ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMN"
    "S0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pD"
    "BS8R07+qN+E7Q=="
)


def test_tencent_vector_signature_and_decryption():
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    assert crypto.message_signature(TIMESTAMP, NONCE, ENCRYPTED) == MSG_SIGNATURE
    fields = parse_xml(crypto.decrypt(ENCRYPTED).encode())
    assert fields["ToUserName"] == APP_ID and fields["MsgType"] == "text"


def test_a_message_for_another_app_id_is_refused():
    with pytest.raises(InvalidMessage):
        WeChatCrypto(TOKEN, AES_KEY, "wx0000000000000000").decrypt(ENCRYPTED)


def test_deterministic_round_trip_with_fixed_random_bytes():
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID, random=lambda n: b"0123456789abcdef"[:n])
    encrypted = crypto.encrypt("<xml><Content><![CDATA[您好，已收到]]></Content></xml>")
    assert encrypted == crypto.encrypt("<xml><Content><![CDATA[您好，已收到]]></Content></xml>")
    assert crypto.decrypt(encrypted) == "<xml><Content><![CDATA[您好，已收到]]></Content></xml>"


@pytest.mark.parametrize(
    "tamper",
    [lambda e: e[:-8] + "AAAAAAA=", lambda e: "A" + e[1:], lambda e: e[:40], lambda e: "不是base64", lambda e: ""],
    ids=["tail", "head", "truncated", "not-base64", "empty"],
)
def test_tampered_ciphertexts_are_refused(tamper):
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    with pytest.raises(InvalidMessage):
        crypto.decrypt(tamper(ENCRYPTED))


def test_signatures_are_compared_on_the_sorted_parts():
    assert sign("b", "a", "c") == sign("a", "b", "c")
    assert signature_matches(sign("tok", "1", "2"), "tok", "1", "2")
    assert not signature_matches(sign("tok", "1", "2")[:-1] + "0", "tok", "1", "2")
    assert not signature_matches("", "tok", "1", "2")


def test_the_aes_key_must_have_43_characters():
    with pytest.raises(ValueError):
        WeChatCrypto(TOKEN, AES_KEY[:-1], APP_ID)
