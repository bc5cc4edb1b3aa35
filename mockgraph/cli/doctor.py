"""`mockgraph doctor`: from this process's environment, do Graph's and Entra's own addresses
reach mockgraph? Says what is wrong when they do not, and never sends a request that would
reach the real services."""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import sys
import urllib.request
from urllib.parse import urlsplit

import httpx

CHECKS = (
    "https://login.microsoftonline.com/common/discovery/instance?api-version=1.1"
    "&authorization_endpoint=https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
    "https://graph.microsoft.com/v1.0/$metadata",
)
# mockgraph's answers carry this in x-ms-ags-diagnostic; Graph's carry a real data centre.
MARKER = '"DataCenter":"mockgraph"'
CA_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")


def diagnose(timeout: float = 5.0) -> int:
    """Print one line per check and per CA variable; 0 when every check reached mockgraph."""
    failures = 0
    for name in CA_VARIABLES:
        value = os.environ.get(name)
        if value is None:
            print(f"warning  {name} is not set (see `mockgraph env`)")
        elif not os.path.isfile(value):
            print(f"problem  {name}={value}: no such file")
            failures += 1
    for url in CHECKS:
        problem = check(url, timeout)
        if problem is None:
            print(f"ok       {url.split('?', 1)[0]} reached mockgraph")
        else:
            print(f"problem  {url.split('?', 1)[0]}: {problem}")
            failures += 1
    if failures:
        print('Run `eval "$(mockgraph env)"` against a server started with --proxy-port.')
    return 1 if failures else 0


def check(url: str, timeout: float) -> str | None:
    """None when `url` answered from mockgraph; otherwise what went wrong, in words."""
    host = urlsplit(url).hostname or ""
    proxy = _proxy_for(url)
    if proxy is None:
        resolved = _resolved(host)
        if resolved is None:
            return (
                f"no HTTPS_PROXY is set and {host} does not resolve here: set HTTPS_PROXY to "
                "mockgraph's proxy, or point the name at mockgraph (DNS route)"
            )
        if not (resolved.is_loopback or resolved.is_private):
            return (
                f"no HTTPS_PROXY is set and {host} resolves to {resolved}, which is not "
                "mockgraph: not sent, so that nothing reaches the real service"
            )
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.ProxyError as exc:
        return f"the proxy {proxy} refused: {exc}"
    except httpx.ConnectError as exc:
        if isinstance(exc.__cause__, ssl.SSLCertVerificationError) or "CERTIFICATE" in str(exc):
            return (
                "the certificate is not trusted: set SSL_CERT_FILE (and REQUESTS_CA_BUNDLE) to "
                f"mockgraph's CA ({exc})"
            )
        where = f"the proxy {proxy}" if proxy else host
        return f"cannot connect to {where}: {exc}"
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    except OSError as exc:  # SSL_CERT_FILE names no readable file
        return f"cannot load the CA file (SSL_CERT_FILE): {exc}"
    if MARKER not in response.headers.get("x-ms-ags-diagnostic", ""):
        return f"answered {response.status_code}, but not by mockgraph"
    if response.status_code != 200:
        return f"mockgraph answered {response.status_code}: {response.text[:200]}"
    return None


def _proxy_for(url: str) -> str | None:
    host = urlsplit(url).hostname or ""
    proxies = urllib.request.getproxies()
    if urllib.request.proxy_bypass(host):
        return None
    return proxies.get("https") or proxies.get("all")


def _resolved(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        info = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except OSError:
        return None
    return ipaddress.ip_address(str(info[0][4][0]).split("%", 1)[0])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(diagnose())
