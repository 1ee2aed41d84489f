"""Reply scripts (话术) filled with the caller's specifics. Pure logic; the scripts are YAML data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

APPEAL_TYPES = ("complaint", "report", "help", "inquiry", "suggestion", "praise", "duplicate")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
KNOWN = {"greeting", "address", "matter", "department", "days", "duplicate", "answer"}

# "我姓王" / "王先生" / "我是李女士": how a caller gives a name to be addressed by.
_SURNAME_SAID = re.compile(r"(?:我姓|免贵姓|本人姓)([\u4e00-\u9fa5])")
_TITLED = re.compile(r"(?:我是|我叫|本人)?([\u4e00-\u9fa5])(先生|女士|阿姨|师傅|大爷|老师)")
_COMMON_NOT_SURNAMES = set("这那哪有是个的位该老小")


class RepliesError(ValueError):
    """replies.yml is missing a type, or a script names a placeholder nobody fills."""


@dataclass(frozen=True)
class Replies:
    scripts: Dict[str, Tuple[str, ...]]

    def fill(self, appeal_type: str, values: Dict[str, str], limit: int = 3) -> List[str]:
        templates = self.scripts.get(appeal_type) or self.scripts["complaint"]
        return [template.format(**values) for template in templates[:limit]]


def load_replies(path: Path) -> Replies:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise RepliesError(f"{path}: file is missing") from exc
    scripts: Dict[str, Tuple[str, ...]] = {}
    for kind in APPEAL_TYPES:
        items = data.get(kind)
        if not isinstance(items, list) or not items:
            raise RepliesError(f"{path}: '{kind}' needs a list of reply scripts")
        for item in items:
            unknown = set(_PLACEHOLDER.findall(str(item))) - KNOWN
            if unknown:
                raise RepliesError(f"{path}: '{kind}' script uses unknown placeholder(s) {sorted(unknown)}")
        scripts[kind] = tuple(str(item) for item in items)
    return Replies(scripts)


def caller_greeting(text: str) -> str:
    """`王先生您好` when the caller said who they are, else `您好`."""
    said = _SURNAME_SAID.search(text)
    titled = _TITLED.search(text)
    if titled and titled.group(1) not in _COMMON_NOT_SURNAMES:
        return f"{titled.group(1)}{titled.group(2)}您好"
    if said and said.group(1) not in _COMMON_NOT_SURNAMES:
        return f"{said.group(1)}先生/女士您好"
    return "您好"
