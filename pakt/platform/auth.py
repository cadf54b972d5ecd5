"""Who is calling: the principal named by the client's X.509 certificate (mutual TLS).

Municipal systems and operators authenticate with a client certificate issued by the platform's
CA. The identity is a URI in the certificate's subjectAltName, not the free-text subject:

    urn:pakt:kommune:<AGS>    a Gemeinde (8-digit AGS) or a Stadt-/Landkreis (5-digit AGS)
    urn:pakt:rp:<kennung>     an operator of the Bewilligungsstelle (RP Stuttgart)

The gRPC server verifies the certificate chain during the TLS handshake; this module only reads
the verified certificate. A call without a client certificate has no principal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pakt.platform.errors import Unauthenticated

KOMMUNE_URI_PREFIX = "urn:pakt:kommune:"
RP_URI_PREFIX = "urn:pakt:rp:"
_AGS = re.compile(r"[0-9]{5}(?:[0-9]{3})?")
_KENNUNG = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a Kommune (by AGS) or an RP operator."""

    ags: str | None = None
    operator: str | None = None

    def __post_init__(self) -> None:
        if (self.ags is None) == (self.operator is None):
            raise ValueError("a principal is either a Kommune or an operator")

    @property
    def is_operator(self) -> bool:
        return self.operator is not None

    @property
    def label(self) -> str:
        """How the audit history names the actor."""
        return f"rp:{self.operator}" if self.operator is not None else f"kommune:{self.ags}"


def identity_uri(identity: str) -> str:
    """The subjectAltName URI for an identity as the CLI spells it: an AGS, "rp" or "rp:<kennung>"."""
    if _AGS.fullmatch(identity):
        return KOMMUNE_URI_PREFIX + identity
    if identity == "rp":
        return RP_URI_PREFIX + "operator"
    if identity.startswith("rp:") and _KENNUNG.fullmatch(identity[3:]):
        return RP_URI_PREFIX + identity[3:]
    raise ValueError(f"„{identity}“ ist weder ein AGS (5 oder 8 Ziffern) noch „rp“ bzw. „rp:<kennung>“")


def principal_from_uri(uri: str) -> Principal | None:
    if uri.startswith(KOMMUNE_URI_PREFIX) and _AGS.fullmatch(uri[len(KOMMUNE_URI_PREFIX) :]):
        return Principal(ags=uri[len(KOMMUNE_URI_PREFIX) :])
    if uri.startswith(RP_URI_PREFIX) and _KENNUNG.fullmatch(uri[len(RP_URI_PREFIX) :]):
        return Principal(operator=uri[len(RP_URI_PREFIX) :])
    return None


@lru_cache(maxsize=4096)
def principal_from_pem(pem: bytes) -> Principal | None:
    """The principal a verified client certificate names, or None if it names none (or several)."""
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(pem)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    found = {p for uri in san.get_values_for_type(x509.UniformResourceIdentifier) if (p := principal_from_uri(uri))}
    return found.pop() if len(found) == 1 else None


def principal_of(auth_context: dict[str, list[bytes]]) -> Principal | None:
    """The principal of a gRPC call, from grpc's auth context (None without a client certificate)."""
    certs = auth_context.get("x509_pem_cert") or []
    return principal_from_pem(certs[0]) if certs else None


def require_principal(auth_context: dict[str, list[bytes]]) -> Principal:
    principal = principal_of(auth_context)
    if principal is None:
        raise Unauthenticated(
            "Kein gültiges Client-Zertifikat: Anfragen brauchen ein Zertifikat der Plattform-CA, "
            "das eine Kommune (urn:pakt:kommune:<AGS>) oder die Bewilligungsstelle (urn:pakt:rp:…) nennt."
        )
    return principal
