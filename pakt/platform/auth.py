"""Who is calling: the principal a per-call signed credential proves.

Identities are X.509 client certificates issued by the platform CA. The identity is a URI in the
certificate's subjectAltName, not the free-text subject:

    urn:pakt:kommune:<AGS>    a Gemeinde (8-digit AGS) or a Stadt-/Landkreis (5-digit AGS)
    urn:pakt:kommune:<AGS>:im:<kennung>
                              an Integrationsmanager of that Kommune (for the case-plan service)
    urn:pakt:rp:<kennung>     an operator of the Bewilligungsstelle (RP Stuttgart)

The transport is server-authenticated TLS (pakt.platform.tls). On every call the client proves who
it is with a short-lived JWT (RFC 7519) that it signs with the private key of its certificate, sent
as the metadata `authorization: Bearer <jwt>`:

    header  alg "ES256", x5c [base64 DER of the client certificate, then any intermediates]
    claims  sub  the certificate's identity URI
            aud  the called gRPC service, e.g. "pakt.antrag.v1.AntragService"
            iat, exp (at most 300 s apart), jti (a uuid4)

The server checks the certificate against the platform CA (chain, validity, clientAuth), the
signature against the certificate's key, and that the token names the certificate's identity and
the called service. Why not mutual TLS: README.md, "Authentication".
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from jwt.exceptions import InvalidSubjectError

from pakt.platform.errors import PermissionDenied, Unauthenticated

KOMMUNE_URI_PREFIX = "urn:pakt:kommune:"
RP_URI_PREFIX = "urn:pakt:rp:"
# urn:pakt:kommune:<AGS>:im:<kennung> names an Integrationsmanager of that Kommune.
IM_URI_INFIX = ":im:"
_AGS = re.compile(r"[0-9]{5}(?:[0-9]{3})?")
_KENNUNG = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")

AUTHORIZATION = "authorization"
ALGORITHM = "ES256"
# A token is good for one service for at most this long: the window in which a captured token
# could be replayed.
TOKEN_LIFETIME_S = 300
# Clients mint a new token once the cached one has less than this left.
TOKEN_RENEW_BEFORE_S = 60
CLOCK_SKEW_S = 30
# Verified client certificates kept (about one per calling system).
VERIFIED_CACHE_SIZE = 1024


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a Kommune (by AGS), one of its Integrationsmanager, or an RP
    operator."""

    ags: str | None = None
    operator: str | None = None
    # An Integrationsmanager of the Kommune, by kennung; None for the Kommune's own systems.
    person: str | None = None

    def __post_init__(self) -> None:
        if (self.ags is None) == (self.operator is None):
            raise ValueError("a principal is either a Kommune or an operator")
        if self.person is not None and self.ags is None:
            raise ValueError("an Integrationsmanager belongs to a Kommune")

    @property
    def is_operator(self) -> bool:
        return self.operator is not None

    @property
    def is_integrationsmanager(self) -> bool:
        return self.person is not None

    @property
    def label(self) -> str:
        """How the audit history names the actor."""
        if self.operator is not None:
            return f"rp:{self.operator}"
        return f"kommune:{self.ags}" + (f"/im:{self.person}" if self.person is not None else "")


def identity_uri(identity: str) -> str:
    """The subjectAltName URI for an identity as the CLI spells it: an AGS, "AGS:<kennung>" for an
    Integrationsmanager of that Kommune, "rp" or "rp:<kennung>"."""
    if _AGS.fullmatch(identity):
        return KOMMUNE_URI_PREFIX + identity
    if identity == "rp":
        return RP_URI_PREFIX + "operator"
    if identity.startswith("rp:") and _KENNUNG.fullmatch(identity[3:]):
        return RP_URI_PREFIX + identity[3:]
    ags, _, kennung = identity.partition(":")
    if _AGS.fullmatch(ags) and _KENNUNG.fullmatch(kennung):
        return f"{KOMMUNE_URI_PREFIX}{ags}{IM_URI_INFIX}{kennung}"
    raise ValueError(
        f"„{identity}“ ist weder ein AGS (5 oder 8 Ziffern), „AGS:<kennung>“ (Integrationsmanager) "
        "noch „rp“ bzw. „rp:<kennung>“"
    )


