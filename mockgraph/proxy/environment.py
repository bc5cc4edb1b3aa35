"""What a client process needs to reach mockgraph at Graph's and Entra's own addresses through
the proxy: the variables each stack reads and the files they name (docs/proxy.md, 'The proxy route
(HTTPS_PROXY)').

`mockgraph env` prints them, the `mockgraph_intercept` fixture sets them.
"""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

NO_PROXY = ("localhost", "127.0.0.1", "::1")
TRUSTSTORE_PASSWORD = "changeit"
# Node 20 has no NODE_USE_ENV_PROXY: this preload (NODE_OPTIONS=--require ...) sends fetch()
# and the https module's global agent through HTTPS_PROXY with CONNECT. It does nothing where
# Node honours NODE_USE_ENV_PROXY itself (22.21+, 24.5+). Shipped next to this module.
NODE_PRELOAD = "node_env_proxy.cjs"


def client_environment(
    proxy_url: str, ca_pem: bytes, folder: Path, *, java: bool = True
) -> tuple[dict[str, str], list[str]]:
    """The variables, and notes on what was left out, for clients of the proxy at `proxy_url`
    trusting the CA `ca_pem`; the CA, Node's preload and Java's truststore go to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = folder / "ca.pem"
    ca.write_bytes(ca_pem)
    preload = folder / "node-env-proxy.cjs"
    preload.write_bytes(resources.files("mockgraph").joinpath(NODE_PRELOAD).read_bytes())
    proxy = urlsplit(proxy_url)
    no_proxy = ",".join(dict.fromkeys((*NO_PROXY, proxy.hostname or "localhost")))
    variables = {
        "HTTPS_PROXY": proxy_url,
        "HTTP_PROXY": proxy_url,
        "NO_PROXY": no_proxy,
        # Go and .NET read the lower-case names first.
        "https_proxy": proxy_url,
        "http_proxy": proxy_url,
        "no_proxy": no_proxy,
        "REQUESTS_CA_BUNDLE": str(ca),
        "SSL_CERT_FILE": str(ca),
        "CURL_CA_BUNDLE": str(ca),
        "NODE_EXTRA_CA_CERTS": str(ca),
        "NODE_USE_ENV_PROXY": "1",
        "NODE_OPTIONS": f"--require {preload}",
    }
    notes: list[str] = []
    if java:
        truststore = _java_truststore(ca, folder)
        if truststore is None:
            notes.append("JAVA_TOOL_OPTIONS left out: no keytool on PATH to write a truststore")
        else:
            variables["JAVA_TOOL_OPTIONS"] = " ".join(
                (
                    f"-Dhttps.proxyHost={proxy.hostname} -Dhttps.proxyPort={proxy.port}",
                    f"-Dhttp.proxyHost={proxy.hostname} -Dhttp.proxyPort={proxy.port}",
                    "-Dhttp.nonProxyHosts=localhost|127.0.0.1",
                    f"-Djavax.net.ssl.trustStore={truststore}",
                    f"-Djavax.net.ssl.trustStorePassword={TRUSTSTORE_PASSWORD}",
                    "-Djavax.net.ssl.trustStoreType=PKCS12",
                )
            )
    return variables, notes


def _java_truststore(ca: Path, folder: Path) -> Path | None:
    keytool = shutil.which("keytool")
    if keytool is None:
        return None
    store = folder / "truststore.p12"
    store.unlink(missing_ok=True)
    done = subprocess.run(
        [
            keytool,
            "-importcert",
            "-noprompt",
            "-alias",
            "mockgraph",
            "-file",
            str(ca),
            "-keystore",
            str(store),
            "-storetype",
            "PKCS12",
            "-storepass",
            TRUSTSTORE_PASSWORD,
        ],
        capture_output=True,
        check=False,
        timeout=60,
    )
    return store if done.returncode == 0 else None


def render(variables: dict[str, str], shell: str) -> str:
    """The variables as `shell` sets them: sh, fish, powershell or dotenv."""
    lines = []
    for name, value in variables.items():
        if shell == "fish":
            lines.append(f"set -gx {name} '{_escaped(value, chr(92) + chr(39))}';")
        elif shell == "powershell":
            lines.append(f"$env:{name} = '{_escaped(value, chr(39) * 2)}'")
        elif shell == "dotenv":
            lines.append(f'{name}="{_escaped(value, chr(92) + chr(34), quote=chr(34))}"')
        else:
            lines.append(f"export {name}='{_escaped(value, chr(39) + chr(92) + chr(39) * 2)}'")
    return "\n".join(lines) + "\n"


def _escaped(value: str, replacement: str, quote: str = "'") -> str:
    """`value` inside `quote`s, each quote written as `replacement`."""
    return value.replace(quote, replacement)
