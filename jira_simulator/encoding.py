"""Response bodies as compact JSON, and issues kept encoded between requests.

orjson, when installed, is several times faster than the standard library; the simulator
runs on the standard library alone too, only slower (and without the encoded-issue cache,
which needs orjson's ``Fragment`` to splice encoded issues into a page).
"""

from __future__ import annotations

import contextlib
import json

try:  # optional: the simulator runs on the standard library alone
    import orjson
except ImportError:  # pragma: no cover - exercised by the standalone tests
    orjson = None

Fragment = getattr(orjson, "Fragment", None)  # encoded JSON spliced into a response
FRAGMENTS = Fragment is not None
# Encoded issues kept per site: a 10,000-issue site's search pages (with changelogs) are
# about 150 MB, so a repeated full sync is served from memory; larger sites from part of it.
KEPT_BYTES = 256 * 1024 * 1024


def encode(payload) -> bytes:
    """Compact JSON in UTF-8 (non-ASCII text as UTF-8, not ``\\u`` escapes, as Jira sends it).

    What orjson refuses (non-string keys, integers beyond 64 bits) takes the slower paths.
    """
    if orjson is not None:
        try:
            return orjson.dumps(payload)
        except TypeError:
            with contextlib.suppress(TypeError):
                return orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
    return encode_stdlib(payload)


def encode_stdlib(payload) -> bytes:
    # Responses are trees built fresh per request, never cyclic: skipping the check is ~10% faster.
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, check_circular=False)
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate (sent to the control API) only escapes
        return json.dumps(payload, separators=(",", ":"), check_circular=False).encode()


class EncodedIssues:
    """Issues as encoded JSON per (issue, fields asked, inline changelog, base URL), and the
    bodies of per-issue reads (comments, changelog, links, dev-status) per request, emptied
    whenever the site changes (``site.version``: every mutation bumps it, and an issue's JSON
    also shows its parent and its sprints).

    Bounded in bytes: once full, it keeps what it holds and adds nothing until the site
    changes. A full sync reads every issue in one order; evicting the oldest would leave a
    larger site's next sync nothing to find, keeping the first ones serves part of it.
    Callers hold the site's lock.
    """

    def __init__(self, max_bytes: int = KEPT_BYTES):
        self.max_bytes = max_bytes
        self.size = 0
        self.version: int | None = None
        self._entries: dict[tuple, bytes] = {}

    def get(self, version: int, key: tuple, render) -> bytes:
        """The encoded JSON for ``key``; ``render()`` makes its value on a miss."""
        raw = self.find(version, key)
        if raw is None:
            raw = encode(render())
            self.keep(key, raw)
        return raw

    def find(self, version: int, key: tuple) -> bytes | None:
        if version != self.version:
            self.clear()
            self.version = version
        return self._entries.get(key)

    def keep(self, key: tuple, raw: bytes) -> None:
        """Keep ``raw`` (of the version last asked for) while it fits."""
        if self.size + len(raw) <= self.max_bytes:
            self._entries[key] = raw
            self.size += len(raw)

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0

    def __len__(self) -> int:
        return len(self._entries)
