"""Per-call credentials on the shared gRPC server: who gets in, and which principal a handler sees.

A real grpc.aio server (GrpcServer, as every service uses it) on 127.0.0.1 with a tiny generic
handler that answers with the caller's principal. Tokens are either minted by the client's own
channel credentials or built here with PyJWT to get them wrong on purpose.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import time
import uuid
from pathlib import Path

import grpc
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from pakt.platform.auth import caller
from pakt.platform.client import describe
from pakt.platform.grpc_server import GrpcServer
from pakt.platform.pki import DevPki, ensure_dev_pki
from pakt.platform.tls import TlsFiles, channel_credentials

SERVICE = "test.Echo"
WHO_AM_I = f"/{SERVICE}/WhoAmI"
STUTTGART_URI = "urn:pakt:kommune:08111000"


@pytest.fixture
def pki(tmp_path) -> DevPki:
    return ensure_dev_pki(tmp_path / "pki")


@pytest.fixture
def foreign(tmp_path) -> DevPki:
    return ensure_dev_pki(tmp_path / "foreign-pki")


def _load(files: TlsFiles) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
    return x509.load_pem_x509_certificate(files.cert.read_bytes()), key


def _issue(pki: DevPki, san: list[str], usage: list[x509.ObjectIdentifier] | None):
    """A certificate of the platform CA as pki.py issues them, but with the given URIs and
    extendedKeyUsage (None: no extendedKeyUsage at all)."""
    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "08111000")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(u) for u in san] or [x509.DNSName("x.test")]),
            critical=False,
        )
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _token(
    cert: x509.Certificate,
    key,
    *,
    sub: str | None = None,
    aud: str = SERVICE,
    issued: float = 0,
    lifetime: int = 300,
    algorithm: str = "ES256",
) -> str:
    """A token like the client's; `issued` is seconds from now."""
    iat = int(time.time() + issued)
    claims = {
        "sub": sub or _uris(cert)[0],
        "aud": aud,
        "iat": iat,
        "exp": iat + lifetime,
        "jti": str(uuid.uuid4()),
    }
    x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
    return jwt.encode(claims, key, algorithm=algorithm, headers={"x5c": x5c})


def _uris(cert: x509.Certificate) -> list[str]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return san.get_values_for_type(x509.UniformResourceIdentifier)


class _Server:
    def __init__(self, pki: DevPki) -> None:
        self.pki = pki
        self.grpc = GrpcServer("127.0.0.1", 0, [SERVICE], pki.server)
        self.grpc.server.add_generic_rpc_handlers(
            [
                grpc.method_handlers_generic_handler(
                    SERVICE, {"WhoAmI": grpc.unary_unary_rpc_method_handler(self._who_am_i)}
                )
            ]
        )
        self.target = f"127.0.0.1:{self.grpc.port}"
        # The authorization header of every call that reached the handler.
        self.tokens: list[str] = []

    async def _who_am_i(self, request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        self.tokens.append(dict(context.invocation_metadata())["authorization"].removeprefix("Bearer "))
        return caller().label.encode()

    async def who_am_i(
        self, client: TlsFiles | None = None, *, ca_cert: Path | None = None, header: str | None = None
    ) -> str:
        """As the CLI calls (client credentials), or with a hand-made authorization header."""
        credentials = channel_credentials(ca_cert or self.pki.ca_cert, client)
        metadata = (("authorization", header),) if header is not None else None
        async with grpc.aio.secure_channel(self.target, credentials) as channel:
            return (await channel.unary_unary(WHO_AM_I)(b"", timeout=5, metadata=metadata)).decode()

    async def refused(self, **kwargs) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await self.who_am_i(**kwargs)
        return raised.value

    async def unauthenticated(self, **kwargs) -> str:
        """The message of a call the server answers UNAUTHENTICATED, which never reaches the handler."""
        error = await self.refused(**kwargs)
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error.details()
        assert self.tokens == []
        return error.details()


def _run(pki: DevPki, scenario) -> None:
    async def main() -> None:
        server = _Server(pki)
        await server.grpc.start()
        try:
            await scenario(server)
        finally:
            await server.grpc.stop(0)

    asyncio.run(main())


@pytest.mark.parametrize(
    ("identity", "label"),
    [
        ("08111000", "kommune:08111000"),
        ("08115", "kommune:08115"),
        ("rp", "rp:operator"),
        ("rp:dashboard", "rp:dashboard"),
    ],
)
def test_client_credential_gives_the_handler_its_principal(pki, identity, label):
    async def scenario(server: _Server) -> None:
        assert await server.who_am_i(pki.client(identity)) == label

        [token] = server.tokens
        cert, _ = _load(pki.client(identity))
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "ES256"
        assert header["x5c"] == [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["sub"] == _uris(cert)[0]
        assert claims["aud"] == SERVICE
        assert claims["exp"] - claims["iat"] == 300
        assert uuid.UUID(claims["jti"]).version == 4

    _run(pki, scenario)


def test_call_without_a_credential_is_unauthenticated(pki):
    async def scenario(server: _Server) -> None:
        assert "Kein Berechtigungsnachweis" in await server.unauthenticated(client=None)
        assert describe(await server.refused(client=None), server.target).startswith(
            "Nicht angemeldet: Kein Berechtigungsnachweis"
        )

    _run(pki, scenario)


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic dXNlcjpwdw==", "nonsense"])
def test_unreadable_credential_is_unauthenticated(pki, header):
    async def scenario(server: _Server) -> None:
        assert "unlesbar" in await server.unauthenticated(header=header)

    _run(pki, scenario)


def test_credential_of_another_ca_is_unauthenticated(pki, foreign):
    async def scenario(server: _Server) -> None:
        cert, key = _load(foreign.client("08111000"))
        assert "nicht anerkannt" in await server.unauthenticated(header=f"Bearer {_token(cert, key)}")

    _run(pki, scenario)


def test_our_certificate_signed_with_another_key_is_unauthenticated(pki):
    async def scenario(server: _Server) -> None:
        # First a good call, so the certificate is verified and cached: the cache must not vouch
        # for the signature.
        assert await server.who_am_i(pki.client("08111000")) == "kommune:08111000"
        server.tokens.clear()
        cert, _ = _load(pki.client("08111000"))
        forged = _token(cert, ec.generate_private_key(ec.SECP256R1()))
        assert "Signatur passt nicht" in await server.unauthenticated(header=f"Bearer {forged}")

    _run(pki, scenario)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ({"issued": -400}, "abgelaufen"),
        ({"issued": 120}, "in der Zukunft"),
        ({"lifetime": 301}, "länger als 300 s"),
        ({"aud": "pakt.antrag.v1.AntragService"}, "nicht für test.Echo ausgestellt"),
        ({"sub": "urn:pakt:rp:operator"}, "„sub“ nennt nicht die Identität"),
        ({"algorithm": "HS256"}, "kein gültiges ES256-signiertes JWT"),
    ],
)
def test_token_that_does_not_fit_is_unauthenticated(pki, token, message):
    async def scenario(server: _Server) -> None:
        cert, key = _load(pki.client("08111000"))
        if token.get("algorithm") == "HS256":
            key = b"a shared secret nobody agreed on"
        assert message in await server.unauthenticated(header=f"Bearer {_token(cert, key, **token)}")

    _run(pki, scenario)


