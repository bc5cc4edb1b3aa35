"""Entra ID's endpoints: token, devicecode, authorize and /devicelogin (sign-in pages), OIDC
discovery, keys, user realm. Entra errors raised here leave through identity/errors.py."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mockgraph.domain.guid import checked_guid
from mockgraph.domain.user import natural_key
from mockgraph.errors import GraphError
from mockgraph.identity import pages
from mockgraph.identity.discovery import request_cloud
from mockgraph.identity.errors import (
    NO_STORE,
    EntraError,
    LoginRequired,
    RedirectUriNotRegistered,
    UnsupportedResponseType,
)
from mockgraph.identity.service import Identity, redirect_allowed

TAG = "Entra ID (token endpoint)"

router = APIRouter(tags=[TAG])


async def _identity(request: Request) -> Identity:
    # create_app puts an Identity there; the runtime itself knows it only as SignIns.
    identity: Identity = request.app.state.runtime.identity
    return identity


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
        or path.endswith("/oauth2/nativeclient")
        or "/v2.0/.well-known/" in path
        or "/discovery/v2.0/keys" in path
        or path.startswith("/common/userrealm/")
        or path == "/devicelogin"
        or path.startswith("/common/discovery/")
    )


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


def _origin(request: Request) -> str:
    """The scheme and host the client called: https://login.microsoftonline.com, say."""
    return str(request.base_url).rstrip("/")


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


@router.post("/{tenant}/oauth2/v2.0/token", response_model=None)
async def token(tenant: TenantName, request: Request, identity: IdentityDep) -> Response:
    """OAuth 2.0 token endpoint (form-encoded): client_credentials (client secret or
    certificate assertion), password, authorization_code (with PKCE), refresh_token, device
    code polling and on-behalf-of (jwt-bearer) grants, as Entra ID answers them."""
    form = await _form(request)
    answer = identity.token(tenant, form, _basic(request), _origin(request), request_cloud(request))
    return JSONResponse(answer, headers=NO_STORE)


@router.post("/{tenant}/oauth2/v2.0/devicecode", response_model=None)
async def device_authorization(
    tenant: TenantName, request: Request, identity: IdentityDep
) -> Response:
    """Device authorization (form-encoded `client_id`, `scope`): a `user_code` for a person to
    enter at `verification_uri` (mockgraph's /devicelogin page) and a `device_code` to poll the
    token endpoint with (grant_type=urn:ietf:params:oauth:grant-type:device_code)."""
    form = await _form(request)
    answer = identity.device_authorization(tenant, form, _origin(request), request_cloud(request))
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
        return HTMLResponse(pages.error_page(error.aadsts), status_code=400)
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_allowed(app, redirect_uri):
        refused = RedirectUriNotRegistered(redirect_uri=redirect_uri, app_id=app.appId)
        return HTMLResponse(pages.error_page(refused.aadsts), status_code=400)
    if "code" not in params.get("response_type", "").split():
        return _finish(params, _error_fields(UnsupportedResponseType()))
    chosen = form.get("mockgraph_user") if form is not None else None
    user = realm.user(chosen) if chosen else None
    prompt = params.get("prompt", "")
    if user is None and prompt not in ("login", "select_account"):
        user = identity.user_by_hint(realm, params.get("login_hint"))
    if user is None:
        if prompt == "none":
            return _finish(params, _error_fields(LoginRequired()))
        users = sorted(realm.users.people(), key=lambda u: natural_key(u.display_name))
        return HTMLResponse(
            pages.sign_in_page(app.displayName or app.appId, users, str(request.url.path), params)
        )
    try:
        code = identity.issue_code(realm, app, user, params)
    except EntraError as error:
        return _finish(params, _error_fields(error))
    return _finish(params, {"code": code, "session_state": realm.id})


def _error_fields(error: EntraError) -> dict[str, str]:
    """An error returned to the redirect URI, as Entra's sign-in page returns it."""
    return {"error": error.error, "error_description": error.aadsts}


