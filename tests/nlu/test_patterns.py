import pytest

from bot.nlu.patterns import extract, normalize_phone, normalize_ticket_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话13985012345", [("phone", "13985012345")]),
        ("我的电话139 8501 2345，座机0851-86812345", [("phone", "13985012345"), ("phone", "0851-86812345")]),
        ("手机号幺三九八五零一二三四五", [("phone", "13985012345")]),
        ("查一下20261122-000123", [("ticket_number", "20261122-000123")]),
        ("工单号20261115000456到哪了", [("ticket_number", "20261115-000456")]),
        ("车牌贵A·D1234把车库门堵了", [("plate", "贵AD1234")]),
        ("贵a 1b23c停在消防通道", [("plate", "贵A1B23C")]),
        ("一个人在楼下吵了三个小时", []),
    ],
)
def test_fixed_shape_entities_are_found_with_their_values(text, expected):
    assert [(m.entity, m.value) for m in extract(text)] == expected


def test_offsets_point_at_the_original_text():
    text = "请联系我 139-8501-2345 谢谢"
    [match] = extract(text)
    assert text[match.start : match.end] == "139-8501-2345"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("20261122-000123", "20261122-000123"),
        ("20261122000123", "20261122-000123"),
        ("２０２６１１２２－０００１２３", "20261122-000123"),
    ],
)
def test_ticket_numbers_are_accepted_with_or_without_hyphen(typed, canonical):
    assert normalize_ticket_number(typed) == canonical


@pytest.mark.parametrize("text", ["1398501234a", "abc", "12345", "139850123456789"])
def test_phone_numbers_with_letters_or_wrong_length_are_rejected(text):
    assert normalize_phone(text) is None
