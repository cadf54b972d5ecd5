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
    def __init__(self, violations: list[FieldViolation]) -> None:
        self.violations = violations
        super().__init__(
            "Ungültige Eingabe: " + "; ".join(f"{v.field}: {v.description}" for v in violations)
        )


class Violations:
    """Collects field violations of one request; raise_if_any() reports them all at once."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidArgument(self.items)


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
