"""Whom the CLI and dashboard call as, the tokens they send, and the German messages when that
cannot work."""

from __future__ import annotations

import time

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from pakt.platform.auth import Credential
from pakt.platform.client import CallFailed, acting_as, channel, describe
from pakt.platform.pki import ensure_dev_pki


@pytest.fixture(autouse=True)
def _no_client_certificate(monkeypatch, tmp_path):
    for name in ["PAKT_CLIENT_CERT", "PAKT_CLIENT_KEY", "PAKT_TLS_CA"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKT_DATA_DIR", str(tmp_path))


def test_explicit_identity_wins(monkeypatch):
    monkeypatch.setenv("PAKT_CLIENT_CERT", "/etc/pakt/client.pem")
    assert acting_as("08111000", "rp") == "08111000"


def test_a_configured_certificate_says_who_we_are(monkeypatch):
    monkeypatch.setenv("PAKT_CLIENT_CERT", "/etc/pakt/client.pem")
    assert acting_as(None, "rp") is None


def test_otherwise_the_default_identity():
    assert acting_as(None, "rp") == "rp"


def test_identity_gets_its_certificate_from_the_local_ca(tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    with channel("127.0.0.1:1", "08111000") as ch:
        assert isinstance(ch, grpc.Channel)
    assert (pki.directory / "clients" / "kommune-08111000.pem").is_file()


def test_missing_ca_certificate():
    with pytest.raises(CallFailed, match="CA-Zertifikat .* fehlt \\(PAKT_TLS_CA\\)"):
        channel("127.0.0.1:1", "rp")


def test_identity_needs_the_local_ca(tmp_path):
    # A CA certificate without its key: the servers' CA, but not one we can issue from.
    pki = ensure_dev_pki(tmp_path / "pki")
    pki.ca_key.unlink()
    with pytest.raises(CallFailed, match="lokale Entwicklungs-CA fehlt"):
        channel("127.0.0.1:1", "rp")


def test_invalid_identity_is_a_german_message(tmp_path):
    ensure_dev_pki(tmp_path / "pki")
    with pytest.raises(CallFailed, match="„0811100“ ist weder ein AGS"):
        channel("127.0.0.1:1", "0811100")


def test_client_certificate_and_key_go_together(monkeypatch, tmp_path):
    ensure_dev_pki(tmp_path / "pki")
    monkeypatch.setenv("PAKT_CLIENT_CERT", str(tmp_path / "client.pem"))
    with pytest.raises(CallFailed, match="PAKT_CLIENT_CERT und PAKT_CLIENT_KEY gehören zusammen"):
        channel("127.0.0.1:1", None)


def test_unreadable_client_certificate(monkeypatch, tmp_path):
    ensure_dev_pki(tmp_path / "pki")
    monkeypatch.setenv("PAKT_CLIENT_CERT", str(tmp_path / "client.pem"))
    monkeypatch.setenv("PAKT_CLIENT_KEY", str(tmp_path / "client-key.pem"))
    with pytest.raises(CallFailed, match="client.pem nicht lesbar"):
        channel("127.0.0.1:1", None)


def _configure(monkeypatch, cert, key) -> None:
    monkeypatch.setenv("PAKT_CLIENT_CERT", str(cert))
    monkeypatch.setenv("PAKT_CLIENT_KEY", str(key))


def test_configured_certificate_is_used(monkeypatch, tmp_path):
    client = ensure_dev_pki(tmp_path / "pki").client("08111000")
    _configure(monkeypatch, client.cert, client.key)
    with channel("127.0.0.1:1", None) as ch:
        assert isinstance(ch, grpc.Channel)


def test_key_must_belong_to_the_certificate(monkeypatch, tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    _configure(monkeypatch, pki.client("08111000").cert, pki.client("rp").key)
    with pytest.raises(CallFailed, match="rp-operator-key.pem gehört nicht zum Zertifikat"):
        channel("127.0.0.1:1", None)


def test_key_must_be_p256(monkeypatch, tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    key = tmp_path / "p384-key.pem"
    key.write_bytes(
        ec.generate_private_key(ec.SECP384R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    _configure(monkeypatch, pki.client("08111000").cert, key)
    with pytest.raises(CallFailed, match="kein EC-Schlüssel auf P-256"):
        channel("127.0.0.1:1", None)


def test_certificate_must_name_an_identity(monkeypatch, tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    _configure(monkeypatch, pki.server.cert, pki.server.key)
    with pytest.raises(CallFailed, match="server.pem nennt keine Identität"):
        channel("127.0.0.1:1", None)


def test_one_token_per_service_reused_until_shortly_before_it_expires(tmp_path):
    client = ensure_dev_pki(tmp_path / "pki").client("rp:dashboard")
    credential = Credential.from_files(client.cert, client.key)

    reporting = credential.token("pakt.reporting.v1.ReportingService")
    assert credential.token("pakt.reporting.v1.ReportingService") == reporting
    antrag = credential.token("pakt.antrag.v1.AntragService")
    assert antrag != reporting

    claims = jwt.decode(antrag, options={"verify_signature": False})
    assert claims["sub"] == "urn:pakt:rp:dashboard"
    assert claims["aud"] == "pakt.antrag.v1.AntragService"
    assert abs(claims["iat"] - time.time()) < 5
    assert claims["exp"] - claims["iat"] == 300


class _Failed(grpc.RpcError):
    """A failed call as a client sees it: code, message and trailers."""

    def __init__(self, code: grpc.StatusCode, details: str, status: status_pb2.Status | None = None) -> None:
        self._code, self._details = code, details
        self._trailers = (("grpc-status-details-bin", status.SerializeToString()),) if status is not None else ()

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self):
        return self._trailers


def _invalid(*violations: tuple[str, str]) -> status_pb2.Status:
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=f"{len(violations)} Angaben sind ungültig; …")
    status.details.add().Pack(
        error_details_pb2.BadRequest(
            field_violations=[error_details_pb2.BadRequest.FieldViolation(field=f, description=d) for f, d in violations]
        )
    )
    return status


def test_violations_are_listed_one_per_line_and_the_count_of_the_rest_without_a_field():
    status = _invalid(("stellen[0].qualifikation", "fehlt"), ("", "… und 70 weitere ungültige Angaben"))
    message = describe(_Failed(grpc.StatusCode.INVALID_ARGUMENT, status.message, status), "127.0.0.1:1")
    assert message == (
        "Ungültige Eingabe: 2 Angaben sind ungültig; …\n"
        "  stellen[0].qualifikation: fehlt\n"
        "  … und 70 weitere ungültige Angaben"
    )


def test_details_that_do_not_fit_the_call_give_its_code_and_message_instead_of_a_crash():
    """grpc_status raises ValueError when the details' code is not the call's, e.g. when the client
    refused the trailers as too large."""
    err = _Failed(grpc.StatusCode.RESOURCE_EXHAUSTED, "received metadata size exceeds hard limit", _invalid(("a", "b")))
    with pytest.raises(ValueError):
        rpc_status.from_call(err)
    assert describe(err, "127.0.0.1:1") == (
        "Grenze überschritten (RESOURCE_EXHAUSTED): received metadata size exceeds hard limit"
    )


def test_a_code_without_german_label_is_still_named():
    assert describe(_Failed(grpc.StatusCode.ABORTED, ""), "127.0.0.1:1") == "Fehler (ABORTED): ohne Meldung"
