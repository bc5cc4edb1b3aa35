"""The bits of Entra ID that clients need: token endpoint, sign-in page, OIDC discovery, keys."""
