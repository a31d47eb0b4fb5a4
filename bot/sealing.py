"""Sealing the free text a member keeps (check-in notes, goals): authenticated encryption at rest.

Why: a note or a goal is health data a member wrote on purpose; a copied database file, a backup
left in the wrong place or a curious operator reading the file must not reveal it.

How:
- AES-256-GCM (``cryptography``'s AESGCM): confidentiality and integrity. A changed byte, a
  ciphertext moved to another member's row or into another kind of column fails to open.
- A sealed value is text: ``sealed:1:<key id>:<purpose>:<base64url(nonce + ciphertext + tag)>``.
  The key id (8 hex digits, derived from the key itself) says which key sealed it, so several keys
  can be readable at once while ``warmline keys rotate`` re-seals old values with the current
  one. The purpose (``checkin.note``) and the member's internal id are the associated data: they
  are authenticated, not secret.
- A :class:`Keyring` holds the current key (used to seal) and any old keys (still opened).
  Without a current key, nothing is sealed, and the features that keep free text do not keep it
  (the member is told so). Keys never appear in a ``repr``, a log line or an error message.

Where keys come from (``[privacy]``, see docs/privacy.md): ``WARMLINE_DATA_KEY`` (one key) and
``WARMLINE_DATA_KEY_OLD`` (old keys, separated by commas), or ``privacy.key_file`` (the current
key on the first line, old keys on the lines after it; the file must not be readable by every
user of the machine). A key is 32 random bytes written in base64: ``warmline keys new`` makes one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "sealed:1:"
"""How every sealed value starts: a stored value without it is plain text from before sealing."""
KEY_BYTES = 32
NONCE_BYTES = 12


class KeyProblem(ValueError):
    """A key (or key file) that cannot be used; the message names where it came from and the fix,
    never the key."""


class CannotOpen(ValueError):
    """A sealed value that no key of the keyring opens (an unknown key id, or a changed value)."""


@dataclass(frozen=True, slots=True)
class DataKey:
    id: str
    secret: bytes = field(repr=False)

    @classmethod
    def parse(cls, text: str, where: str) -> DataKey:
        """A key written in base64 (standard or URL-safe, padding optional)."""
        cleaned = text.strip()
        try:
            raw = base64.urlsafe_b64decode(_padded(cleaned.replace("+", "-").replace("/", "_")))
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != KEY_BYTES:
            raise KeyProblem(f"{where}: not a Warmline data key (expected {KEY_BYTES} bytes "
                             "written in base64); make one with: warmline keys new")
        return cls(id=key_id(raw), secret=raw)


def key_id(secret: bytes) -> str:
    """A short, stable name for a key that reveals nothing about it."""
    return hashlib.sha256(b"warmline data key id\x00" + secret).hexdigest()[:8]


def new_key() -> str:
    """A fresh random key, in the form the environment variable and key file take."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _padded(text: str) -> str:
    return text + "=" * (-len(text) % 4)


def _aad(kid: str, purpose: str, member_id: int) -> bytes:
    return f"warmline|{kid}|{purpose}|{member_id}".encode()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def sealed_key_id(value: str) -> str | None:
    """The key id a sealed value names (None for plain text)."""
    if not is_sealed(value):
        return None
    return value[len(PREFIX):].split(":", 1)[0]


class Keyring:
    """The current key (seals) and old keys (only open). Immutable once built."""

    def __init__(self, current: DataKey | None = None, old: Sequence[DataKey] = ()) -> None:
        self.current = current
        keys = ([current] if current is not None else []) + list(old)
        self._ciphers = {key.id: AESGCM(key.secret) for key in keys}
        self.old_ids = tuple(key.id for key in old if current is None or key.id != current.id)

    def __repr__(self) -> str:
        return f"Keyring(current={self.current_id!r}, old={list(self.old_ids)!r})"

    @property
    def can_seal(self) -> bool:
        return self.current is not None

    @property
    def current_id(self) -> str | None:
        return None if self.current is None else self.current.id

    def seal(self, text: str, *, purpose: str, member_id: int) -> str:
        if self.current is None:
            raise CannotOpen("no data key is configured, so nothing can be sealed")
        kid = self.current.id
        nonce = os.urandom(NONCE_BYTES)
        body = self._ciphers[kid].encrypt(nonce, text.encode("utf-8"),
                                          _aad(kid, purpose, member_id))
        token = base64.urlsafe_b64encode(nonce + body).decode("ascii").rstrip("=")
        return f"{PREFIX}{kid}:{purpose}:{token}"

    def open(self, value: str, *, member_id: int, purpose: str | None = None) -> str:
        """The text of a sealed value. ``purpose``, when given, must be the one it was sealed
        for (a goal cannot be read back as a note). Plain text is returned as it is."""
        if not is_sealed(value):
            return value
        try:
            kid, sealed_for, token = value[len(PREFIX):].split(":", 2)
        except ValueError:
            raise CannotOpen("not a sealed value") from None
        if purpose is not None and sealed_for != purpose:
            raise CannotOpen("sealed for another purpose")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise CannotOpen(f"sealed with key {kid}, which is not configured")
        try:
            raw = base64.urlsafe_b64decode(_padded(token))
            text = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                  _aad(kid, sealed_for, member_id))
        except (InvalidTag, binascii.Error, ValueError):
            raise CannotOpen(f"a value sealed with key {kid} does not open") from None
        return text.decode("utf-8")

    def reseal(self, value: str, *, member_id: int, purpose: str) -> str | None:
        """``value`` sealed with the current key, or None when it already is."""
        if sealed_key_id(value) == self.current_id:
            return None
        return self.seal(self.open(value, member_id=member_id, purpose=purpose),
                         purpose=purpose, member_id=member_id)


