"""The privacy check's `data` parameter (v1.45+), as the v2 dashboard builds it, and its decoding.

v1.47.0:src/web/gui/v2/7471.f96c4d04a73fb7551c03.chunk.js, module 51641: `JSON.stringify({machine_guid, url})`
encrypted with CryptoJS AES (CBC, PKCS#7) under a 256-bit key written in the bundle and a random 16-byte IV; `data` =
hex(IV) + hex(ciphertext) + hex(HMAC-SHA256(IV + ciphertext, same key)), URL-encoded into
`https://frankfurt.netdata.rocks/privacy?data=...`. The key is public: anyone holding the bundle reads the plaintext.
This tool ships no part of the bundle, its key included: find_key reads it from the agent's own web files.

Python's standard library has no AES, so this uses the `cryptography` package.
"""

import hashlib
import hmac
import json
import os
import re
from urllib.parse import parse_qs, urlsplit

from audit.plumbing.errors import AuditError

SOURCE = "v1.47.0:src/web/gui/v2/7471.f96c4d04a73fb7551c03.chunk.js (module 51641)"
URL = "https://frankfurt.netdata.rocks/privacy"
# Where agents keep their web files (the v2 bundle under v2/): the native packages' and the static install's
WEB_DIRS = ("/usr/share/netdata/web", "/opt/netdata/usr/share/netdata/web")
_KEY_IN_CHUNK = re.compile(rb'enc\.Hex\.parse\("([0-9a-f]{64})"\)')
_MAX_CHUNK = 16 * 1024 * 1024


def key_in(chunk: bytes) -> bytes | None:
    """The key a bundle chunk writes for the privacy check (the chunk that names its URL), or None."""
    match = _KEY_IN_CHUNK.search(chunk) if URL.encode() in chunk else None
    return bytes.fromhex(match.group(1).decode()) if match else None


def find_key(dirs: tuple[str, ...] = WEB_DIRS) -> tuple[bytes, str] | tuple[None, str]:
    """(key, the chunk it was read from), or (None, where it was looked for): the first of `dirs` whose bundle
    chunks (*.chunk.js, at any depth) hold the privacy check's key."""
    from pathlib import Path

    for folder in dirs:
        for chunk in sorted(Path(folder).rglob("*.chunk.js")) if Path(folder).is_dir() else ():
            try:
                with open(chunk, "rb") as f:
                    key = key_in(f.read(_MAX_CHUNK))
            except OSError:
                continue
            if key is not None:
                return key, str(chunk)
    return None, ", ".join(dirs)


def _cipher(key: bytes, iv: bytes):
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError:
        raise AuditError("decoding the privacy check needs the 'cryptography' package: pip install cryptography") \
            from None
    return Cipher(algorithms.AES(key), modes.CBC(iv))


def encode(machine_guid: str, url: str, key: bytes, iv: bytes | None = None) -> str:
    """The `data` value the dashboard sends under the bundle's `key` (a random IV unless one is given)."""
    from cryptography.hazmat.primitives import padding

    iv = iv if iv is not None else os.urandom(16)
    padder = padding.PKCS7(128).padder()
    plain = padder.update(json.dumps({"machine_guid": machine_guid, "url": url}, separators=(",", ":")).encode())
    encryptor = _cipher(key, iv).encryptor()
    ciphertext = encryptor.update(plain + padder.finalize()) + encryptor.finalize()
    head = iv.hex() + ciphertext.hex()
    return head + hmac.new(key, bytes.fromhex(head), hashlib.sha256).hexdigest()


def data_of(text: str) -> str:
    """The `data` value from a whole privacy-check URL, or the value itself."""
    text = text.strip()
    if "://" in text or text.startswith("/privacy"):
        values = parse_qs(urlsplit(text).query).get("data")
        if not values:
            raise AuditError("the privacy-check URL has no data= parameter")
        return values[0]
    return text


def decode(data: str, key: bytes) -> dict:
    """{"iv", "hmac_valid", "plaintext", "document"} for a `data` value; a clear error when it is not one."""
    from cryptography.hazmat.primitives import padding

    try:
        raw = bytes.fromhex(data)
    except ValueError:
        raise AuditError("the privacy check's data is not hexadecimal") from None
    if len(raw) < 16 + 16 + 32 or (len(raw) - 48) % 16:
        raise AuditError(f"the privacy check's data has {len(raw)} bytes: expected IV (16) + AES blocks + HMAC (32)")
    iv, ciphertext, mac = raw[:16], raw[16:-32], raw[-32:]
    valid = hmac.compare_digest(mac, hmac.new(key, iv + ciphertext, hashlib.sha256).digest())
    decryptor = _cipher(key, iv).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = (unpadder.update(padded) + unpadder.finalize()).decode()
        document = json.loads(plain)
    except ValueError:
        raise AuditError("the privacy check's data does not decrypt with the bundle's key") from None
    return {"iv": iv.hex(), "hmac_valid": valid, "plaintext": plain, "document": document}
