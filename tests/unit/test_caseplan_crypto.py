"""Field-level encryption of the case plan's personal data; every test passes its own env dict."""

from __future__ import annotations

import base64
import stat

import pytest

from pakt.platform.settings import SettingsError
from services.caseplan.crypto import CipherError, FieldCipher, Keyring, blind_index

K1, K2, INDEX, INDEX2 = (bytes([n]) * 32 for n in (1, 2, 3, 4))
CONTEXT = b"person:0b1d4c0e-5a43-4c1e-9a57-2f3b3c1d9e10:name"


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def keyring(active: str = "k1", index: bytes = INDEX) -> Keyring:
    return Keyring({"k1": K1, "k2": K2}, active, index)


def env(**extra: str) -> dict[str, str]:
    return {"PAKT_CASEPLAN_KEYS": f"k1:{b64(K1)},k2:{b64(K2)}", "PAKT_CASEPLAN_INDEX_KEY": b64(INDEX), **extra}


@pytest.mark.parametrize("value", ["Anna Müller", "", "Łukasz Żółć 🙂", "x" * 10_000])
def test_round_trip(value):
    cipher = FieldCipher(keyring())
    blob = cipher.encrypt(value, CONTEXT)
    assert isinstance(blob, bytes)
    assert cipher.decrypt(blob, CONTEXT) == value
    assert cipher.key_id_of(blob) == "k1"


def test_format_is_version_key_id_nonce_ciphertext_and_tag():
    blob = FieldCipher(keyring()).encrypt("Anna", CONTEXT)
    assert blob[:4] == b"\x01\x02k1"
    assert len(blob) == 4 + 12 + len("Anna") + 16


def test_empty_string_is_an_ordinary_blob():
    blob = FieldCipher(keyring()).encrypt("", CONTEXT)
    assert len(blob) == 4 + 12 + 16


def test_the_same_value_encrypts_differently_every_time():
    cipher = FieldCipher(keyring())
    blobs = {cipher.encrypt("Anna Müller", CONTEXT) for _ in range(100)}
    assert len(blobs) == 100
    assert len({blob[4:16] for blob in blobs}) == 100  # the nonces


@pytest.mark.parametrize("value", ["Anna Mueller", "Jürgen Größmann", "Ölçü Ağaoğlu"])
def test_the_ciphertext_does_not_contain_the_plaintext(value):
    blob = FieldCipher(keyring()).encrypt(value, CONTEXT)
    for encoding in ["utf-8", "utf-16-le", "latin-1"]:
        try:
            encoded = value.encode(encoding)
        except UnicodeEncodeError:
            continue
        assert encoded not in blob
    for word in value.split():
        assert word.encode("utf-8") not in blob


def test_a_different_context_fails():
    cipher = FieldCipher(keyring())
    blob = cipher.encrypt("Anna Müller", CONTEXT)
    with pytest.raises(CipherError) as raised:
        cipher.decrypt(blob, b"person:someone-else:name")
    assert "k1" in str(raised.value) and "Anna" not in str(raised.value)


def test_every_altered_byte_fails():
    cipher = FieldCipher(keyring())
    blob = cipher.encrypt("Anna", CONTEXT)
    for position in range(len(blob)):
        altered = bytearray(blob)
        altered[position] ^= 0x01
        with pytest.raises(CipherError):
            cipher.decrypt(bytes(altered), CONTEXT)


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x01",
        b"\x02\x02k1" + bytes(28),  # unknown format version
        b"\x01\x02k1" + bytes(27),  # truncated
        b"\x01\x02K1" + bytes(28),  # invalid key id
        b"\x01\x00" + bytes(28),  # empty key id
    ],
)
def test_malformed_blobs_fail(blob):
    with pytest.raises(CipherError):
        FieldCipher(keyring()).decrypt(blob, CONTEXT)


def test_a_relabelled_key_id_fails_even_with_the_right_key():
    # Both ids hold the same key: the header is authenticated, so relabelling is detected.
    blob = FieldCipher(Keyring({"k1": K1, "k9": K1}, "k1")).encrypt("Anna", CONTEXT)
    with pytest.raises(CipherError):
        FieldCipher(Keyring({"k1": K1, "k9": K1}, "k1")).decrypt(b"\x01\x02k9" + blob[4:], CONTEXT)


