"""Residents' photos as evidence (证据材料): what is accepted, and where the files are kept.

Only the content decides the type (magic bytes, never the name or a declared type), and files
are stored by their SHA-256 under the attachments folder, never in the database.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path

from bot.errors import InvalidInput

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class EvidenceTooLarge(InvalidInput):
    status = 413
    message = "照片太大了，请发送 5 MB 以内的照片"
    message_en = "evidence larger than 5 MB"


class UnsupportedEvidence(InvalidInput):
    status = 415
    message = "只能接收 JPEG、PNG 或 WebP 格式的照片"
    message_en = "only JPEG, PNG or WebP images are accepted"


def sniff_media_type(data: bytes) -> str | None:
    """The image type the bytes really are (JPEG, PNG, WebP), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class StoredFile:
    media_type: str
    size: int
    sha256: str
    stored_path: str  # relative to the attachments folder


def check_evidence(data: bytes) -> str:
    """The media type of acceptable evidence; a Chinese 4xx otherwise."""
    if not data:
        raise UnsupportedEvidence("照片内容为空", error_en="empty evidence")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceTooLarge()
    media_type = sniff_media_type(data)
    if media_type is None:
        raise UnsupportedEvidence()
    return media_type


class EvidenceFiles:
    """The attachments folder: `<sha256[:2]>/<sha256>.<ext>`, so the same photo twice is one file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def save(self, data: bytes) -> StoredFile:
        media_type = check_evidence(data)
        digest = hashlib.sha256(data).hexdigest()
        relative = f"{digest[:2]}/{digest}.{EXTENSIONS[media_type]}"
        await asyncio.to_thread(self._write, self.folder / relative, data)
        return StoredFile(media_type, len(data), digest, relative)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)  # readers never see half a file

    def path_of(self, stored_path: str) -> Path:
        path = (self.folder / stored_path).resolve()
        if self.folder.resolve() not in path.parents:
            raise InvalidInput("附件路径无效", error_en="bad attachment path")
        return path
