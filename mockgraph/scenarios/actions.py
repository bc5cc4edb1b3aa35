"""One scenario step, made through the calls a Teams client and an app make.

Apps' writes go through presence/service.py, the functions behind Graph's presence actions
(https://learn.microsoft.com/graph/api/presence-setpresence and its siblings), so every rule,
sequence number and notification is the service's own. Two things are not Graph calls: the
Teams client signing in or out (a session that holds presence until it signs out, as the
fixtures seed one) and automatic replies (out of office, set in Outlook; mockgraph has no
mailboxSettings), so they write the user's state as the fixtures and state files do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mockgraph.domain.presence import Session, UserState
from mockgraph.domain.times import parse_duration, resolve_time_zone
from mockgraph.errors import GraphError
from mockgraph.presence import models, service
from mockgraph.scenarios.model import Step

# The app a scenario's calls name as sessionId when a step names none.
SCENARIO_APP = "mockgraph-scenario"


class Bodies(dict[tuple[Any, ...], Any]):
    """The request bodies a run's steps make, each built once: a scenario repeats a few; and
    whether the service takes each (`accepted`), found out once."""

    def __init__(self) -> None:
        super().__init__()
        self.verdicts: dict[tuple[Any, ...], bool] = {}

    def accepted(self, step: Step, user: UserState, moment: float) -> bool:
        """Whether the service takes `step`, whatever the user's state: what it checks of a
        body (a pair, a duration, a zone) depends on the body alone, so it is found out once,
        on a blank user of the same profile."""
        # Any message is taken alike: its text is no part of the key.
        key = (step.action, *step[4:9], bool(step.message), *step[10:13])
        verdict = self.verdicts.get(key)
        if verdict is None:
            try:
                apply(UserState(user.profile), step, moment, self)
                verdict = True
            except GraphError:
                verdict = False
            self.verdicts[key] = verdict
        return verdict

    def get_or_make(self, step: Step) -> Any:
        key = (
            step.action,
            step.sessionId,
            step.availability,
            step.activity,
            step.expirationDuration,
            step.workLocationType,
        )
        body = self.get(key)
        if body is None:
            body = self[key] = _body(step)
        return body


def _body(step: Step) -> Any:
    action = step.action
    if action == "setPresence":
        return _set_presence(step)
    if action == "clearPresence":
        return models.ClearPresence(sessionId=step.sessionId or "")
    if action == "setUserPreferredPresence":
        return models.SetUserPreferredPresence(
            availability=step.availability or "",
            activity=step.activity or "",
            expirationDuration=step.expirationDuration,
        )
    if action == "setWorkLocation":
        return models.SetWorkLocation(workLocationType=step.workLocationType or "")
    return models.Empty()


def apply(user: UserState, step: Step, now: float, bodies: Bodies) -> None:
    """Do `step` for `user` at virtual time `now`; GraphError if the service refuses it."""
    ctx = service.Context(now=now, caller_app_id=SCENARIO_APP)
    action = step.action
    if action == "signIn":
        # The Teams client: Available while signed in (presence it reports itself).
        user.sessions[step.client or "teams"] = Session(
            "Available", "Available", set_at=now, expires_at=None
        )
        user.changed(now)
    elif action == "signOut":
        user.sessions.pop(step.client or "teams", None)
        user.changed(now)
    elif action == "setPresence":
        service.set_presence(user, bodies.get_or_make(step), ctx)
    elif action == "clearPresence":
        service.clear_presence(user, bodies.get_or_make(step), ctx)
    elif action == "setUserPreferredPresence":
        service.set_user_preferred_presence(user, bodies.get_or_make(step), ctx)
    elif action == "clearUserPreferredPresence":
        service.clear_user_preferred_presence(user, bodies.get_or_make(step), ctx)
    elif action == "setStatusMessage":
        service.set_status_message(user, _status_message(step, now), ctx)
    elif action == "setWorkLocation":
        service.set_automatic_location(user, bodies.get_or_make(step), ctx)
    else:  # setOutOfOffice
        user.out_of_office = (bool(step.isOutOfOffice), step.message)
        user.changed(now)


def _set_presence(step: Step) -> models.SetPresence:
    return models.SetPresence(
        sessionId=step.sessionId or SCENARIO_APP,
        availability=step.availability or "",
        activity=step.activity or "",
        expirationDuration=step.expirationDuration,
    )


def _status_message(step: Step, now: float) -> models.SetStatusMessage:
    if not step.message:
        return models.SetStatusMessage(statusMessage=None)
    expiry = None
    if step.expiresAfter is not None:
        zone = step.timeZone or "UTC"
        delta: timedelta = parse_duration(step.expiresAfter, "expiresAfter")
        local = datetime.fromtimestamp(now, UTC).astimezone(resolve_time_zone(zone, "timeZone"))
        local += delta
        expiry = models.DateTimeTimeZone(
            dateTime=local.replace(tzinfo=None).isoformat(), timeZone=zone
        )
    return models.SetStatusMessage(
        statusMessage=models.PresenceStatusMessageInput(
            message=models.ItemBody(content=step.message, contentType="text"),
            expiryDateTime=expiry,
        )
    )