def test_an_unknown_key_id_is_named():
    blob = FieldCipher(Keyring({"k2025": K1}, "k2025")).encrypt("Anna Müller", CONTEXT)
    with pytest.raises(CipherError) as raised:
        FieldCipher(keyring()).decrypt(blob, CONTEXT)
    message = str(raised.value)
    assert "k2025" in message and "Anna" not in message and "Müller" not in message


def test_the_same_id_with_other_key_material_fails():
    blob = FieldCipher(Keyring({"k1": K2}, "k1")).encrypt("Anna", CONTEXT)
    with pytest.raises(CipherError, match="k1"):
        FieldCipher(keyring()).decrypt(blob, CONTEXT)


def test_rotation_to_a_new_active_key():
    old = FieldCipher(Keyring({"k1": K1}, "k1"))
    blob = old.encrypt("Anna Müller", CONTEXT)
    assert not old.needs_rotation(blob)

    rotating = FieldCipher(keyring(active="k2"))  # both keys, the new one active
    assert rotating.decrypt(blob, CONTEXT) == "Anna Müller"  # old data stays readable
    assert rotating.needs_rotation(blob)
    rotated = rotating.reencrypt(blob, CONTEXT)
    assert rotating.key_id_of(rotated) == "k2"
    assert not rotating.needs_rotation(rotated)
    assert rotating.decrypt(rotated, CONTEXT) == "Anna Müller"
    assert rotating.key_id_of(rotating.encrypt("neu", CONTEXT)) == "k2"  # new writes use the active key

    after = FieldCipher(Keyring({"k2": K2}, "k2"))  # the old key removed
    assert after.decrypt(rotated, CONTEXT) == "Anna Müller"
    with pytest.raises(CipherError, match="k1"):
        after.decrypt(blob, CONTEXT)


def test_reencrypt_checks_the_context():
    blob = FieldCipher(keyring()).encrypt("Anna", CONTEXT)
    with pytest.raises(CipherError):
        FieldCipher(keyring(active="k2")).reencrypt(blob, b"person:other:name")


def test_with_active():
    ring = keyring().with_active("k2")
    assert ring.active_id == "k2" and ring.active_key == K2 and ring.index_key == INDEX
    with pytest.raises(ValueError):
        ring.with_active("k3")


def test_arguments_are_checked():
    cipher = FieldCipher(keyring())
    with pytest.raises(TypeError):
        cipher.encrypt(None, CONTEXT)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cipher.encrypt("Anna", "person:x:name")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        cipher.encrypt("Anna", b"")


def test_the_repr_shows_no_key_material():
    text = repr(keyring())
    assert "k1" in text and "k2" in text
    for key in (K1, K2, INDEX):
        assert b64(key) not in text and repr(key) not in text


# --- settings --------------------------------------------------------------------------------


def test_keys_from_the_environment():
    ring = Keyring.from_env(env())
    assert dict(ring.keys) == {"k1": K1, "k2": K2}
    assert ring.active_id == "k1"  # the first listed
    assert ring.index_key == INDEX


def test_the_active_key_from_the_environment():
    assert Keyring.from_env(env(PAKT_CASEPLAN_ACTIVE_KEY="k2")).active_id == "k2"


def test_the_index_key_may_be_an_entry_of_the_list():
    ring = Keyring.from_env({"PAKT_CASEPLAN_KEYS": f"k1:{b64(K1)},index:{b64(INDEX)}"})
    assert dict(ring.keys) == {"k1": K1} and ring.index_key == INDEX


def test_keys_from_a_file(tmp_path):
    path = tmp_path / "caseplan-keys"
    path.write_text(f"  k2026a:{b64(K2)}\n\nk2025: {b64(K1)} ,\nindex:{b64(INDEX)}\n")
    ring = Keyring.from_env({"PAKT_CASEPLAN_KEYS_FILE": str(path)})
    assert dict(ring.keys) == {"k2026a": K2, "k2025": K1}
    assert ring.active_id == "k2026a" and ring.index_key == INDEX


