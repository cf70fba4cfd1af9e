"""The platform's Ed25519 signing keys, kept in `<instance>/keys/` (never in git).

Files: `<key id>.key` (PEM private key, mode 0600), `<key id>.pub` (raw public key, base64)
and `current` (the key id new signatures use). The key pair is made on first use. Rotation
makes a new current key and deletes the old private key but keeps its public key, so every
certificate signed before stays verifiable. Several app servers share one keys folder.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# cryptography (about 6 MiB and 50 ms) is loaded on first use: a web worker that serves
# lessons never signs or verifies anything (tests/test_core.py holds it).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw public key."""
    return hashlib.sha256(raw_public(public_key)).hexdigest()[:16]


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def as_public_key(value: Ed25519PublicKey | bytes | str) -> Ed25519PublicKey:
    """A public key given as a key, its raw 32 bytes or their base64 text (as published)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(value, Ed25519PublicKey):
        return value
    if isinstance(value, str):
        value = base64.b64decode(value)
    return Ed25519PublicKey.from_public_bytes(value)


@dataclass(frozen=True)
class SigningKey:
    id: str
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()


class KeyStore:
    """The keys folder: the current signing key and every public key ever used."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._cache: dict[str, SigningKey] = {}

    def current(self) -> SigningKey:
        """The key new signatures use; made on first use."""
        pointer = self.folder / "current"
        if not pointer.exists():
            self._create(first=True)
        kid = pointer.read_text().strip()
        if kid not in self._cache:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            pem = (self.folder / f"{kid}.key").read_bytes()
            private = serialization.load_pem_private_key(pem, password=None)
            assert isinstance(private, Ed25519PrivateKey)
            self._cache[kid] = SigningKey(kid, private)
        return self._cache[kid]

    def rotate(self) -> str:
        """Make a new current key; keep the old public keys, drop the old private key."""
        old = self.current()
        kid = self._create(first=False)
        (self.folder / f"{old.id}.key").unlink(missing_ok=True)
        self._cache.pop(old.id, None)
        return kid

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """Every public key, by key id (the current one included)."""
        self.current()
        keys = {}
        for path in sorted(self.folder.glob("*.pub")):
            keys[path.stem] = as_public_key(path.read_text())
        return keys

    def published(self) -> dict[str, str]:
        """Public keys as published: key id -> base64 of the raw 32-byte key."""
        return {kid: base64.b64encode(raw_public(k)).decode() for kid, k in self.public_keys().items()}

    def _create(self, first: bool) -> str:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        private = Ed25519PrivateKey.generate()
        kid = key_id(private.public_key())
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_new(self.folder / f"{kid}.key", pem, 0o600)
        _write_new(self.folder / f"{kid}.pub", base64.b64encode(raw_public(private.public_key())), 0o644)
        pointer = self.folder / "current"
        tmp = self.folder / f".current-{kid}"
        _write_new(tmp, kid.encode(), 0o644)
        if not first:
            os.replace(tmp, pointer)
            return kid
        # Two processes starting together: the first to link `current` wins, atomically.
        try:
            os.link(tmp, pointer)
        except FileExistsError:
            for path in (tmp, self.folder / f"{kid}.key", self.folder / f"{kid}.pub"):
                path.unlink()
            return pointer.read_text().strip()
        tmp.unlink()
        return kid


def _write_new(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


_stores: dict[Path, KeyStore] = {}


def store_for(instance_path: str | Path) -> KeyStore:
    """The key store of an instance folder (one per process, caching loaded keys)."""
    folder = Path(instance_path) / "keys"
    if folder not in _stores:
        _stores[folder] = KeyStore(folder)
    return _stores[folder]


def app_store() -> KeyStore:
    from flask import current_app

    return store_for(current_app.instance_path)