@router.get("/{tenant}/oauth2/v2.0/authorize", response_model=None)
async def authorize(tenant: TenantName, request: Request, identity: IdentityDep) -> Response:
    """The sign-in page: lists the tenant's users; `login_hint` picks one without a click,
    `prompt=none` never shows the page. Redirects back with `code` and `state`."""
    return await _authorize(tenant, request, identity, None)


@router.post("/{tenant}/oauth2/v2.0/authorize", response_model=None, include_in_schema=False)
async def authorize_chosen(tenant: TenantName, request: Request, identity: IdentityDep) -> Response:
    return await _authorize(tenant, request, identity, await _form(request))


@router.get("/{tenant}/oauth2/nativeclient", response_class=HTMLResponse, include_in_schema=False)
async def native_client(tenant: TenantName) -> HTMLResponse:
    """Where desktop and "paste the URL back" clients land after signing in
    (https://login.microsoftonline.com/common/oauth2/nativeclient): Entra serves an empty page;
    the client reads `code` from the address."""
    return HTMLResponse("", headers=NO_STORE)


@router.get("/{tenant}/v2.0/.well-known/openid-configuration", response_model=None)
async def openid_configuration(
    tenant: TenantName, request: Request, identity: IdentityDep
) -> Response:
    """OIDC discovery, consistent with the tokens' `iss` and the signing key; it names the
    device authorization endpoint too."""
    return JSONResponse(
        identity.openid_configuration(tenant, _origin(request), request_cloud(request))
    )


@router.get("/{tenant}/discovery/v2.0/keys", response_model=None)
async def keys(tenant: TenantName, request: Request, identity: IdentityDep) -> Response:
    """The JWKS: the key that signs every token, with its `kid`."""
    return JSONResponse(identity.keys(tenant, request_cloud(request)))


@router.get("/devicelogin", response_class=HTMLResponse)
async def device_login(
    identity: IdentityDep,
    tenant: Annotated[
        str | None,
        # No max_length: FastAPI's 422 would be JSON; a GUID's check bounds it, on the page.
        Query(description="Whose waiting codes to list; the fixtures' tenant."),
    ] = None,
) -> HTMLResponse:
    """The device code flow's `verification_uri`: type the code a device shows, pick a user.
    Below it, mockgraph alone lists the device codes waiting in the tenant (app, scopes), to
    pick one instead of typing it; not on a server with an admin key (docs/fidelity.md, 'The
    /devicelogin page')."""
    try:
        tenant_id = checked_guid(tenant, "tenant") if tenant else identity.fixtures.tenant_id
    except GraphError as error:
        return HTMLResponse(pages.device_code_page(error.message), status_code=400)
    known = identity.store.known(tenant_id) if identity.lists_device_codes else None
    if known is None:
        return HTMLResponse(pages.device_code_page())
    now = known.clock.timestamp()
    waiting = [
        pages.WaitingCode(
            code.user_code,
            code.app_name,
            (*code.requested.scopes, *sorted(code.requested.oidc)),
            max(1, int((code.expires_at - now) // 60)),
        )
        for code in identity.device_codes.listing(known.id)
    ]
    return HTMLResponse(pages.device_code_page(waiting=waiting))


@router.post("/devicelogin", response_class=HTMLResponse, include_in_schema=False)
async def device_login_chosen(request: Request, identity: IdentityDep) -> HTMLResponse:
    form = await _form(request)
    codes = identity.device_codes
    try:
        code = codes.pending(form.get("otc", ""))
        if "mockgraph_user" not in form and "decision" not in form:
            tenant = identity.store.tenant(code.tenant_id)
            users = sorted(tenant.users.people(), key=lambda u: natural_key(u.display_name))
            return HTMLResponse(pages.device_pick_page(code.app_name, code.user_code, users))
        approve = form.get("decision", "approve") != "deny"
        codes.decide(code.user_code, form.get("mockgraph_user"), approve)
    except GraphError as error:
        return HTMLResponse(pages.device_code_page(error.message), status_code=400)
    if isinstance(code.refusal, EntraError):
        # Entra's consent-required error, on the page; the device's poll answers it too.
        return HTMLResponse(pages.error_page(code.refusal.aadsts), status_code=400)
    return HTMLResponse(pages.device_done_page(code.app_name, approve))


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
