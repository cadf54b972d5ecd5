"""Field-level encryption of the case plan's personal data (social data, §35 SGB I; GDPR Art. 9).

Each personal field is stored as its own AES-256-GCM ciphertext that names the key it was written
with, so that keys can be rotated while the service runs:

    version (1 byte, = 1) | key id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext + tag (16 bytes)

The associated data is the header (version, length, key id) followed by the caller's `context`,
e.g. b"person:<pseudonym>:name": a ciphertext copied to another row or field, or relabelled with
another key id, fails to decrypt.

Keys (settings, read once at start):

    PAKT_CASEPLAN_KEYS        "k2026a:<base64>,k2025:<base64>" - ids [a-z0-9-]{1,32}, keys 32 bytes
    PAKT_CASEPLAN_KEYS_FILE   the same format from a file (a mounted secret); entries may also be
                              separated by newlines. Set this or PAKT_CASEPLAN_KEYS, not both.
    PAKT_CASEPLAN_ACTIVE_KEY  the id new writes use; default: the first key listed
    PAKT_CASEPLAN_INDEX_KEY   base64, 32 bytes: the blind-index key. May instead be an entry
                              `index:<base64>` in the key list ("index" is reserved for it).

Rotation without downtime: (1) add the new key to the list, keep the active one, roll out, so every
replica can read the new key; (2) make the new key active, roll out; (3) re-encrypt the rows whose
`needs_rotation` is true (`reencrypt`); (4) remove the old key once none is left.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pakt.platform.settings import SettingsError

KEYS_VAR = "PAKT_CASEPLAN_KEYS"
KEYS_FILE_VAR = "PAKT_CASEPLAN_KEYS_FILE"
ACTIVE_VAR = "PAKT_CASEPLAN_ACTIVE_KEY"
INDEX_VAR = "PAKT_CASEPLAN_INDEX_KEY"
INDEX_ENTRY = "index"  # reserved id of the blind-index key in a key list

KEY_ID_PATTERN = re.compile(r"[a-z0-9-]{1,32}")
KEY_BYTES = 32
FORMAT_VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
_ID_RULE = "1-32 characters a-z, 0-9 or -"


class CipherError(Exception):
    """A blob that cannot be decrypted: malformed, unknown key id, wrong context or tampered.
    The message may name the key id; it never contains plaintext, context or key material."""


@dataclass(frozen=True, repr=False, eq=False)
class Keyring:
    """Encryption keys by id, the id new writes use, and the blind-index key."""

    keys: Mapping[str, bytes]
    active_id: str
    index_key: bytes | None = None
    _index_hmac_key: bytes | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        for key_id, key in self.keys.items():
            if not _valid_id(key_id) or key_id == INDEX_ENTRY:
                raise ValueError(f"invalid key id (expected {_ID_RULE}, not {INDEX_ENTRY!r})")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} has {len(key)} bytes, expected {KEY_BYTES}")
        if self.active_id not in self.keys:
            raise ValueError(f"active key id {self.active_id!r} is not in the keyring")
        if self.index_key is not None and len(self.index_key) != KEY_BYTES:
            raise ValueError(f"index key has {len(self.index_key)} bytes, expected {KEY_BYTES}")
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))
        if self.index_key is not None:
            # A key of its own for the HMAC, even if an operator reused key material by mistake.
            hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pakt caseplan blind index v1")
            object.__setattr__(self, "_index_hmac_key", hkdf.derive(self.index_key))

    def __repr__(self) -> str:  # never the key material
        index = "set" if self.index_key is not None else "none"
        return f"Keyring(ids={list(self.keys)}, active_id={self.active_id!r}, index_key={index})"

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active_id]

    def with_active(self, key_id: str) -> Keyring:
        """The same keys with another active key (ValueError if it is not in the keyring)."""
        return Keyring(self.keys, key_id, self.index_key)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Keyring:
        """The keyring from the settings (module docstring); SettingsError names the variable."""
        keys_text, file_name = env.get(KEYS_VAR, "").strip(), env.get(KEYS_FILE_VAR, "").strip()
        if keys_text and file_name:
            raise SettingsError(f"{KEYS_VAR} and {KEYS_FILE_VAR} are both set; set only one")
        if file_name:
            path = Path(file_name)
            source = f"{KEYS_FILE_VAR} ({path})"
            keys_text = _read_keys_file(path, source)
        elif keys_text:
            source = KEYS_VAR
        else:
            raise SettingsError(
                f"{KEYS_VAR} is not set (nor {KEYS_FILE_VAR}): the case plan's personal data needs "
                "encryption keys, e.g. id:base64key of 32 random bytes (`openssl rand -base64 32`)"
            )
        keys, listed_index_key = _parse_key_list(keys_text, source)

        active_id = env.get(ACTIVE_VAR, "").strip() or next(iter(keys))
        if not _valid_id(active_id):
            raise SettingsError(f"{ACTIVE_VAR} is not a valid key id (expected {_ID_RULE})")
        if active_id not in keys:
            ids = ", ".join(keys)
            raise SettingsError(f"{ACTIVE_VAR}={active_id!r} is not among the keys in {source} (ids: {ids})")

        index_text = env.get(INDEX_VAR, "").strip()
        if index_text and listed_index_key is not None:
            raise SettingsError(f"{INDEX_VAR} is set and {source} has an {INDEX_ENTRY!r} entry; set only one")
        if index_text:
            index_key = _decode_key(index_text, f"{INDEX_VAR} is")
        elif listed_index_key is not None:
            index_key = listed_index_key
        else:
            raise SettingsError(f"{INDEX_VAR} is not set (nor an '{INDEX_ENTRY}:<base64>' entry in {source})")
        return cls(keys, active_id, index_key)

    @classmethod
    def generate_dev(cls, path: Path | str) -> Keyring:
        """For the local stack: create `path` (mode 0600) with one random encryption key and an
        index key unless it exists, and return the keyring read from it."""
        path = Path(path)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            text = f"dev-{secrets.token_hex(4)}:{_b64(secrets.token_bytes(KEY_BYTES))}\n"
            text += f"{INDEX_ENTRY}:{_b64(secrets.token_bytes(KEY_BYTES))}\n"
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created 0600
            try:
                with os.fdopen(fd, "w", encoding="ascii") as f:
                    os.fchmod(f.fileno(), 0o600)
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
                try:
                    os.link(tmp, path)  # atomic, and never replaces a file another process created
                except FileExistsError:
                    pass
            finally:
                os.unlink(tmp)
        return cls.from_env({KEYS_FILE_VAR: str(path)})


class FieldCipher:
    """Encrypts and decrypts single field values with a keyring; new ciphertexts use its active key."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self._aead: dict[str, AESGCM] = {}

    def encrypt(self, plaintext: str, context: bytes) -> bytes:
        """A new blob (fresh random nonce). "" gives an ordinary blob; None is a TypeError
        (store an absent value as NULL)."""
        if not isinstance(plaintext, str):
            raise TypeError(f"plaintext must be str, not {type(plaintext).__name__}")
        _check_context(context)
        key_id = self.keyring.active_id
        header = bytes([FORMAT_VERSION, len(key_id)]) + key_id.encode("ascii")
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead_for(key_id).encrypt(nonce, plaintext.encode("utf-8"), header + context)
        return header + nonce + sealed

    def decrypt(self, blob: bytes, context: bytes) -> str:
        """The plaintext; CipherError if the blob is malformed, its key is not in the keyring,
        the context differs from the one it was encrypted with, or it was altered."""
        _check_context(context)
        blob = bytes(blob)
        key_id, header_len = _parse_header(blob)
        if key_id not in self.keyring.keys:
            ids = ", ".join(self.keyring.keys)
            raise CipherError(f"cannot decrypt: key id {key_id!r} is not in the keyring (ids: {ids})")
        header, nonce = blob[:header_len], blob[header_len : header_len + NONCE_BYTES]
        try:
            data = self._aead_for(key_id).decrypt(nonce, blob[header_len + NONCE_BYTES :], header + context)
            return data.decode("utf-8")
        except (InvalidTag, UnicodeDecodeError):
            raise CipherError(
                f"cannot decrypt with key {key_id!r}: authentication failed "
                "(wrong context, altered ciphertext or different key material under this id)"
            ) from None

    @staticmethod
    def key_id_of(blob: bytes) -> str:
        """The id of the key a blob was encrypted with (CipherError if malformed)."""
        return _parse_header(bytes(blob))[0]

    def needs_rotation(self, blob: bytes) -> bool:
        """Whether the blob was encrypted with a key other than the active one."""
        return self.key_id_of(blob) != self.keyring.active_id

    def reencrypt(self, blob: bytes, context: bytes) -> bytes:
        """The same value encrypted with the active key (and a fresh nonce)."""
        return self.encrypt(self.decrypt(blob, context), context)

    def _aead_for(self, key_id: str) -> AESGCM:
        aead = self._aead.get(key_id)
        if aead is None:
            aead = self._aead[key_id] = AESGCM(self.keyring.keys[key_id])
        return aead


