"""The local development CA: what it issues, that it issues it once, and that concurrent callers agree."""

from __future__ import annotations

import ipaddress
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from pakt.platform.auth import Principal, identity_of, principal_from_uri
from pakt.platform.pki import ensure_dev_pki
from pakt.platform.tls import TlsFiles


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _key_matches(files: TlsFiles) -> bool:
    key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(serialization.Encoding.PEM, public) == _cert(files.cert).public_key().public_bytes(
        serialization.Encoding.PEM, public
    )


def test_creates_a_ca_and_a_server_certificate_for_localhost(tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")

    ca = _cert(pki.ca_cert)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert 3649 <= (ca.not_valid_after_utc - ca.not_valid_before_utc).days <= 3651
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey) and ca.public_key().curve.name == "secp256r1"
    assert isinstance(ca.signature_hash_algorithm, hashes.SHA256)

    server = _cert(pki.server.cert)
    server.verify_directly_issued_by(ca)
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert set(san.get_values_for_type(x509.IPAddress)) == {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    assert list(server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert 824 <= (server.not_valid_after_utc - server.not_valid_before_utc).days <= 826
    assert _key_matches(pki.server)


def test_keys_are_private_to_the_owner(tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    client = pki.client("08111000")
    assert _mode(pki.directory) == 0o700
    assert _mode(pki.directory / "clients") == 0o700
    assert {_mode(p) for p in [pki.ca_key, pki.server.key, client.key]} == {0o600}


def test_second_call_changes_nothing(tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    client = pki.client("rp:dashboard")
    paths = [pki.ca_cert, pki.ca_key, pki.server.cert, pki.server.key, client.cert, client.key]
    before = [p.read_bytes() for p in paths]

    again = ensure_dev_pki(tmp_path / "pki")
    assert again.client("rp:dashboard") == client
    assert [p.read_bytes() for p in paths] == before


@pytest.mark.parametrize(
    ("identity", "uri", "principal"),
    [
        ("08111000", "urn:pakt:kommune:08111000", Principal(ags="08111000")),
        ("08115", "urn:pakt:kommune:08115", Principal(ags="08115")),
        ("rp", "urn:pakt:rp:operator", Principal(operator="operator")),
        ("rp:dashboard", "urn:pakt:rp:dashboard", Principal(operator="dashboard")),
    ],
)
def test_client_certificate_names_the_identity_as_its_only_san(tmp_path, identity, uri, principal):
    pki = ensure_dev_pki(tmp_path / "pki")
    files = pki.client(identity)

    cert = _cert(files.cert)
    cert.verify_directly_issued_by(_cert(pki.ca_cert))
    assert list(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value) == [
        x509.UniformResourceIdentifier(uri)
    ]
    assert cert.subject.rfc4514_string() == f"CN={identity}"
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert files.cert.parent == pki.directory / "clients"
    assert _key_matches(files)
    assert identity_of(cert) == uri
    assert principal_from_uri(uri) == principal


@pytest.mark.parametrize("identity", ["0811100", "", "RP", "rp:", "rp:../x", "kommune:08111000"])
def test_invalid_identity_is_refused_and_nothing_issued(tmp_path, identity):
    pki = ensure_dev_pki(tmp_path / "pki")
    with pytest.raises(ValueError, match="ist weder ein AGS"):
        pki.client(identity)
    assert not (pki.directory / "clients").exists()


def test_a_new_ca_reissues_the_certificates_of_the_old_one(tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    old_client = pki.client("08111000").cert.read_bytes()
    pki.ca_key.unlink()

    ensure_dev_pki(tmp_path / "pki")
    ca = _cert(pki.ca_cert)
    _cert(pki.server.cert).verify_directly_issued_by(ca)
    client = pki.client("08111000")
    assert client.cert.read_bytes() != old_client
    _cert(client.cert).verify_directly_issued_by(ca)


def test_processes_starting_together_share_one_ca(tmp_path):
    script = (
        "import sys; from pathlib import Path; from pakt.platform.pki import ensure_dev_pki; "
        "pki = ensure_dev_pki(Path(sys.argv[1])); pki.client('08111000'); print(pki.ca_cert.read_text())"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "pki")], stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(set(outputs)) == 1
    pki = ensure_dev_pki(tmp_path / "pki")
    assert _key_matches(pki.server) and _key_matches(pki.client("08111000"))
    assert not [p for p in pki.directory.rglob(".*") if p.name != ".lock"]  # no temporary files left