def principal_from_uri(uri: str) -> Principal | None:
    if uri.startswith(KOMMUNE_URI_PREFIX):
        ags, _, kennung = uri[len(KOMMUNE_URI_PREFIX) :].partition(IM_URI_INFIX)
        if _AGS.fullmatch(ags) and not kennung and IM_URI_INFIX not in uri:
            return Principal(ags=ags)
        if _AGS.fullmatch(ags) and _KENNUNG.fullmatch(kennung):
            return Principal(ags=ags, person=kennung)
        return None
    if uri.startswith(RP_URI_PREFIX) and _KENNUNG.fullmatch(uri[len(RP_URI_PREFIX) :]):
        return Principal(operator=uri[len(RP_URI_PREFIX) :])
    return None


def identity_of(cert: x509.Certificate) -> str | None:
    """The identity URI a certificate names, or None if it names none (or several)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    found = {uri for uri in san.get_values_for_type(x509.UniformResourceIdentifier) if principal_from_uri(uri)}
    return found.pop() if len(found) == 1 else None


# -- the client's side --------------------------------------------------------------------------


class Credential:
    """A client certificate (with any intermediates) and its private key: mints the tokens."""

    def __init__(self, chain: Sequence[x509.Certificate], key: ec.EllipticCurvePrivateKey, identity: str) -> None:
        self._key = key
        self._x5c = [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain]
        self.identity = identity
        self._tokens: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()  # grpc calls metadata plugins from its own threads

    @classmethod
    def from_files(cls, cert: Path, key: Path) -> Credential:
        """Raises OSError if a file cannot be read, ValueError (German) if the files do not fit."""
        try:
            chain = x509.load_pem_x509_certificates(cert.read_bytes())
        except ValueError:
            raise ValueError(f"Client-Zertifikat {cert} ist kein Zertifikat im PEM-Format.") from None
        try:
            private_key = serialization.load_pem_private_key(key.read_bytes(), password=None)
        except (ValueError, TypeError):
            raise ValueError(f"Client-Schlüssel {key} ist kein unverschlüsselter Schlüssel im PEM-Format.") from None
        if not (isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(private_key.curve, ec.SECP256R1)):
            raise ValueError(f"Client-Schlüssel {key} ist kein EC-Schlüssel auf P-256 (für ES256).")
        if private_key.public_key() != chain[0].public_key():
            raise ValueError(f"Client-Schlüssel {key} gehört nicht zum Zertifikat {cert}.")
        identity = identity_of(chain[0])
        if identity is None:
            raise ValueError(
                f"Client-Zertifikat {cert} nennt keine Identität (urn:pakt:kommune:<AGS> oder urn:pakt:rp:<kennung>)."
            )
        return cls(chain, private_key, identity)

    def token(self, audience: str) -> str:
        """A token for calls to one gRPC service, reused until shortly before it expires."""
        now = int(time.time())
        with self._lock:
            cached = self._tokens.get(audience)
            if cached is None or cached[1] - TOKEN_RENEW_BEFORE_S <= now:
                claims = {
                    "sub": self.identity,
                    "aud": audience,
                    "iat": now,
                    "exp": now + TOKEN_LIFETIME_S,
                    "jti": str(uuid.uuid4()),
                }
                cached = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"x5c": self._x5c}), claims["exp"]
                self._tokens[audience] = cached
            return cached[0]


# -- the server's side --------------------------------------------------------------------------


def _require_client_auth(policy, cert: x509.Certificate, eku: x509.ExtendedKeyUsage) -> None:
    if ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        raise ValueError("no clientAuth in extendedKeyUsage")


# cryptography's client verifier checks clientAuth only where the leaf has an extendedKeyUsage and
# accepts a leaf without one; require it (replacing the default check, hence the validator).
_LEAF_POLICY = ExtensionPolicy.webpki_defaults_ee().require_present(
    x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _require_client_auth
)


@dataclass(frozen=True)
class _Verified:
    """A certificate chain verified once: whom it names, its key, and when the chain is valid."""

    identity: str
    principal: Principal
    public_key: CertificatePublicKeyTypes
    not_before: dt.datetime
    not_after: dt.datetime


class Authenticator:
    """Checks the credential of a call against the platform CA."""

    def __init__(self, ca_certs: Sequence[x509.Certificate]) -> None:
        self._store = Store(list(ca_certs))
        # Verifying the chain is the expensive part and the same for every call of a client, so
        # each call only checks the token's signature (keyed by the certificates themselves).
        self._verified = lru_cache(maxsize=VERIFIED_CACHE_SIZE)(self._verify_chain)
        # A token verified once is the same token on every call until it expires: keyed by its
        # exact bytes and the service it is for, it is good until its exp (with the allowed clock
        # skew) or its chain's end, whichever comes first. Clients reuse a token for minutes.
        self._tokens: OrderedDict[tuple[str, str], tuple[Principal, float]] = OrderedDict()
        self._tokens_lock = threading.Lock()

    @classmethod
    def from_file(cls, ca_cert: Path) -> Authenticator:
        return cls(x509.load_pem_x509_certificates(ca_cert.read_bytes()))

    def authenticate(self, metadata: Iterable[tuple[str, str | bytes]], service: str) -> Principal:
        """The principal of a call to `service` (its full gRPC name), from the call's metadata;
        raises Unauthenticated. Neither logs nor repeats the token."""
        values = [value for key, value in metadata if key == AUTHORIZATION]
        if not values:
            raise Unauthenticated(
                "Kein Berechtigungsnachweis: jede Anfrage braucht „authorization: Bearer <JWT>“, signiert mit "
                "dem Schlüssel eines Client-Zertifikats der Plattform-CA."
            )
        scheme, _, token = (values[0] if isinstance(values[0], str) else "").partition(" ")
        if len(values) > 1 or scheme.lower() != "bearer" or not token:
            raise Unauthenticated("Berechtigungsnachweis unlesbar: erwartet wird genau ein „Bearer <JWT>“.")
        key = (service, token)
        with self._tokens_lock:
            known = self._tokens.get(key)
        if known is not None and time.time() < known[1]:
            return known[0]
        principal, good_until = self._verify_token(token, service)
        with self._tokens_lock:
            self._tokens[key] = (principal, good_until)
            self._tokens.move_to_end(key)
            while len(self._tokens) > VERIFIED_CACHE_SIZE:
                self._tokens.popitem(last=False)
        return principal

    def _verify_token(self, token: str, service: str) -> tuple[Principal, float]:
        """The principal a token names and until when (epoch seconds) the verification holds."""
        try:
            x5c = jwt.get_unverified_header(token).get("x5c")
        except jwt.PyJWTError:
            raise Unauthenticated("Berechtigungsnachweis unlesbar: kein JWT.") from None
        if not (isinstance(x5c, list) and x5c and all(isinstance(c, str) for c in x5c)):
            raise Unauthenticated("Berechtigungsnachweis ohne Zertifikat (x5c).")
        verified = self._verified(tuple(x5c))
        if not verified.not_before <= dt.datetime.now(dt.UTC) <= verified.not_after:
            raise Unauthenticated("Zertifikat im Berechtigungsnachweis ist abgelaufen oder noch nicht gültig.")
        try:
            claims = jwt.decode(
                token,
                verified.public_key,
                algorithms=[ALGORITHM],
                audience=service,
                subject=verified.identity,
                leeway=CLOCK_SKEW_S,
                options={"require": ["exp", "iat", "aud", "sub"], "strict_aud": True},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"Berechtigungsnachweis ungültig: {_reason(exc, service)}") from None
        if int(claims["exp"]) - int(claims["iat"]) > TOKEN_LIFETIME_S:
            raise Unauthenticated(f"Berechtigungsnachweis ungültig: gilt länger als {TOKEN_LIFETIME_S} s.")
        good_until = min(int(claims["exp"]) + CLOCK_SKEW_S, verified.not_after.timestamp())
        return verified.principal, good_until

    def _verify_chain(self, x5c: tuple[str, ...]) -> _Verified:
        """Raises Unauthenticated; lru_cache keeps only successes, so a rejected chain is checked again."""
        try:
            leaf, *intermediates = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]
        except ValueError:  # binascii.Error is one too
            raise Unauthenticated("Berechtigungsnachweis: Zertifikat (x5c) unlesbar.") from None
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(dt.datetime.now(dt.UTC))
            .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=_LEAF_POLICY)
            .build_client_verifier()
        )
        try:
            chain = verifier.verify(leaf, intermediates).chain
        except VerificationError:
            raise Unauthenticated(
                "Zertifikat im Berechtigungsnachweis nicht anerkannt: nicht von der Plattform-CA, nicht gültig "
                "oder kein Client-Zertifikat."
            ) from None
        identity = identity_of(leaf)
        principal = principal_from_uri(identity) if identity else None
        if principal is None:
            raise Unauthenticated(
                "Zertifikat im Berechtigungsnachweis nennt weder eine Kommune (urn:pakt:kommune:<AGS>) noch die "
                "Bewilligungsstelle (urn:pakt:rp:<kennung>)."
            )
        return _Verified(
            identity=identity,
            principal=principal,
            # Any key type: one that is not P-256 fails the ES256 check of the signature.
            public_key=leaf.public_key(),
            not_before=max(c.not_valid_before_utc for c in chain),
            not_after=min(c.not_valid_after_utc for c in chain),
        )


def _reason(exc: jwt.PyJWTError, service: str) -> str:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "abgelaufen."
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "in der Zukunft ausgestellt (iat)."
    if isinstance(exc, jwt.InvalidAudienceError):
        return f"nicht für {service} ausgestellt (aud)."
    if isinstance(exc, InvalidSubjectError):
        return "„sub“ nennt nicht die Identität des Zertifikats."
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"Angabe „{exc.claim}“ fehlt."
    if isinstance(exc, jwt.InvalidSignatureError):
        return "Signatur passt nicht zum Zertifikat."
    return f"kein gültiges {ALGORITHM}-signiertes JWT."


# -- the principal of the current call ----------------------------------------------------------

# Set by the gRPC server's interceptor for every authenticated call (pakt.platform.grpc_server).
current: ContextVar[Principal] = ContextVar("principal")


def caller() -> Principal:
    """The principal of the gRPC call being handled."""
    try:
        return current.get()
    except LookupError:
        # Only reachable from a handler the interceptor did not authenticate: fail closed.
        raise Unauthenticated("Kein Berechtigungsnachweis für diese Anfrage geprüft.") from None


NUR_FALLPLANUNG = (
    "Eine Integrationsmanager-Identität gilt nur für Integrationspläne; Anträge und Mittel bearbeiten die "
    "Kommune und die Bewilligungsstelle mit ihren eigenen Zertifikaten."
)


def kommune_or_operator() -> Principal:
    """The caller of an antrag or allocation RPC: a Kommune's own systems or an operator.

    An Integrationsmanager identity is for the case-plan service only; it is refused here, before
    any Kommune check, since it carries its Kommune's AGS and would pass them."""
    principal = caller()
    if principal.is_integrationsmanager:
        raise PermissionDenied(NUR_FALLPLANUNG)
    return principal
