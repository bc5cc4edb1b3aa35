"""The small HTML pages of the sign-in flow."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from mockgraph.domain.presence import UserState

_STYLE = """
body { font-family: "Segoe UI", system-ui, sans-serif; background: #f2f2f2; margin: 0; }
main { max-width: 440px; margin: 8vh auto; background: #fff; padding: 44px;
       box-shadow: 0 2px 6px rgba(0,0,0,.2); }
h1 { font-size: 24px; font-weight: 600; margin: 0 0 16px; }
p { color: #444; }
button { display: block; width: 100%; text-align: left; margin: 8px 0; padding: 12px;
         border: 1px solid #ccc; background: #fff; cursor: pointer; font-size: 15px; }
button:hover { background: #f0f6ff; border-color: #0067b8; }
small { color: #666; display: block; }
h2 { font-size: 17px; font-weight: 600; margin: 28px 0 4px; }
.code { font-family: ui-monospace, Consolas, monospace; font-size: 16px; letter-spacing: .08em; }
.error { color: #a80000; }
"""


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def _user_buttons(users: list[UserState]) -> str:
    """One button per user; the one pressed posts `mockgraph_user`."""
    return "".join(
        f"<button type='submit' name='mockgraph_user' value='{escape(u.id)}' "
        f"id='user-{escape(u.id)}'>{escape(u.display_name)}"
        f"<small>{escape(u.user_principal_name)}</small></button>"
        for u in users
    )


def sign_in_page(app_name: str, users: list[UserState], action: str, params: dict[str, str]) -> str:
    """A list of the tenant's users; choosing one signs in as them (no password: a test IdP)."""
    hidden = "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>"
        for k, v in params.items()
        if k != "mockgraph_user"
    )
    buttons = _user_buttons(users)
    return _page(
        "Sign in - mockgraph",
        (
            f"<h1>Pick an account</h1><p>to continue to <b>{escape(app_name)}</b></p>"
            f"<form method='post' action='{escape(action)}'>{hidden}{buttons}</form>"
        ),
    )


def error_page(message: str) -> str:
    return _page(
        "Sign-in error - mockgraph",
        f"<h1>Sorry, but we're having trouble signing you in.</h1>"
        f"<p class='error'>{escape(message)}</p>",
    )


def form_post_page(redirect_uri: str, fields: dict[str, str]) -> str:
    """response_mode=form_post: a form that posts itself to the app."""
    inputs = "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in fields.items()
    )
    return (
        f"<!DOCTYPE html><html><body onload='document.forms[0].submit()'>"
        f"<form method='post' action='{escape(redirect_uri)}'>{inputs}"
        f"<noscript><button type='submit'>Continue</button></noscript></form></body></html>"
    )


@dataclass(frozen=True, slots=True)
class WaitingCode:
    """A device code no one has decided yet, as /devicelogin lists it."""

    user_code: str
    app_name: str
    scopes: tuple[str, ...]
    minutes_left: int


def _waiting_list(waiting: list[WaitingCode]) -> str:
    """One button per waiting code (it posts the code, as typing it would)."""
    if not waiting:
        return ""
    buttons = "".join(
        f"<button type='submit' name='otc' value='{escape(w.user_code)}' "
        f"id='code-{escape(w.user_code)}'><span class='code'>{escape(w.user_code)}</span> "
        f"<b>{escape(w.app_name)}</b><small>{escape(' '.join(w.scopes) or '(no scopes)')} "
        f"&middot; {w.minutes_left} min left</small></button>"
        for w in waiting
    )
    return (
        "<h2>Waiting on this server</h2><p><small>mockgraph only: devices waiting for a "
        f"sign-in in this tenant. Pick one instead of typing its code.</small></p>"
        f"<form method='post' action='/devicelogin' id='waiting'>{buttons}</form>"
    )


def device_code_page(error: str | None = None, waiting: list[WaitingCode] | None = None) -> str:
    """/devicelogin: where a person types the code their device shows; below, the codes
    waiting in the tenant, when the server lists them."""
    shown = f"<p class='error' id='error'>{escape(error)}</p>" if error else ""
    return _page(
        "Enter code - mockgraph",
        (
            "<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>"
            f"{shown}<form method='post' action='/devicelogin'>"
            "<input name='otc' id='otc' autocomplete='off' placeholder='Code' "
            "style='width:100%;font-size:18px;padding:8px;box-sizing:border-box'>"
            "<button type='submit' id='next'>Next</button></form>"
            f"{_waiting_list(waiting or [])}"
        ),
    )


def device_pick_page(app_name: str, user_code: str, users: list[UserState]) -> str:
    """The accounts a code may be approved for, and a way to decline it."""
    buttons = _user_buttons(users)
    return _page(
        "Sign in - mockgraph",
        (
            f"<h1>Pick an account</h1><p>to sign in to <b>{escape(app_name)}</b> on your "
            f"device</p><form method='post' action='/devicelogin'>"
            f"<input type='hidden' name='otc' value='{escape(user_code)}'>{buttons}"
            "<button type='submit' name='decision' value='deny' id='deny'>Cancel: this is not "
            "me signing in</button></form>"
        ),
    )


def device_done_page(app_name: str, approved: bool) -> str:
    if approved:
        text = (
            f"You have signed in to the <b>{escape(app_name)}</b> application on your device. "
            "You may now close this window."
        )
    else:
        text = f"You declined to sign in to <b>{escape(app_name)}</b>. You may close this window."
    return _page(
        "Done - mockgraph",
        f"<h1 id='done'>{'Signed in' if approved else 'Declined'}</h1><p>{text}</p>",
    )
