"""Failure counters in fixed windows, on the shared cache (Redis in production)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


class FailureWindow:
    """Counts failures per key; once ``limit`` is reached the key is blocked until its window ends."""

    def __init__(self, scope: str, *, limit: int, window_seconds: int) -> None:
        self.scope = scope
        self.limit = limit
        self.window = window_seconds

    def _key(self, key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return f"fail:{self.scope}:{digest}"

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may try again, or None if it is not blocked."""
        base = self._key(key)
        count = cache.get(f"{base}:n", 0)
        if count < self.limit:
            return None
        expires = cache.get(f"{base}:t")
        if expires is None:
            return None
        return max(1, int(expires - time.time()) + 1)

    def hit(self, key: str) -> int:
        """Record one failure; returns the count in the current window."""
        base = self._key(key)
        # The window starts at the first failure; both keys expire together.
        if cache.add(f"{base}:n", 0, timeout=self.window):
            cache.set(f"{base}:t", time.time() + self.window, timeout=self.window)
        try:
            return int(cache.incr(f"{base}:n"))
        except ValueError:  # expired between add and incr
            cache.set(f"{base}:n", 1, timeout=self.window)
            cache.set(f"{base}:t", time.time() + self.window, timeout=self.window)
            return 1

    def reset(self, key: str) -> None:
        base = self._key(key)
        cache.delete_many([f"{base}:n", f"{base}:t"])
