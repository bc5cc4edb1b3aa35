"""Entra ID's endpoints: token, authorize (a sign-in page), OIDC discovery, keys, user realm."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mockgraph.errors import EntraError, render_entra_error
from mockgraph.http import request_ids
from mockgraph.identity import pages
from mockgraph.identity.discovery import request_cloud
from mockgraph.identity.service import Identity, redirect_allowed
from mockgraph.runtime import Runtime

TAG = "Entra ID (token endpoint)"
NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}

router = APIRouter(tags=[TAG])


def _identity(request: Request) -> Identity:
    runtime: Runtime = request.app.state.runtime
    return runtime.identity


IdentityDep = Annotated[Identity, Depends(_identity)]
TenantName = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9._-]{1,128}$",
        description="A tenant id, common, organizations or a domain.",
    ),
]


def is_identity_path(path: str) -> bool:
    """Whether a path is one of Entra's endpoints, whose errors take Entra's shape."""
    return (
        "/oauth2/v2.0/" in path
        or "/v2.0/.well-known/" in path
        or "/discovery/v2.0/keys" in path
        or path.startswith("/common/userrealm/")
        or path.startswith("/common/discovery/")
    )


def entra_error_response(request: Request, error: EntraError) -> Response:
    trace_id, correlation_id = request_ids(request.scope)
    runtime: Runtime = request.app.state.runtime
    body = render_entra_error(
        error, trace_id=trace_id, correlation_id=correlation_id, now=runtime.clock.now()
    )
    return Response(body, status_code=error.status, media_type="application/json", headers=NO_STORE)


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


@router.post("/{tenant}/oauth2/v2.0/token", response_model=None)
async def token(tenant: TenantName, request: Request, identity: IdentityDep) -> Response:
    """OAuth 2.0 token endpoint (form-encoded): client_credentials, password,
    authorization_code (with PKCE) and refresh_token grants, as Entra ID answers them."""
    form = await _form(request)
    try:
        answer = identity.token(tenant, form, _basic(request), cloud=request_cloud(request))
    except EntraError as error:
        return entra_error_response(request, error)
    return JSONResponse(answer, headers=NO_STORE)


def _authorize_params(request: Request, form: dict[str, str] | None) -> dict[str, str]:
    return form if form is not None else dict(request.query_params)


def _finish(params: dict[str, str], fields: dict[str, str]) -> Response:
    redirect_uri = params["redirect_uri"]
    if params.get("state"):
        fields = {**fields, "state": params["state"]}
    mode = params.get("response_mode", "query")
    if mode == "form_post":
        return HTMLResponse(pages.form_post_page(redirect_uri, fields))
    separator = "#" if mode == "fragment" else ("&" if "?" in redirect_uri else "?")
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(fields)}", status_code=302)


async def _authorize(
    tenant: str, request: Request, identity: Identity, form: dict[str, str] | None
) -> Response:
    params = _authorize_params(request, form)
    try:
        realm = identity.tenant(tenant)
        app = identity.app(params.get("client_id"), realm)
    except EntraError as error:
        return HTMLResponse(
            pages.error_page(f"AADSTS{error.code}: {error.description}"), status_code=400
        )
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_allowed(app, redirect_uri):
        return HTMLResponse(
            pages.error_page(
                f"AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not "
                f"match the redirect URIs configured for the application '{app.appId}'."
            ),
            status_code=400,
        )
    if "code" not in params.get("response_type", "").split():
        return _finish(
            params,
            {
                "error": "unsupported_response_type",
                "error_description": "AADSTS700054: response_type must include 'code'.",
            },
        )
    chosen = form.get("mockgraph_user") if form is not None else None
    user = realm.user(chosen) if chosen else None
    prompt = params.get("prompt", "")
    if user is None and prompt not in ("login", "select_account"):
        user = identity.user_by_hint(realm, params.get("login_hint"))
    if user is None:
        if prompt == "none":
            return _finish(
                params,
                {
                    "error": "login_required",
                    "error_description": "AADSTS50058: A silent sign-in request was sent but "
                    "no user is signed in.",
                },
            )
        users = sorted(realm.users.values(), key=lambda u: u.display_name.lower())
        return HTMLResponse(
            pages.sign_in_page(app.displayName or app.appId, users, str(request.url.path), params)
        )
    try:
        code = identity.issue_code(realm, app, user, params)
    except EntraError as error:
        return _finish(
            params,
            {"error": error.error, "error_description": f"AADSTS{error.code}: {error.description}"},
        )
    return _finish(params, {"code": code, "session_state": realm.id})


@router.get("/{tenant}/oauth2/v2.0/authorize", response_model=None)
async def authorize(tenant: TenantName, request: Request, identity: IdentityDep) -> Response:
    """The sign-in page: lists the tenant's users; `login_hint` picks one without a click,
    `prompt=none` never shows the page. Redirects back with `code` and `state`."""
    return await _authorize(tenant, request, identity, None)


@router.post("/{tenant}/oauth2/v2.0/authorize", response_model=None, include_in_schema=False)
async def authorize_chosen(tenant: TenantName, request: Request, identity: IdentityDep) -> Response:
    return await _authorize(tenant, request, identity, await _form(request))


@router.get("/{tenant}/v2.0/.well-known/openid-configuration", response_model=None)
async def openid_configuration(
    tenant: TenantName, request: Request, identity: IdentityDep
) -> Response:
    """OIDC discovery, consistent with the tokens' `iss` and the signing key."""
    try:
        return JSONResponse(
            identity.openid_configuration(tenant, str(request.base_url), request_cloud(request))
        )
    except EntraError as error:
        return entra_error_response(request, error)


@router.get("/{tenant}/discovery/v2.0/keys", response_model=None)
async def keys(tenant: TenantName, request: Request, identity: IdentityDep) -> Response:
    """The JWKS: the key that signs every token, with its `kid`."""
    try:
        return JSONResponse(identity.keys(tenant, request_cloud(request)))
    except EntraError as error:
        return entra_error_response(request, error)


@router.get("/common/userrealm/{username}")
async def user_realm(username: str, request: Request) -> dict[str, Any]:
    """What MSAL's username/password flow asks first: every account is a managed one."""
    domain = username.rsplit("@", 1)[-1] if "@" in username else username
    return {
        "ver": "1.0",
        "account_type": "Managed",
        "domain_name": domain,
        "cloud_instance_name": request_cloud(request).instance_name,
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    }
