"""Cutting the bot's long answers into pieces a platform accepts, at line breaks where possible."""

from __future__ import annotations

from typing import Callable, List


def split_text(text: str, limit: int, size: Callable[[str], int] = len) -> List[str]:
    """Pieces of at most `limit` (by `size`: characters for Telegram, UTF-8 bytes for WeChat)."""
    if size(text) <= limit:
        return [text]
    pieces: List[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if size(current + line) <= limit:
            current += line
            continue
        if current:
            pieces.append(current.rstrip("\n"))
            current = ""
        while size(line) > limit:  # one line longer than the limit: cut it by characters
            cut = len(line)
            while size(line[:cut]) > limit:
                cut = max(1, cut * limit // max(size(line[:cut]), 1) - 1)
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current.strip():
        pieces.append(current.rstrip("\n"))
    return pieces


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))
