"""Masking of personal data (phone numbers, ID numbers, names) for logs and public output."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![\dXx])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dXx])")


def mask_phone(phone: str | None) -> str | None:
    """`13985012345` → `139****2345`; landlines keep area code and last four digits."""
    if not phone:
        return phone
    return mask_text(phone)


def mask_name(name: str | None) -> str | None:
    """`王小明` → `王**`."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_text(text: str) -> str:
    """Mask every phone and ID number inside free text."""
    text = _ID_CARD.sub(lambda m: m.group(1) + "********" + m.group(3), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
