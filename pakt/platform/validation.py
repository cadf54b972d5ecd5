"""One vocabulary for checking requests: ids, dates, official keys (AGS), amounts, free text and
request_id, each with the same German messages in every service."""

from __future__ import annotations

import re
from datetime import date

from pakt import referenzdaten
from pakt.platform.errors import FieldViolation, InvalidArgument

# An idempotency key as every mutating RPC takes it (a UUID is best).
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
TEXT_LEN = 5000
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DATUM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
GEMEINDE_AGS = re.compile(r"[0-9]{8}")
KREIS_AGS = re.compile(r"[0-9]{5}")
AGS = re.compile(r"[0-9]{5}(?:[0-9]{3})?")

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

    The one rule for messages: a check repeats the value it rejects only where that value cannot
    be personal data (an AGS, a date of a procedure, an id), shortened; free text is never echoed,
    and a caller validating what may be personal data (a case plan) passes personal=True.
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

    def uuid(self, value: str, field: str, *, what: str = "gültige ID") -> None:
        """An id the platform issued (an Antrag, a plan, a Mittelabruf): a lowercase UUID."""
        if not value:
            self.add(field, "fehlt")
        elif not UUID.fullmatch(value):
            self.add(field, f"{self._echo(value, 60)}ist keine {what} (UUID in Kleinbuchstaben)")

    def datum(self, value: str, field: str, *, required: bool = True, personal: bool = False) -> date | None:
        """A calendar date as JJJJ-MM-TT; None if absent or invalid."""
        if not value:
            if required:
                self.add(field, "fehlt")
            return None
        try:
            if not DATUM.fullmatch(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.add(field, f"{self._echo(value, 30, personal)}ist kein Datum im Format JJJJ-MM-TT")
            return None

    def ags(self, value: str, field: str, *, kind: str = "kommune") -> bool:
        """An official key of Baden-Württemberg: kind "gemeinde" (8 digits), "kreis" (5 digits) or
        "kommune" (either). True if it names one."""
        gebiete = referenzdaten.gebiete()
        pattern, known, name = {
            "gemeinde": (GEMEINDE_AGS, gebiete.gemeinden, "keine Gemeinde"),
            "kreis": (KREIS_AGS, gebiete.kreise, "kein Stadt- oder Landkreis"),
            "kommune": (AGS, None, "keine Gemeinde und kein Kreis"),
        }[kind]
        if not value:
            self.add(field, "fehlt")
        elif not pattern.fullmatch(value):
            what = {"gemeinde": "Gemeindeschlüssel (8 Ziffern)", "kreis": "Kreisschlüssel (5 Ziffern)",
                    "kommune": "Gemeindeschlüssel (8 Ziffern) oder Kreisschlüssel (5 Ziffern)"}[kind]
            self.add(field, f"{self._echo(value, 30)}ist kein {what}")
        elif (value not in known) if known is not None else gebiete.kreis_of(value) is None:
            self.add(field, f"{value} ist {name} in Baden-Württemberg")
        else:
            return True
        return False

    def betrag(self, value: int, field: str, *, zero_allowed: bool = False) -> None:
        """An amount in cent."""
        if value < 0 or (value == 0 and not zero_allowed):
            self.add(field, "darf nicht negativ sein" if zero_allowed else "muss größer als 0 sein")

    @staticmethod
    def _echo(value: str, limit: int, personal: bool = False) -> str:
        return "" if personal else f"„{value[:limit]}“ "
