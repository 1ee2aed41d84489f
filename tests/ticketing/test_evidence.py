"""What counts as a photo is decided by its bytes, never by a declared type or a file name."""

import pytest

from bot.errors import InvalidInput
from bot.ticketing.evidence import (
    MAX_EVIDENCE_BYTES,
    EvidenceFiles,
    EvidenceTooLarge,
    UnsupportedEvidence,
    check_evidence,
    sniff_media_type,
)


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # a sound file is RIFF too
        (b"GIF89a\x01\x00", None),
        (b"%PDF-1.7", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"", None),
    ],
)
def test_media_type_from_magic_bytes(data, media_type):
    assert sniff_media_type(data) == media_type


def test_limits():
    assert check_evidence(b"\xff\xd8\xff" + b"\x00" * (MAX_EVIDENCE_BYTES - 3)) == "image/jpeg"
    with pytest.raises(EvidenceTooLarge):
        check_evidence(b"\xff\xd8\xff" + b"\x00" * (MAX_EVIDENCE_BYTES - 2))
    with pytest.raises(UnsupportedEvidence):
        check_evidence(b"")


async def test_the_same_photo_twice_is_one_file_named_by_its_hash(tmp_path):
    files = EvidenceFiles(tmp_path)
    first = await files.save(b"\x89PNG\r\n\x1a\n" + b"1" * 10)
    second = await files.save(b"\x89PNG\r\n\x1a\n" + b"1" * 10)
    assert first == second and first.stored_path == f"{first.sha256[:2]}/{first.sha256}.png"
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{first.sha256}.png"]
    assert files.path_of(first.stored_path).read_bytes().startswith(b"\x89PNG")
    with pytest.raises(InvalidInput):
        files.path_of("../../etc/passwd")
