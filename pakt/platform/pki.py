"""The local development CA: a CA, a server certificate for localhost and client certificates on
demand, under <data dir>/pki. Only for the local stack and tests; production uses its own PKI
(e.g. cert-manager) and mounts the files named by PAKT_TLS_*.

Several processes (services, CLI, dashboard, demo) may ask for certificates at the same time: all
issuing happens under an exclusive lock on a file in the directory, and every file is written to a
temporary file and renamed into place, so nobody reads half a key.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import ipaddress
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pakt.platform.auth import identity_uri
from pakt.platform.tls import TlsFiles

CA_DAYS = 3650
LEAF_DAYS = 825
# Reissue a leaf certificate this long before it expires (rotation is reissuing).
RENEW_BEFORE = dt.timedelta(days=30)
# Tolerate clocks of other processes or machines that are slightly behind.
BACKDATE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class DevPki:
    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca-key.pem"

    @property
    def server(self) -> TlsFiles:
        return TlsFiles(self.ca_cert, self.directory / "server.pem", self.directory / "server-key.pem")

    def client(self, identity: str) -> TlsFiles:
        """The client certificate for an identity ("08111000", "rp", "rp:dashboard"), issued on first use."""
        uri = identity_uri(identity)
        name = uri.removeprefix("urn:pakt:").replace(":", "-")
        clients = self.directory / "clients"
        files = TlsFiles(self.ca_cert, clients / f"{name}.pem", clients / f"{name}-key.pem")
        with _locked(self.directory):
            clients.mkdir(mode=0o700, exist_ok=True)
            ca_cert, ca_key = self._ca()
            if not _usable(files, ca_cert):
                _issue(
                    files,
                    ca_cert,
                    ca_key,
                    subject=identity,
                    san=[x509.UniformResourceIdentifier(uri)],
                    usage=ExtendedKeyUsageOID.CLIENT_AUTH,
                )
        return files

    def _ca(self) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        ca_key = serialization.load_pem_private_key(self.ca_key.read_bytes(), password=None)
        return x509.load_pem_x509_certificate(self.ca_cert.read_bytes()), ca_key


def ensure_dev_pki(pki_dir: Path) -> DevPki:
    """Create what is missing (or expiring) of the CA and the server certificate; idempotent."""
    pki = DevPki(pki_dir)
    pki_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    pki_dir.chmod(0o700)
    with _locked(pki_dir):
        if not (pki.ca_cert.exists() and pki.ca_key.exists()):
            _create_ca(pki)
        ca_cert, ca_key = pki._ca()
        if not _usable(pki.server, ca_cert):
            _issue(
                pki.server,
                ca_cert,
                ca_key,
                subject="localhost",
                san=[
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ],
                usage=ExtendedKeyUsageOID.SERVER_AUTH,
            )
    return pki


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _create_ca(pki: DevPki) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pakt local development CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(pki.ca_key, _key_pem(key), 0o600)
    _write(pki.ca_cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _usable(files: TlsFiles, ca_cert: x509.Certificate) -> bool:
    """A leaf certificate can stay if it exists, was issued by this CA and is not about to expire."""
    if not (files.cert.exists() and files.key.exists()):
        return False
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return cert.not_valid_after_utc - RENEW_BEFORE > dt.datetime.now(dt.UTC)


def _issue(
    files: TlsFiles,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    subject: str,
    san: list[x509.GeneralName],
    usage: x509.ObjectIdentifier,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=LEAF_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(files.key, _key_pem(key), 0o600)
    _write(files.cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