SECRETS = [b64(K1), b64(K2), b64(INDEX), b64(bytes(16)), b64(bytes(33)), "AAAA!!notbase64", "c2VjcmV0"]


IDX = {"PAKT_CASEPLAN_INDEX_KEY": b64(INDEX)}


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        ({}, "PAKT_CASEPLAN_KEYS"),
        ({"PAKT_CASEPLAN_KEYS": "", **IDX}, "PAKT_CASEPLAN_KEYS"),
        ({"PAKT_CASEPLAN_KEYS": " , ,", **IDX}, "PAKT_CASEPLAN_KEYS"),
        ({"PAKT_CASEPLAN_KEYS": "k1:AAAA!!notbase64", **IDX}, "PAKT_CASEPLAN_KEYS"),
        ({"PAKT_CASEPLAN_KEYS": f"k1:{b64(bytes(16))}", **IDX}, "PAKT_CASEPLAN_KEYS"),
        ({"PAKT_CASEPLAN_KEYS": f"k1:{b64(bytes(33))}", **IDX}, "PAKT_CASEPLAN_KEYS"),
        ({"PAKT_CASEPLAN_KEYS": f"k1:{b64(K1)},k1:{b64(K2)}", **IDX}, "PAKT_CASEPLAN_KEYS"),
        ({"PAKT_CASEPLAN_KEYS": b64(K1), **IDX}, "PAKT_CASEPLAN_KEYS"),  # the id forgotten
        ({"PAKT_CASEPLAN_KEYS": f"{b64(K1)}:k1", **IDX}, "PAKT_CASEPLAN_KEYS"),  # the wrong way round
        ({"PAKT_CASEPLAN_KEYS": f"K1:{b64(K1)}", **IDX}, "PAKT_CASEPLAN_KEYS"),
        ({"PAKT_CASEPLAN_KEYS": f"{'k' * 33}:{b64(K1)}", **IDX}, "PAKT_CASEPLAN_KEYS"),
        ({"PAKT_CASEPLAN_KEYS": f"index:{b64(INDEX)}"}, "PAKT_CASEPLAN_KEYS"),  # no encryption key
        ({"PAKT_CASEPLAN_KEYS": f"k1:{b64(K1)},index:{b64(INDEX)},index:{b64(INDEX2)}"}, "PAKT_CASEPLAN_KEYS"),
        (env(PAKT_CASEPLAN_ACTIVE_KEY="k3"), "PAKT_CASEPLAN_ACTIVE_KEY"),
        (env(PAKT_CASEPLAN_ACTIVE_KEY="index"), "PAKT_CASEPLAN_ACTIVE_KEY"),
        (env(PAKT_CASEPLAN_ACTIVE_KEY=b64(K1)), "PAKT_CASEPLAN_ACTIVE_KEY"),  # a key pasted for the id
        (env(PAKT_CASEPLAN_INDEX_KEY=""), "PAKT_CASEPLAN_INDEX_KEY"),
        (env(PAKT_CASEPLAN_INDEX_KEY="c2VjcmV0"), "PAKT_CASEPLAN_INDEX_KEY"),  # too short
        (env(PAKT_CASEPLAN_INDEX_KEY="AAAA!!notbase64"), "PAKT_CASEPLAN_INDEX_KEY"),
        ({"PAKT_CASEPLAN_KEYS": f"k1:{b64(K1)},index:{b64(INDEX)}", **IDX}, "PAKT_CASEPLAN_INDEX_KEY"),  # twice
        ({"PAKT_CASEPLAN_KEYS_FILE": "/nonexistent/caseplan-keys", **IDX}, "PAKT_CASEPLAN_KEYS_FILE"),
    ],
)
def test_bad_settings_name_the_variable_and_no_key_material(settings, variable):
    with pytest.raises(SettingsError) as raised:
        Keyring.from_env(settings)
    message = str(raised.value)
    assert variable in message
    for secret in SECRETS:
        assert secret not in message