def blind_index(value: str, keyring: Keyring) -> str:
    """A keyed hash for exact-match lookups of an encrypted value without decrypting it, e.g. of
    "<family name>|<given name>|<birth date>" to find duplicates: 64 hex characters, HMAC-SHA256
    under a key derived from the index key. The value is normalised first (Unicode canonical
    caseless matching, then NFC; surrounding whitespace stripped), so "Müller " and "müller" match,
    and so do "Straße" and "strasse".

    Rotating the index key changes every index: all stored indexes must then be recomputed from
    the decrypted values, and lookups are unreliable until that has finished.
    """
    if keyring._index_hmac_key is None:
        raise ValueError("the keyring has no index key")
    normalised = unicodedata.normalize("NFC", unicodedata.normalize("NFD", value).casefold()).strip()
    return hmac.new(keyring._index_hmac_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def _valid_id(key_id: str) -> bool:
    return KEY_ID_PATTERN.fullmatch(key_id) is not None


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _decode_key(text: str, label: str) -> bytes:
    """`label` reads like "PAKT_CASEPLAN_INDEX_KEY is"; the messages never contain `text`."""
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError(f"{label} not valid base64") from None
    if len(key) != KEY_BYTES:
        raise SettingsError(f"{label} {len(key)} bytes long once decoded, expected {KEY_BYTES}")
    return key


def _read_keys_file(path: Path, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(f"{source}: no such file") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{source}: not UTF-8 text") from None
    except OSError as e:
        raise SettingsError(f"{source}: cannot read ({e.strerror})") from None


def _parse_key_list(text: str, source: str) -> tuple[dict[str, bytes], bytes | None]:
    """Encryption keys in listed order and the index key, from "id:base64" entries separated by
    commas or newlines."""
    keys: dict[str, bytes] = {}
    index_key: bytes | None = None
    entries = [e.strip() for e in re.split(r"[,\n]", text) if e.strip()]
    for number, entry in enumerate(entries, start=1):
        key_id, colon, encoded = (part.strip() for part in entry.partition(":"))
        if not colon:
            raise SettingsError(f"{source}: entry {number} is not of the form <key id>:<base64 key>")
        if not _valid_id(key_id):
            raise SettingsError(f"{source}: entry {number} has an invalid key id (expected {_ID_RULE})")
        if key_id in keys or (key_id == INDEX_ENTRY and index_key is not None):
            raise SettingsError(f"{source}: key id {key_id!r} is listed twice")
        key = _decode_key(encoded, f"{source}: key {key_id!r} is")
        if key_id == INDEX_ENTRY:
            index_key = key
        else:
            keys[key_id] = key
    if not keys:
        raise SettingsError(f"{source} lists no encryption keys (expected <key id>:<base64 key>, ...)")
    return keys, index_key


def _check_context(context: bytes) -> None:
    if not isinstance(context, bytes):
        raise TypeError(f"context must be bytes, not {type(context).__name__}")
    if not context:
        raise ValueError("context must not be empty: it binds the ciphertext to its row and field")


def _parse_header(blob: bytes) -> tuple[str, int]:
    """The key id and the length of the header (version, id length, id)."""
    if len(blob) < 2:
        raise CipherError("malformed ciphertext: too short")
    if blob[0] != FORMAT_VERSION:
        raise CipherError(f"unsupported ciphertext format version {blob[0]}")
    header_len = 2 + blob[1]
    try:
        key_id = blob[2:header_len].decode("ascii")
    except UnicodeDecodeError:
        key_id = ""
    if not _valid_id(key_id) or len(key_id) != blob[1]:
        raise CipherError("malformed ciphertext: invalid key id")
    if len(blob) < header_len + NONCE_BYTES + TAG_BYTES:
        raise CipherError(f"malformed ciphertext (key id {key_id!r}): truncated")
    return key_id, header_len


# --- envelope encryption: each plan's own data key, wrapped by the master key --------------------

PLAN_KEY_ID = "plan"  # the key id in ciphertexts made with a plan's own data key


def context(table: str, row_id: str, field: str) -> bytes:
    """Associated data binding a ciphertext to its row and field: it cannot be moved unnoticed."""
    return f"{table}:{row_id}:{field}".encode()


def new_data_key(master: FieldCipher, plan_id: str) -> bytes:
    """A new data key for a plan, wrapped by the master key: only this is stored, so deleting it
    erases every ciphertext made with the key (crypto-shredding)."""
    dek = base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()
    return master.encrypt(dek, context("datenschluessel", plan_id, "dek"))


def plan_cipher(master: FieldCipher, wrapped: bytes, plan_id: str) -> FieldCipher:
    """The cipher of a plan's fields, from its wrapped data key."""
    dek = base64.b64decode(master.decrypt(wrapped, context("datenschluessel", plan_id, "dek")))
    return FieldCipher(Keyring(keys={PLAN_KEY_ID: dek}, active_id=PLAN_KEY_ID))


def rewrap_data_key(master: FieldCipher, wrapped: bytes, plan_id: str) -> bytes:
    """The same data key wrapped by the active master key (key rotation)."""
    return master.reencrypt(wrapped, context("datenschluessel", plan_id, "dek"))
