"""Steps played but not yet written to their users: those of users nobody is looking at.

A user's presence depends on that user's own writes alone, so a step of a user no subscription
watches can wait until someone reads the user: a call, the dashboard, a state export, the run's
journal. The user's table (state/store.py, UserTable.held) makes the waiting steps, in order and
each at its own moment, before any read, so every reader sees what it would have seen had each
step been made when it was played, with the same sequence numbers; a watched user's steps are
made when played, so its notifications go out on time. A step waits only when it cannot be
refused (`Backlog.can_wait`), so the run's error count is exact as it plays. At 10,000 users and
600x, office-day's steps of the users nobody reads are never made (docs/scenarios.md, "Keeping
up").
"""

from __future__ import annotations

from collections.abc import Callable

from mockgraph.domain.presence import UserState
from mockgraph.presence.service import session_seconds
from mockgraph.scenarios.actions import SCENARIO_APP, Bodies
from mockgraph.scenarios.model import Step
from mockgraph.state.store import UserTable

# The steps that write what no call refuses: the Teams client signing in and out, automatic
# replies, and clearing the preferred presence.
NEVER_REFUSED = frozenset({"signIn", "signOut", "setOutOfOffice", "clearUserPreferredPresence"})


class Backlog:
    """The steps waiting for each user (indexes into the run's `steps`, in order), and the
    user table that makes them before a read. `write_step(user, index)` makes one."""

    def __init__(
        self,
        steps: list[Step],
        start: float,
        bodies: Bodies,
        write_step: Callable[[UserState | None, int], None],
    ) -> None:
        self.steps, self.start, self.bodies = steps, start, bodies
        self.users: dict[str, list[int]] = {}
        self.table: UserTable | None = None
        self._write_step = write_step

    def can_wait(self, user: UserState, step: Step, moment: float) -> bool:
        """Whether `step` may wait for `user` to be read: no subscription watches the user, and
        the service cannot refuse the step at `moment` after the steps already waiting.

        Bodies are checked once each (setPresence's pair and duration, a status message's
        zone): that depends on the body alone. clearPresence is refused when its session is
        gone (https://learn.microsoft.com/graph/api/presence-clearpresence: 404 for an unknown
        or expired session), so it waits only while its session is sure to be alive.
        """
        if user.noted is not None:
            return False
        action = step.action
        if action in NEVER_REFUSED:
            return True
        if action == "clearPresence":
            return self._session_alive(user, step.sessionId or "", moment)
        return self.bodies.accepted(step, user, moment)

    def _session_alive(self, user: UserState, session_id: str, moment: float) -> bool:
        for index in reversed(self.users.get(user.id, ())):
            earlier = self.steps[index]
            action = earlier.action
            if action == "setPresence" and (earlier.sessionId or SCENARIO_APP) == session_id:
                lasts = session_seconds(self.bodies.get_or_make(earlier))
                return self.start + earlier.offset + lasts > moment
            if action == "clearPresence" and (earlier.sessionId or "") == session_id:
                return False
            if action in ("signIn", "signOut") and (earlier.client or "teams") == session_id:
                return action == "signIn"
        session = user.sessions.get(session_id)
        return session is not None and (session.expires_at is None or session.expires_at > moment)

    def adopt(self, table: UserTable) -> None:
        """Hold steps for this table from now on; the steps waiting for the last one are made
        on its users first (a reset or an imported state replaced them)."""
        if table is self.table:
            return
        self.detach()
        self.table, table.held = table, self

    def detach(self) -> None:
        """Make every waiting step and hold no more."""
        self.write_all()
        if self.table is not None and self.table.held is self:
            self.table.held = None
        self.table = None

    def close(self) -> None:
        """The run stopped: every waiting step made, and the run let go. The backlog and the
        run refer to each other, and a large run's objects are frozen out of the collector's
        reach (control.py, gc.freeze), so only this breaks the cycle and frees the run."""
        self.detach()
        self._write_step = _gone

    def hold(self, user_id: str, index: int) -> None:
        waiting = self.users.get(user_id)
        if waiting is None:
            self.users[user_id] = [index]
        else:
            waiting.append(index)

    def write(self, user_id: str) -> None:
        waiting = self.users.pop(user_id, None)
        if waiting is None or self.table is None:
            return
        user = dict.get(self.table, user_id)
        for index in waiting:
            self._write_step(user, index)

    def write_all(self) -> None:
        while self.users:
            self.write(next(iter(self.users)))

    def forget(self) -> None:
        """Drop every waiting step unmade (a rewind: the tenant is back to its fixtures)."""
        self.users.clear()


def _gone(user: UserState | None, index: int) -> None:
    """What a closed backlog makes: nothing (none waits in it)."""
