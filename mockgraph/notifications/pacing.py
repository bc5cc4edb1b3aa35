"""How soon a webhook URL gets its next POST of change notifications.

Once a POST of change notifications has gone to a URL, the next waits until GATHER seconds (of
wall time) after it began, so that what becomes ready for the URL meanwhile goes in that one
POST: as Graph sends several notifications in one POST "when many changes occur"
(https://learn.microsoft.com/graph/change-notifications-delivery-webhooks), well within the
latency Graph gives for presence, "less than 10 seconds" on average and a minute at most
(https://learn.microsoft.com/graph/change-notifications-overview#latency). A URL with no POST
in the last GATHER gets one at once. docs/fidelity.md, "Change notifications and $batch".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

GATHER = 0.05
# (tenant id, notification URL)
Key = tuple[str, str]
# URLs remembered before those whose GATHER has passed are forgotten.
_REMEMBERED = 4096


class Pacing:
    """When each URL last had a POST of change notifications (the event loop's clock), and
    the subscriptions held back until its GATHER has passed."""

    def __init__(self) -> None:
        self._posted: dict[Key, float] = {}
        self._held: dict[Key, list[str]] = {}

    def opens(self, key: Key, now: float) -> float | None:
        """When the URL may next have a POST, if not yet at `now`; None when it may now."""
        opens = self._posted.get(key, -GATHER) + GATHER
        return opens if now < opens else None

    def hold(self, key: Key, sub_id: str, until: float, release: Callable[[Key], None]) -> None:
        """Hold a subscription back for the URL; `release(key)` is called at `until`, once
        for all those held for it meanwhile."""
        held = self._held.get(key)
        if held is None:
            held = self._held[key] = []
            asyncio.get_running_loop().call_at(until, release, key)
        held.append(sub_id)

    def release(self, key: Key) -> list[str]:
        """Those held back for the URL, no longer held."""
        return self._held.pop(key, [])

    def posted(self, key: Key, now: float) -> None:
        """A POST of change notifications to the URL begins at `now`."""
        if len(self._posted) >= _REMEMBERED:
            self._posted = {k: at for k, at in self._posted.items() if at + GATHER > now}
        self._posted[key] = now
