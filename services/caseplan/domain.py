"""Rules of the Integrationsplan that need no database: validation, the plan's term, age bands."""

from __future__ import annotations

import re
from datetime import date, timedelta

from pakt import texte
from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.platform.validation import Violations

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DATUM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
KENNUNG = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
NAME_LEN, MAX_SPRACHEN = 200, 20

# Integrationsmanager accompany a person individually for two years (Pakt für Integration, 2017).
LAUFZEIT = timedelta(days=2 * 365)
ALTERSBAENDER = ((0, 17, "unter 18"), (18, 26, "18-26"), (27, 44, "27-44"), (45, 64, "45-64"), (65, 200, "65+"))


def laufzeit_bis(eroeffnet_am: date) -> date:
    return eroeffnet_am + LAUFZEIT


def altersband(geburtsdatum: date, am: date) -> str:
    """The age as a band: the only trace of the birth date that leaves the person's record."""
    alter = am.year - geburtsdatum.year - ((am.month, am.day) < (geburtsdatum.month, geburtsdatum.day))
    return next(label for low, high, label in ALTERSBAENDER if low <= alter <= high)


class Pruefung(Violations):
    """Field checks of the case-plan requests; every violation reported at once, in German."""

    def plan_id(self, value: str, field: str = "plan_id") -> None:
        if not UUID.fullmatch(value):
            self.add(field, "fehlt" if not value else "ist keine Plan-ID (UUID in Kleinbuchstaben)")

    def datum(self, value: str, field: str, *, required: bool) -> date | None:
        if not value:
            if required:
                self.add(field, "fehlt")
            return None
        try:
            if not DATUM.fullmatch(value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.add(field, "ist kein Datum im Format JJJJ-MM-TT")
            return None

    def kennung(self, value: str, field: str) -> None:
        if not KENNUNG.fullmatch(value):
            self.add(field, "Kennung aus Kleinbuchstaben, Ziffern und . _ - (höchstens 63 Zeichen)")

    def person(self, p: pb.Person, heute: date, field: str = "person") -> None:
        # The texts are never echoed: a violation must not carry the personal data it is about.
        self.text(p.name, f"{field}.name", required=True, max_len=NAME_LEN, single_line=True)
        geburt = self.datum(p.geburtsdatum, f"{field}.geburtsdatum", required=True)
        if geburt is not None and not heute - timedelta(days=120 * 366) <= geburt <= heute:
            self.add(f"{field}.geburtsdatum", "liegt in der Zukunft oder mehr als 120 Jahre zurück")
        self.text(
            p.staatsangehoerigkeit, f"{field}.staatsangehoerigkeit", required=False, max_len=NAME_LEN, single_line=True
        )
        if len(p.sprachen) > MAX_SPRACHEN:
            self.add(f"{field}.sprachen", f"höchstens {MAX_SPRACHEN} Sprachen")
        for i, sprache in enumerate(p.sprachen[:MAX_SPRACHEN]):
            self.text(sprache, f"{field}.sprachen[{i}]", required=True, max_len=50, single_line=True)
        for name in ("haushalt", "qualifikationen", "schulbildung", "berufsabschluss", "entwicklung"):
            self.text(getattr(p, name), f"{field}.{name}", required=False)

    def ziel(self, z: pb.Ziel, field: str = "ziel") -> None:
        if z.feld == pb.ZIELFELD_UNSPECIFIED or z.feld not in pb.Zielfeld.values():
            self.add(f"{field}.feld", "fehlt oder ist unbekannt: " + ", ".join(texte.ZIELFELD.values()))
        if z.status not in pb.Zielstatus.values():
            self.add(f"{field}.status", "unbekannter Status")
        self.text(z.beschreibung, f"{field}.beschreibung", required=True)
        self.text(z.massnahmen, f"{field}.massnahmen", required=False)
        self.text(z.verantwortlich, f"{field}.verantwortlich", required=False, max_len=NAME_LEN, single_line=True)
        self.datum(z.frist, f"{field}.frist", required=False)