@pytest.mark.parametrize("content", ["", "\n\n", "k1:AAAA", f"k1:{b64(K1)}\nk1:{b64(K2)}", b64(K1)])
def test_bad_key_files_name_the_variable_and_no_key_material(tmp_path, content):
    path = tmp_path / "keys"
    path.write_text(content)
    with pytest.raises(SettingsError) as raised:
        Keyring.from_env({"PAKT_CASEPLAN_KEYS_FILE": str(path), "PAKT_CASEPLAN_INDEX_KEY": b64(INDEX)})
    message = str(raised.value)
    assert "PAKT_CASEPLAN_KEYS_FILE" in message and str(path) in message
    for secret in [*SECRETS, "AAAA"]:
        assert secret not in message


def test_a_missing_index_key_is_named():
    with pytest.raises(SettingsError, match="PAKT_CASEPLAN_INDEX_KEY"):
        Keyring.from_env({"PAKT_CASEPLAN_KEYS": f"k1:{b64(K1)}"})


def test_keys_and_keys_file_together_are_refused(tmp_path):
    path = tmp_path / "keys"
    path.write_text(f"k1:{b64(K1)}")
    with pytest.raises(SettingsError) as raised:
        Keyring.from_env(env(PAKT_CASEPLAN_KEYS_FILE=str(path)))
    assert str(raised.value) == "PAKT_CASEPLAN_KEYS and PAKT_CASEPLAN_KEYS_FILE are both set; set only one"


# --- the local stack's keys ------------------------------------------------------------------


def test_generate_dev_creates_a_private_key_file_once(tmp_path):
    path = tmp_path / "data" / "caseplan-keys"
    ring = Keyring.generate_dev(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(ring.keys) == 1 and ring.active_id in ring.keys and ring.index_key is not None
    assert ring.index_key != ring.active_key
    content = path.read_text()
    assert content.startswith(f"{ring.active_id}:") and "\nindex:" in content

    again = Keyring.generate_dev(path)
    assert path.read_text() == content
    assert dict(again.keys) == dict(ring.keys) and again.index_key == ring.index_key
    assert [p.name for p in path.parent.iterdir()] == ["caseplan-keys"]  # no temporary file left

    same = Keyring.from_env({"PAKT_CASEPLAN_KEYS_FILE": str(path)})  # what the local stack does
    blob = FieldCipher(ring).encrypt("Anna", CONTEXT)
    assert FieldCipher(same).decrypt(blob, CONTEXT) == "Anna"


def test_generate_dev_keeps_an_existing_file(tmp_path):
    path = tmp_path / "caseplan-keys"
    path.write_text(f"mine:{b64(K1)}\nindex:{b64(INDEX)}\n")
    ring = Keyring.generate_dev(path)
    assert dict(ring.keys) == {"mine": K1}


def test_generated_keys_differ(tmp_path):
    a = Keyring.generate_dev(tmp_path / "a")
    b = Keyring.generate_dev(tmp_path / "b")
    assert a.active_key != b.active_key and a.index_key != b.index_key


# --- blind index -----------------------------------------------------------------------------


def test_the_blind_index_ignores_case_surrounding_space_and_unicode_form():
    ring = keyring()
    index = blind_index("müller", ring)
    assert len(index) == 64 and int(index, 16) >= 0
    assert blind_index("Müller ", ring) == index
    assert blind_index("  MÜLLER\n", ring) == index
    assert blind_index("mu\u0308ller", ring) == index  # decomposed ü
    assert blind_index("Mueller", ring) != index
    assert blind_index("Muller", ring) != index
    assert blind_index("Straße", ring) == blind_index("STRASSE", ring)


def test_the_blind_index_depends_on_the_index_key_only():
    assert blind_index("müller", keyring(index=INDEX)) != blind_index("müller", keyring(index=INDEX2))
    assert blind_index("müller", keyring(active="k1")) == blind_index("müller", keyring(active="k2"))
    assert blind_index("müller", keyring()) != blind_index("müller", Keyring({"k1": K1}, "k1", K1))


def test_the_blind_index_needs_an_index_key():
    with pytest.raises(ValueError):
        blind_index("müller", Keyring({"k1": K1}, "k1"))
