"""Stable seeds and identifiers derived with hashlib (never Python's per-process salted hash())."""

from __future__ import annotations

import hashlib


def derive_seed(*parts: object) -> int:
    """A 64-bit seed that depends only on ``parts``: same inputs, same data, in any process."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def hex_digest(*parts: object, length: int = 24) -> str:
    text = "\x1f".join(str(p) for p in parts).encode()
    return hashlib.sha256(text).hexdigest()[:length]


def stable_uuid(*parts: object) -> str:
    """A version-4 UUID string from ``parts``: ``str(uuid.UUID(bytes=sha256[:16], version=4))``
    without building the ``UUID`` (documents and dev-status ids make many)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    digest = bytearray(hashlib.sha256(text).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x40  # version 4
    digest[8] = digest[8] & 0x3F | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