# -- where keys come from ---------------------------------------------------------------------------

ENV_NAMES = ("WARMLINE_DATA_KEY", "WARMLINE_DATA_KEY_OLD")
"""The environment variables of the current key and the old keys (``bot.config.names``)."""


class KeySource(Protocol):
    """What ``[privacy]`` says about keys (``bot.config.PrivacySettings``)."""

    @property
    def data_key(self) -> str | None: ...
    @property
    def old_data_keys(self) -> str | None: ...
    @property
    def key_file(self) -> str: ...


def keyring_for(privacy: KeySource) -> Keyring:
    """The keyring ``[privacy]`` names (the key file is read now). :class:`KeyProblem` when a
    key or the key file cannot be used."""
    return load_keyring(key=privacy.data_key, old_keys=privacy.old_data_keys,
                        key_file=privacy.key_file, env_names=ENV_NAMES)


def describe_mode(keyring: Keyring) -> str:
    """One line for ``warmline check-config``: which mode is active, never a key."""
    if not keyring.can_seal:
        return ("notes and goals: NOT kept (no data key; set WARMLINE_DATA_KEY or "
                "privacy.key_file to keep them, sealed)")
    old = f", {len(keyring.old_ids)} old key(s) still read" if keyring.old_ids else ""
    return f"notes and goals: sealed with key {keyring.current_id}{old}"


def load_keyring(*, key: str | None, old_keys: str | None, key_file: str,
                 env_names: tuple[str, str]) -> Keyring:
    """The keyring the configuration names. Raises :class:`KeyProblem` naming the variable or
    file at fault and the fix (never a key)."""
    env_key, env_old = env_names
    if key_file and (key or old_keys):
        raise KeyProblem(f"privacy.key_file and {env_key}/{env_old} are both set; use one of "
                         "them, so there is one place to rotate keys")
    if key_file:
        lines = _read_key_file(Path(key_file))
        if not lines:
            raise KeyProblem(f"privacy.key_file = {key_file!r}: the file has no key; put one on "
                             "its first line (make one with: warmline keys new)")
        current = DataKey.parse(lines[0], f"privacy.key_file = {key_file!r}, line 1")
        old = [DataKey.parse(line, f"privacy.key_file = {key_file!r}, line {n}")
               for n, line in enumerate(lines[1:], start=2)]
        return Keyring(current, old)
    old = [DataKey.parse(part, f"{env_old}, key {n}")
           for n, part in enumerate(_split(old_keys), start=1)]
    if key is None:
        if old:
            raise KeyProblem(f"{env_old} is set but {env_key} is not; old keys are only read "
                             f"while a current key seals new notes: set {env_key} too")
        return Keyring()
    return Keyring(DataKey.parse(key, env_key), old)


def _split(text: str | None) -> list[str]:
    return [part for part in (text or "").replace(",", " ").split() if part]


def _read_key_file(path: Path) -> list[str]:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise KeyProblem(f"privacy.key_file = {str(path)!r}: no such file; create it with "
                         f"warmline keys new > {path} && chmod 600 {path}") from None
    except OSError as exc:
        raise KeyProblem(f"privacy.key_file = {str(path)!r}: cannot be read "
                         f"({exc.strerror}); check its permissions") from None
    if info.st_mode & (stat.S_IROTH | stat.S_IWOTH):
        raise KeyProblem(
            f"privacy.key_file = {str(path)!r}: every user of this machine can read or change "
            f"the key (mode {stat.S_IMODE(info.st_mode):04o}); make it private to the user "
            f"running Warmline: chmod 600 {path}")
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise KeyProblem(f"privacy.key_file = {str(path)!r}: cannot be read as a key file; "
                         "it holds one base64 key per line") from None
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def open_in_export(tables: Mapping[str, Iterable[dict[str, Any]]], keyring: Keyring,
                   member_id: int, unreadable: str) -> int:
    """Open every sealed value in a member's export, in place; a value no key opens reads
    ``unreadable``. Returns how many values were opened."""
    opened = 0
    for rows in tables.values():
        for row in rows:
            for column, value in row.items():
                if is_sealed(value):
                    try:
                        row[column] = keyring.open(value, member_id=member_id)
                        opened += 1
                    except CannotOpen:
                        row[column] = unreadable
    return opened
