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
TEXT_LEN = 5000

# What has no place in what people type: control characters (C0 but tab and line breaks in a
# multi-line text, DEL, C1), the controls of the writing direction, which make a text show other
# than it reads (U+202E turns what follows around), the Unicode line and paragraph separators,
# surrogates and noncharacters. A single-line field (a name, an e-mail address) has no tab and no
# line break either.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(chr(p << 16 | 0xFFFE) + chr(p << 16 | 0xFFFF) for p in range(17))
_NOT_IN_TEXT = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + _BIDI + "\u2028\u2029\ud800-\udfff" + _NONCHARACTERS
_FORBIDDEN = re.compile(f"[{_NOT_IN_TEXT}]")
_FORBIDDEN_IN_A_LINE = re.compile(f"[\t\n\r{_NOT_IN_TEXT}]")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
_NONCHARACTER = re.compile(f"[{_NONCHARACTERS}]")


def character_problem(value: str, *, single_line: bool) -> str | None:
    """What is wrong with the first character of a free text that may not be in it, named by its
    code point and never with the rest of the value (it may be personal data); None if nothing."""
    found = (_FORBIDDEN_IN_A_LINE if single_line else _FORBIDDEN).search(value)
    if found is None:
        return None
    char = found.group()
    code_point = f"U+{ord(char):04X}"
    if single_line and char in _LINE_BREAKS:
        return f"enthält einen Zeilenumbruch ({code_point}); erlaubt ist nur eine Zeile"
    if char in "\u2028\u2029":
        return f"enthält ein unzulässiges Trennzeichen ({code_point}); Zeilen bitte mit einem Zeilenumbruch trennen"
    if _NONCHARACTER.fullmatch(char):
        return f"enthält ein unzulässiges Nichtzeichen ({code_point})"
    if "\ud800" <= char <= "\udfff":
        return f"enthält ein ungültiges Zeichen ({code_point})"
    return f"enthält ein unzulässiges Steuerzeichen ({code_point})"


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

    def text(
        self, value: str, field: str, *, required: bool, max_len: int = TEXT_LEN, single_line: bool = False
    ) -> None:
        """A free text: present if required, not too long, no character that has no place in it
        (single_line: a name, a title, a source; without it tab and line breaks are allowed)."""
        if not value.strip():
            if required:
                self.add(field, "fehlt")
            elif value:
                self.add(field, "besteht nur aus Leerzeichen")
        elif len(value) > max_len:
            self.add(field, f"höchstens {max_len} Zeichen (sind {len(value)})")
        else:
            self.characters(value, field, single_line=single_line)

    def characters(self, value: str, field: str, *, single_line: bool) -> bool:
        """Adds a violation if the value has a character that has no place in a text; True if not."""
        problem = character_problem(value, single_line=single_line)
        if problem is not None:
            self.add(field, problem)
        return problem is None


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
