"""OIDC discovery and the signing keys, consistent with the tokens mockgraph issues."""

from __future__ import annotations

from typing import Any

from mockgraph.auth.tokens import TokenAuthority, issuer_for
from mockgraph.clouds import Cloud
from mockgraph.state.store import Tenant

# Tenant names Entra accepts in place of a tenant id, for user sign-ins; mockgraph signs
# them in to the fixtures' tenant (docs/fidelity.md, 'Tenants').
SHARED_TENANTS = ("common", "organizations", "consumers")

CLAIMS = ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "nonce", "oid"]


def openid_configuration(
    tenant: Tenant, segment: str, base_url: str, cloud: Cloud
) -> dict[str, Any]:
    """`/{tenant}/v2.0/.well-known/openid-configuration`: the endpoints on the host asked,
    the issuer and Graph of its cloud."""
    shared = segment.lower() in SHARED_TENANTS
    root = f"{base_url.rstrip('/')}/{segment if shared else tenant.id}"
    return {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer_for("{tenantid}" if shared else tenant.id, cloud),
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{cloud.graph_root}/oidc/userinfo",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "code_challenge_methods_supported": ["S256", "plain"],
        "claims_supported": [*CLAIMS, "preferred_username", "tid", "ver"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": cloud.instance_name,
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": cloud.graph_host,
        "rbac_url": "https://pas.windows.net",
    }


def keys(tokens: TokenAuthority, tenant: Tenant, cloud: Cloud) -> dict[str, Any]:
    """`/{tenant}/discovery/v2.0/keys`: the key that signs every token."""
    return {"keys": [{**tokens.public_jwk(), "issuer": issuer_for(tenant.id, cloud)}]}
