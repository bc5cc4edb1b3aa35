"""The small HTML pages of the sign-in flow."""

from __future__ import annotations

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
.error { color: #a80000; }
"""


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def sign_in_page(app_name: str, users: list[UserState], action: str, params: dict[str, str]) -> str:
    """A list of the tenant's users; choosing one signs in as them (no password: a test IdP)."""
    hidden = "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>"
        for k, v in params.items()
        if k != "mockgraph_user"
    )
    buttons = "".join(
        f"<button type='submit' name='mockgraph_user' value='{escape(u.id)}' "
        f"id='user-{escape(u.id)}'>{escape(u.display_name)}"
        f"<small>{escape(u.user_principal_name)}</small></button>"
        for u in users
    )
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
