"""Seeded fault injection: the failures a sync client must survive, in a reproducible order."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

FAULT_KINDS = ("rate_limit", "server_error", "unavailable", "malformed", "reset", "slow")


@dataclass(frozen=True)
class FaultRecord:
    kind: str
    method: str
    path: str
    at: float  # time.time() when the fault was decided (before any sleep)

    def as_json(self) -> dict:
        return {"kind": self.kind, "method": self.method, "path": self.path, "at": self.at}


class FaultInjector:
    """Each request fails with probability ``rate``; the sequence depends only on ``seed``."""

    def __init__(
        self,
        *,
        rate: float = 0.0,
        seed: int = 1,
        kinds: tuple[str, ...] = FAULT_KINDS,
        slow_seconds: float = 2.0,
    ):
        self._lock = threading.Lock()
        self._rng = random.Random(f"jira-simulator-faults:{seed}")
        self.rate = rate
        self.kinds = kinds
        self.slow_seconds = slow_seconds
        self.records: list[FaultRecord] = []

    def configure(
        self,
        *,
        rate: float | None = None,
        kinds: tuple[str, ...] | list[str] | None = None,
        slow_seconds: float | None = None,
    ) -> None:
        with self._lock:
            if rate is not None:
                self.rate = float(rate)
            if kinds is not None:
                unknown = set(kinds) - set(FAULT_KINDS)
                if unknown or not kinds:
                    raise ValueError(f"fault kinds must be a non-empty subset of {FAULT_KINDS}")
                self.kinds = tuple(kinds)
            if slow_seconds is not None:
                self.slow_seconds = float(slow_seconds)

    def decide(self, method: str, path: str) -> str | None:
        with self._lock:
            if self.rate <= 0 or self._rng.random() >= self.rate:
                return None
            kind = self._rng.choice(self.kinds)
            self.records.append(FaultRecord(kind, method, path, time.time()))
            return kind

    def of_kind(self, kind: str) -> list[FaultRecord]:
        with self._lock:
            return [r for r in self.records if r.kind == kind]

    def clear(self) -> None:
        with self._lock:
            self.records.clear()
