"""The RSA key mockgraph signs its tokens with: loaded from a PEM file or generated at start."""

from __future__ import annotations

import base64
import hashlib
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class SigningKeyError(Exception):
    """The signing key file cannot be used."""


class SigningKey:
    """An RSA key pair with its `kid`; a generated key is made in the background at start."""

    def __init__(self, path: Path | None = None) -> None:
        self._private: rsa.RSAPrivateKey | None = None
        self._ready = threading.Event()
        if path is not None:
            self._private = load_private_key(path)
            self._ready.set()
        else:
            threading.Thread(target=self._generate, name="mockgraph-keygen", daemon=True).start()

    def _generate(self) -> None:
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._ready.set()

    @property
    def private(self) -> rsa.RSAPrivateKey:
        self._ready.wait()
        assert self._private is not None
        return self._private

    @property
    def public(self) -> rsa.RSAPublicKey:
        return self.private.public_key()

    @property
    def kid(self) -> str:
        """A thumbprint of the public key, as Entra's `kid` and `x5t` are."""
        der = self.public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()


def load_private_key(path: Path) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise SigningKeyError(f"{path}: cannot read the signing key: {exc.strerror}") from None
    except (ValueError, TypeError):
        raise SigningKeyError(f"{path}: not an unencrypted PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningKeyError(f"{path}: the signing key must be an RSA key (tokens are RS256)")
    return key
