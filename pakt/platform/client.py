"""gRPC calls from the CLI and the dashboard over TLS, with errors turned into German messages.

Whom a call acts as: an identity ("08111000", "rp", "rp:dashboard") gets its client certificate
from the local development CA under <data dir>/pki; without one, PAKT_CLIENT_CERT and
PAKT_CLIENT_KEY name a certificate of a real PKI. Every call carries a token signed with that
certificate's key (pakt.platform.auth). The server is verified against PAKT_TLS_CA.
"""

from __future__ import annotations

import os
from pathlib import Path

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from pakt.platform.auth import identity_uri
from pakt.platform.pki import ensure_dev_pki
from pakt.platform.settings import TlsSettings, data_dir
from pakt.platform.tls import TlsFiles, channel_credentials

CALL_TIMEOUT_S = 10.0


class CallFailed(Exception):
    """A failed call, with a message meant for the person at the terminal."""


def acting_as(explicit: str | None, default: str | None) -> str | None:
    """The identity to call as: the explicit one; else none where PAKT_CLIENT_CERT names a
    certificate (it then says who we are); else the default, issued by the local CA."""
    if explicit:
        return explicit
    if os.environ.get("PAKT_CLIENT_CERT"):
        return None
    return default


def channel(target: str, identity: str | None) -> grpc.Channel:
    ca_cert = TlsSettings.from_env().ca_cert
    if not ca_cert.is_file():
        raise CallFailed(f"CA-Zertifikat {ca_cert} fehlt (PAKT_TLS_CA). Läuft das System (make run)?")
    client = _client_files(ca_cert, identity)
    try:
        credentials = channel_credentials(ca_cert, client)
    except OSError as exc:
        raise CallFailed(f"Zertifikatsdatei {exc.filename} nicht lesbar: {exc.strerror}") from None
    except ValueError as exc:
        raise CallFailed(str(exc)) from None
    return grpc.secure_channel(target, credentials)


def _client_files(ca_cert: Path, identity: str | None) -> TlsFiles | None:
    if identity is not None:
        try:
            identity_uri(identity)
        except ValueError as exc:
            raise CallFailed(str(exc)) from None
        pki_dir = data_dir() / "pki"
        if not (pki_dir / "ca-key.pem").is_file():
            raise CallFailed(
                f"Die lokale Entwicklungs-CA fehlt ({pki_dir}): erst das System starten (make run), "
                "oder PAKT_CLIENT_CERT und PAKT_CLIENT_KEY auf ein Client-Zertifikat setzen."
            )
        return ensure_dev_pki(pki_dir).client(identity)
    cert, key = os.environ.get("PAKT_CLIENT_CERT"), os.environ.get("PAKT_CLIENT_KEY")
    if cert and key:
        return TlsFiles(ca_cert, Path(cert), Path(key))
    if cert or key:
        raise CallFailed("PAKT_CLIENT_CERT und PAKT_CLIENT_KEY gehören zusammen: beide setzen oder keine.")
    return None


def describe(err: grpc.RpcError, target: str) -> str:
    code = err.code()
    if code == grpc.StatusCode.UNAVAILABLE:
        # grpc reports a server certificate we do not trust only in the text.
        if "handshake failed" in (err.details() or "").lower():
            return (
                f"Zertifikat des Dienstes unter {target} nicht anerkannt: nicht von der CA in PAKT_TLS_CA "
                "oder nicht für diesen Namen ausgestellt."
            )
        return f"Dienst unter {target} nicht erreichbar. Läuft das System (make run)?"
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return (
            f"Nicht angemeldet: {err.details()}\n"
            "Anmelden mit --as <AGS|rp|rp:kennung> oder PAKT_CLIENT_CERT/PAKT_CLIENT_KEY (Zertifikat der Plattform-CA)."
        )
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return f"Dienst unter {target} antwortet nicht rechtzeitig."
    lines = [
        f"  {v.field}: {v.description}" if v.field else f"  {v.description}" for v in _field_violations(err)
    ]
    if lines:
        return f"Ungültige Eingabe: {err.details()}\n" + "\n".join(lines)
    labels = {
        grpc.StatusCode.NOT_FOUND: "Nicht gefunden",
        grpc.StatusCode.INVALID_ARGUMENT: "Ungültige Eingabe",
        grpc.StatusCode.FAILED_PRECONDITION: "Nicht möglich",
        grpc.StatusCode.PERMISSION_DENIED: "Keine Berechtigung",
        grpc.StatusCode.RESOURCE_EXHAUSTED: "Grenze überschritten",
        grpc.StatusCode.INTERNAL: "Interner Fehler des Dienstes",
        grpc.StatusCode.UNKNOWN: "Unbekannter Fehler des Dienstes",
    }
    label = labels.get(code, "Fehler")
    return f"{label} ({code.name}): {err.details() or 'ohne Meldung'}"


def _field_violations(err: grpc.RpcError) -> list[error_details_pb2.BadRequest.FieldViolation]:
    """The google.rpc.BadRequest violations of a failed call; none if its details are missing or do
    not fit the call (grpc_status raises ValueError when their code differs from the call's)."""
    try:
        status = rpc_status.from_call(err)
    except ValueError:
        return []
    found = []
    for detail in status.details if status is not None else []:
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            found += bad_request.field_violations
    return found


def call(target: str, stub_class, method: str, request, identity: str | None = None):
    """One unary call on a fresh channel; raises CallFailed with a German message."""
    with channel(target, identity) as ch:
        try:
            return getattr(stub_class(ch), method)(request, timeout=CALL_TIMEOUT_S)
        except grpc.RpcError as err:
            raise CallFailed(describe(err, target)) from None
