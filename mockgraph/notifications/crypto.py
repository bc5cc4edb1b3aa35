"""Rich notifications: resource data encrypted exactly as Graph encrypts it.

A random 256-bit key encrypts the data with AES-CBC and PKCS#7 padding, the IV being the key's
first 16 bytes; the key is wrapped with RSA-OAEP (SHA-1) for the subscription's certificate;
`dataSignature` is the HMAC-SHA256, under the same key, of the encrypted bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mockgraph.errors import BadRequest


def load_certificate(text: str) -> x509.Certificate:
    """A subscription's encryptionCertificate: base64 DER (as Graph takes it) or PEM."""
    try:
        if "-----BEGIN" in text:
            return x509.load_pem_x509_certificate(text.encode())
        return x509.load_der_x509_certificate(base64.b64decode(text, validate=True))
    except ValueError:
        raise BadRequest(
            "The encryptionCertificate is not a base64-encoded X.509 certificate "
            "(its DER bytes, as Graph expects)."
        ) from None


def check_certificate(certificate: x509.Certificate) -> None:
    if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
        raise BadRequest("The encryptionCertificate must hold an RSA public key.")


def thumbprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA1()).hex().upper()


def encrypt(
    resource: dict[str, Any], certificate: x509.Certificate, certificate_id: str
) -> dict[str, str]:
    """The `encryptedContent` of one rich notification."""
    key = os.urandom(32)
    padder = padding.PKCS7(128).padder()
    plain = padder.update(json.dumps(resource).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    data = encryptor.update(plain) + encryptor.finalize()
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    wrapped = public.encrypt(
        key, OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    )
    signature = hmac.new(key, data, hashlib.sha256).digest()
    return {
        "data": base64.b64encode(data).decode(),
        "dataSignature": base64.b64encode(signature).decode(),
        "dataKey": base64.b64encode(wrapped).decode(),
        "encryptionCertificateId": certificate_id,
        "encryptionCertificateThumbprint": thumbprint(certificate),
    }


def decrypt(content: dict[str, str], private_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    """What a client does with `encryptedContent` (and how mockgraph's tests check it)."""
    key = private_key.decrypt(
        base64.b64decode(content["dataKey"]),
        OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None),
    )
    data = base64.b64decode(content["data"])
    expected = base64.b64decode(content["dataSignature"])
    if not hmac.compare_digest(hmac.new(key, data, hashlib.sha256).digest(), expected):
        raise ValueError("the dataSignature does not match: the data was tampered with")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    result: dict[str, Any] = json.loads(unpadder.update(padded) + unpadder.finalize())
    return result
