"""WeChat Official Account message signatures and safe-mode (安全模式) encryption. Pure, no I/O.

Signature: SHA1 of the sorted strings joined (`[token, timestamp, nonce]` for plaintext
mode; `[token, timestamp, nonce, Encrypt]` for `msg_signature`), compared in constant time.
Encryption: AES-256-CBC, key = Base64(EncodingAESKey + "="), IV = the key's first 16 bytes,
PKCS#7 padding to 32-byte blocks, plaintext = 16 random bytes + 4-byte big-endian length +
message + AppID.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
from typing import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["InvalidMessage", "WeChatCrypto", "sign", "signature_matches"]

BLOCK = 32


class InvalidMessage(Exception):
    """Signature, padding, length or AppID of a message is wrong: it did not come from WeChat."""


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(given: str, *parts: str) -> bool:
    return hmac.compare_digest(given.lower().encode(), sign(*parts).encode())


class WeChatCrypto:
    def __init__(self, token: str, encoding_aes_key: str, app_id: str, random: Callable[[int], bytes] = os.urandom):
        if len(encoding_aes_key) != 43:
            raise ValueError("WECHAT_AES_KEY（EncodingAESKey）应为 43 个字符")
        self.token = token
        self.key = base64.b64decode(encoding_aes_key + "=")
        self.app_id = app_id
        self.random = random

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str) -> str:
        body = message.encode("utf-8")
        plain = self.random(16) + struct.pack(">I", len(body)) + body + self.app_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except ValueError as exc:
            raise InvalidMessage("Encrypt is not Base64") from exc
        if not data or len(data) % 16:
            raise InvalidMessage("Encrypt has a wrong length")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise InvalidMessage("bad padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise InvalidMessage("too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, app_id = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length or not hmac.compare_digest(app_id, self.app_id.encode()):
            raise InvalidMessage("length or AppID does not match")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidMessage("not UTF-8") from exc

    def message_signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return sign(self.token, timestamp, nonce, encrypted)

    def encrypted_reply(self, reply_xml: str, timestamp: str, nonce: str) -> str:
        """The passive reply in safe mode: the XML envelope WeChat expects."""
        encrypted = self.encrypt(reply_xml)
        signature = self.message_signature(timestamp, nonce, encrypted)
        return (
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt><MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )
