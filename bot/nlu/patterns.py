"""Deterministic extraction of phone numbers, ticket numbers and licence plates. No I/O.

These entities have a fixed shape, so patterns beat a learned tagger: they are exact on
unseen messages and need no training data. Spoken Chinese digits ("幺三八…") are read too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List

_CN_DIGITS = {
    "零": "0", "〇": "0", "洞": "0", "一": "1", "幺": "1", "壹": "1", "二": "2", "两": "2",
    "贰": "2", "三": "3", "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5", "六": "6",
    "陆": "6", "七": "7", "柒": "7", "拐": "7", "八": "8", "捌": "8", "九": "9", "玖": "9",
    "勾": "9",
}  # fmt: skip
_FULLWIDTH = str.maketrans("０１２３４５６７８９－", "0123456789-")

TICKET_RE = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\s*[-－—_ ]?\s*(\d{6})(?!\d)")
_SEP = r"[ \-－—]?"
MOBILE_RE = re.compile(rf"(?<![\d])(?:\+?86{_SEP})?(1[3-9]\d){_SEP}(\d{{4}}){_SEP}(\d{{4}})(?!\d)")
LANDLINE_RE = re.compile(r"(?<![\d])(0\d{2,3})[ \-－—]?([2-9]\d{6,7})(?!\d)")
PLATE_RE = re.compile(
    r"([京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼])\s*([A-HJ-NP-Za-hj-np-z])"
    r"\s*[·•\.．\- ]?\s*([A-HJ-NP-Za-hj-np-z0-9]{4}[A-HJ-NP-Za-hj-np-z0-9挂学警]|[DFdf][A-HJ-NP-Za-hj-np-z0-9]{5})"
    r"(?![A-Za-z0-9])"
)
_SPOKEN_RUN = re.compile("[" + "".join(_CN_DIGITS) + r"\d\s\-]{7,}")


@dataclass(frozen=True)
class Match:
    entity: str
    value: str
    start: int
    end: int


def format_ticket_number(day: str, sequence: int) -> str:
    """`YYYYMMDD-NNNNNN`, the ticket number of the contract."""
    return f"{day}-{sequence:06d}"


def normalize_ticket_number(text: str) -> str | None:
    """A ticket number typed with or without the hyphen, in canonical form; None otherwise."""
    match = TICKET_RE.search(text.translate(_FULLWIDTH))
    if not match:
        return None
    year, month, day, seq = match.groups()
    return f"{year}{month}{day}-{seq}"


def extract(text: str) -> List[Match]:
    """Ticket numbers, phone numbers and plates in `text`, with character offsets."""
    plain = text.translate(_FULLWIDTH)
    # Spoken digits are converted only inside long digit-like runs, so "一个" stays text.
    chars = list(plain)
    for run in _SPOKEN_RUN.finditer(plain):
        if sum(ch in _CN_DIGITS for ch in run.group()) >= 3:
            for i in range(run.start(), run.end()):
                chars[i] = _CN_DIGITS.get(chars[i], chars[i])
    digits = "".join(chars)
    found: List[Match] = []
    taken: List[range] = []

    def free(start: int, end: int) -> bool:
        return all(end <= r.start or start >= r.stop for r in taken)

    for m in TICKET_RE.finditer(digits):
        year, month, day, seq = m.groups()
        found.append(Match("ticket_number", f"{year}{month}{day}-{seq}", m.start(), m.end()))
        taken.append(range(m.start(), m.end()))
    for m in MOBILE_RE.finditer(digits):
        if free(m.start(), m.end()):
            found.append(Match("phone", "".join(m.groups()), m.start(), m.end()))
            taken.append(range(m.start(), m.end()))
    for m in LANDLINE_RE.finditer(digits):
        if free(m.start(), m.end()):
            found.append(Match("phone", f"{m.group(1)}-{m.group(2)}", m.start(), m.end()))
            taken.append(range(m.start(), m.end()))
    for m in PLATE_RE.finditer(plain):
        if free(m.start(), m.end()):
            value = (m.group(1) + m.group(2) + m.group(3)).upper()
            found.append(Match("plate", value, m.start(), m.end()))
    return sorted(found, key=lambda match: match.start)


def normalize_phone(text: str) -> str | None:
    """The one phone number in `text` (mobile `13985012345` or landline `0851-86812345`)."""
    phones = [m.value for m in extract(text) if m.entity == "phone"]
    return phones[0] if phones else None