def test_clock_skew_of_30_seconds_is_tolerated(pki):
    async def scenario(server: _Server) -> None:
        cert, key = _load(pki.client("08111000"))
        assert await server.who_am_i(header=f"Bearer {_token(cert, key, issued=20)}") == "kommune:08111000"
        assert await server.who_am_i(header=f"Bearer {_token(cert, key, issued=-320)}") == "kommune:08111000"

    _run(pki, scenario)


@pytest.mark.parametrize(
    ("usage", "accepted"),
    [
        ([ExtendedKeyUsageOID.CLIENT_AUTH], True),
        ([ExtendedKeyUsageOID.SERVER_AUTH], False),
        (None, False),
    ],
)
def test_certificate_must_be_for_client_authentication(pki, usage, accepted):
    async def scenario(server: _Server) -> None:
        cert, key = _issue(pki, [STUTTGART_URI], usage)
        header = f"Bearer {_token(cert, key)}"
        if accepted:
            assert await server.who_am_i(header=header) == "kommune:08111000"
        else:
            assert "kein Client-Zertifikat" in await server.unauthenticated(header=header)

    _run(pki, scenario)


def test_server_certificate_as_client_certificate_is_unauthenticated(pki):
    async def scenario(server: _Server) -> None:
        cert, key = _load(pki.server)
        token = _token(cert, key, sub=STUTTGART_URI)
        assert "nicht anerkannt" in await server.unauthenticated(header=f"Bearer {token}")

    _run(pki, scenario)


@pytest.mark.parametrize("san", [[], ["urn:pakt:kommune:0811"], [STUTTGART_URI, "urn:pakt:rp:operator"]])
def test_certificate_without_exactly_one_identity_is_unauthenticated(pki, san):
    async def scenario(server: _Server) -> None:
        cert, key = _issue(pki, san, [ExtendedKeyUsageOID.CLIENT_AUTH])
        token = _token(cert, key, sub=STUTTGART_URI)
        assert "nennt weder eine Kommune" in await server.unauthenticated(header=f"Bearer {token}")

    _run(pki, scenario)


def test_health_and_reflection_need_no_credential(pki):
    async def scenario(server: _Server) -> None:
        await server.grpc.set_serving(True)
        async with grpc.aio.secure_channel(server.target, channel_credentials(pki.ca_cert, None)) as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING

            request = reflection_pb2.ServerReflectionRequest(list_services="")
            replies = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(iter([request]), timeout=5)
            [listed] = [r.list_services_response async for r in replies]
            assert SERVICE in {s.name for s in listed.service}

    _run(pki, scenario)


def test_client_refuses_a_server_it_does_not_trust(pki, foreign):
    async def scenario(server: _Server) -> None:
        error = await server.refused(client=pki.client("rp"), ca_cert=foreign.ca_cert)
        assert error.code() == grpc.StatusCode.UNAVAILABLE
        message = describe(error, server.target)
        assert message.startswith(f"Zertifikat des Dienstes unter {server.target} nicht anerkannt")
        assert server.tokens == []

    _run(pki, scenario)


def test_a_verified_token_is_reused_until_its_expiry_and_refused_after(pki):
    """The server keeps a verified token by its exact bytes, but never past exp plus the skew."""
    from pakt.platform import auth

    authenticator = auth.Authenticator.from_file(pki.ca_cert)
    cert, key = _load(pki.client("08111000"))
    # Issued so long ago that it is accepted for 2 more seconds (exp + skew).
    token = _token(cert, key, issued=-(300 + auth.CLOCK_SKEW_S) + 2, lifetime=300)
    metadata = [(auth.AUTHORIZATION, f"Bearer {token}")]
    assert authenticator.authenticate(metadata, SERVICE).label == "kommune:08111000"
    assert authenticator.authenticate(metadata, SERVICE).label == "kommune:08111000"  # from the cache
    with pytest.raises(auth.Unauthenticated):  # the same bytes for another service: checked, refused
        authenticator.authenticate(metadata, "pakt.other.v1.Other")
    time.sleep(2.5)
    with pytest.raises(auth.Unauthenticated, match="abgelaufen"):
        authenticator.authenticate(metadata, SERVICE)
