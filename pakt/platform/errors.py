"""Domain errors, mapped to gRPC status codes in one place (grpc_server.py)."""

from __future__ import annotations

import re

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str  # German, shown to the applicant or operator


class DomainError(Exception):
    """Base of the errors a service layer raises on purpose."""


class InvalidArgument(DomainError):
    """Bad input. The violations travel as google.rpc.BadRequest details, each once; the message
    only counts them, so that a long list is not sent twice (grpc_server.py caps the details)."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        self.violations = violations
        super().__init__(ungueltige_angaben(len(violations)))


def ungueltige_angaben(n: int) -> str:
    """The status message of an INVALID_ARGUMENT: how many violations, not what they are."""
    if n == 1:
        return "1 Angabe ist ungültig; Einzelheiten in den Details."
    return f"{zahl(n)} Angaben sind ungültig; Einzelheiten in den Details."


def zahl(n: int) -> str:
    """A count as German readers write it: 1.001."""
    return f"{n:,}".replace(",", ".")


# An idempotency key as every mutating RPC takes it (a UUID is best).
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
# Control characters other than tab and line breaks have no place in what people type.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TEXT_LEN = 5000


class Violations:
    """Collects field violations of one request; raise_if_any() reports them all at once.

    The checks here never repeat the value they reject: it may be personal data.
    """

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidArgument(self.items)

    def request_id(self, value: str, field: str = "request_id") -> None:
        if not value:
            self.add(field, "fehlt: jeder ändernde Aufruf braucht einen Idempotenzschlüssel")
        elif not REQUEST_ID.fullmatch(value):
            self.add(field, "höchstens 100 Zeichen aus Buchstaben, Ziffern und . _ : -")

    def text(self, value: str, field: str, *, required: bool, max_len: int = TEXT_LEN) -> None:
        if not value.strip():
            if required:
                self.add(field, "fehlt")
            elif value:
                self.add(field, "besteht nur aus Leerzeichen")
        elif len(value) > max_len:
            self.add(field, f"höchstens {max_len} Zeichen (sind {len(value)})")
        elif CONTROL.search(value):
            self.add(field, "enthält Steuerzeichen")


class NotFound(DomainError):
    pass


class FailedPrecondition(DomainError):
    pass


class AlreadyExists(DomainError):
    pass


class Unauthenticated(DomainError):
    pass


class PermissionDenied(DomainError):
    """The caller may not do this, or the resource is not theirs; never says whether it exists."""
