"""Reference data: Gemeinden, Kreise, Regierungsbezirke and the programme catalogue.

Read from the files in this folder (see SOURCES.md); nothing here types their numbers in.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HERE = Path(__file__).parent

GEMEINDE_AGS = re.compile(r"^08\d{6}$")
KREIS_AGS = re.compile(r"^08\d{3}$")


@dataclass(frozen=True)
class Gemeinde:
    ags: str
    name: str
    kreis_ags: str
    population: int


@dataclass(frozen=True)
class Kreis:
    ags: str
    name: str
    typ: str  # "Stadtkreis" or "Landkreis"
    regierungsbezirk: str
    population: int
    # Unique label: "Heilbronn" is both a Stadtkreis and a Landkreis, so the Stadtkreis says so.
    bezeichnung: str


@dataclass(frozen=True)
class Programmdefinition:
    programm: str  # enum name, e.g. PROGRAMM_SPRACHERWERB
    name: str
    foerderjahre: tuple[int, ...]
    hoechstbetrag_cent: int


@dataclass(frozen=True)
class Gebiete:
    gemeinden: dict[str, Gemeinde]
    kreise: dict[str, Kreis]

    def kreis_of(self, ags: str) -> str | None:
        """The Kreis AGS of a Gemeinde (8 digits) or Kreis (5 digits); None if unknown."""
        if ags in self.kreise:
            return ags
        gemeinde = self.gemeinden.get(ags)
        return gemeinde.kreis_ags if gemeinde else None

    def name_of(self, ags: str) -> str:
        if ags in self.kreise:
            return self.kreise[ags].name
        return self.gemeinden[ags].name


@cache
def gebiete() -> Gebiete:
    regierungsbezirke = {row["rb_ags"]: row["name"] for row in _read_csv("regierungsbezirke.csv", ",")}
    rows = _read_csv("kreise.csv", ";")
    name_count = Counter(row["name"] for row in rows)
    kreise = {}
    for row in rows:
        ags, name = row["AGS"], row["name"]
        kreise[ags] = Kreis(
            ags=ags,
            name=name,
            typ=row["type"],
            regierungsbezirk=regierungsbezirke[ags[:3]],
            population=int(row["population"]),
            bezeichnung=f"{name} ({row['type']})" if name_count[name] > 1 else name,
        )
    gemeinden = {}
    for row in _read_csv("gemeinden.csv", ","):
        gemeinde = Gemeinde(
            ags=row["ags"], name=row["name"], kreis_ags=row["kreis_ags"], population=int(row["population"])
        )
        if gemeinde.kreis_ags not in kreise:
            raise ValueError(f"Gemeinde {gemeinde.ags} names unknown Kreis {gemeinde.kreis_ags}")
        if not GEMEINDE_AGS.match(gemeinde.ags) or not gemeinde.ags.startswith(gemeinde.kreis_ags):
            raise ValueError(f"Gemeinde {gemeinde.ags}: malformed AGS")
        gemeinden[gemeinde.ags] = gemeinde
    return Gebiete(gemeinden=gemeinden, kreise=kreise)


@cache
def programme() -> dict[str, Programmdefinition]:
    data = json.loads((_HERE / "programme.json").read_text(encoding="utf-8"))
    return {
        p["programm"]: Programmdefinition(
            programm=p["programm"],
            name=p["name"],
            foerderjahre=tuple(p["foerderjahre"]),
            hoechstbetrag_cent=int(p["hoechstbetrag_cent"]),
        )
        for p in data["programme"]
    }


def _read_csv(name: str, delimiter: str) -> list[dict[str, str]]:
    with open(_HERE / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))
