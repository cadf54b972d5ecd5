"""Domain errors, mapped to gRPC status codes in one place (grpc_server.py)."""

from __future__ import annotations

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
