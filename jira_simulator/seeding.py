"""Stable seeds and identifiers derived with hashlib (never Python's per-process salted hash())."""

from __future__ import annotations

import hashlib
import uuid


def derive_seed(*parts: object) -> int:
    """A 64-bit seed that depends only on ``parts``: same inputs, same data, in any process."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def hex_digest(*parts: object, length: int = 24) -> str:
    text = "\x1f".join(str(p) for p in parts).encode()
    return hashlib.sha256(text).hexdigest()[:length]


def stable_uuid(*parts: object) -> str:
    text = "\x1f".join(str(p) for p in parts).encode()
    return str(uuid.UUID(bytes=hashlib.sha256(text).digest()[:16], version=4))
