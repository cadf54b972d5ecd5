"""TLS credentials for gRPC: the server proves itself with a certificate of the platform CA; the
client proves itself per call with a token signed by its own certificate's key (pakt.platform.auth).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

from pakt.platform.auth import AUTHORIZATION, Credential


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: the CA certificate that verifies the peer, and one's own certificate and key."""

    ca_cert: Path
    cert: Path
    key: Path


def server_credentials(files: TlsFiles) -> grpc.ServerCredentials:
    """TLS with the server's certificate, asking no client certificate.

    grpcio's Python API can either not ask for a client certificate or require one in the
    handshake; C-core's "verify if presented" is not exposed. Requiring one would fail calls
    without a credential as UNAVAILABLE (not UNAUTHENTICATED) and lock out health probes, so
    callers authenticate per call instead.
    """
    return grpc.ssl_server_credentials([(files.key.read_bytes(), files.cert.read_bytes())], require_client_auth=False)


class _BearerToken(grpc.AuthMetadataPlugin):
    def __init__(self, credential: Credential) -> None:
        self._credential = credential

    def __call__(self, context: grpc.AuthMetadataContext, callback: grpc.AuthMetadataPluginCallback) -> None:
        # service_url is "https://<host>:<port>/<package.Service>": the token's audience.
        audience = context.service_url.rsplit("/", 1)[-1]
        try:
            token = self._credential.token(audience)
        except Exception as exc:  # grpc fails the call with it
            callback((), exc)
            return
        callback(((AUTHORIZATION, f"Bearer {token}"),), None)


def channel_credentials(ca_cert: Path, client: TlsFiles | None) -> grpc.ChannelCredentials:
    """Trust servers certified by ca_cert; with a client certificate, every call carries a token
    signed with its key. Without one, health and reflection work and everything else is
    UNAUTHENTICATED.

    Raises OSError if a file cannot be read, ValueError (German) if the client's files do not fit.
    """
    tls = grpc.ssl_channel_credentials(root_certificates=ca_cert.read_bytes())
    if client is None:
        return tls
    token = grpc.metadata_call_credentials(_BearerToken(Credential.from_files(client.cert, client.key)))
    return grpc.composite_channel_credentials(tls, token)
