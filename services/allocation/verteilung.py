"""A Verteilung of one budget over the Gemeinden, and the trace of one Gemeinde's Planungsrahmen, as
plain functions: everything the service stores or explains is computed here, without I/O."""

from __future__ import annotations

from dataclasses import dataclass

from pakt.geld import euro
from services.allocation.domain import largest_remainder


@dataclass(frozen=True)
class Schritt:
    """The largest-remainder computation of one share, step by step."""

    anzahl: int
    anzahl_gesamt: int
    quote_ganz_cent: int  # floor(budget × anzahl / anzahl_gesamt)
    rest: int  # budget × anzahl − quote_ganz × anzahl_gesamt
    restcents_gesamt: int  # cents left after every whole part, one each to the largest remainders
    rest_rang: int  # 1 = largest remainder (ties: smaller AGS first)
    plus_ein_cent: bool
    rahmen_cent: int


def verteilen(budget_cent: int, anzahlen: dict[str, int]) -> dict[str, int]:
    """Every Gemeinde's Planungsrahmen: the budget by its share of the counts, in cents adding up
    exactly."""
    return largest_remainder(budget_cent, anzahlen)


def rechenweg(budget_cent: int, anzahlen: dict[str, int], ags: str) -> Schritt:
    """How verteilen() arrives at the Planungsrahmen of one Gemeinde."""
    total = sum(anzahlen.values())
    rests = {k: budget_cent * w % total for k, w in anzahlen.items()}
    restcents = budget_cent - sum(budget_cent * w // total for w in anzahlen.values())
    order = sorted(anzahlen, key=lambda k: (-rests[k], k))
    rang = order.index(ags) + 1
    ganz = budget_cent * anzahlen[ags] // total
    plus = rang <= restcents
    return Schritt(
        anzahl=anzahlen[ags],
        anzahl_gesamt=total,
        quote_ganz_cent=ganz,
        rest=rests[ags],
        restcents_gesamt=restcents,
        rest_rang=rang,
        plus_ein_cent=plus,
        rahmen_cent=ganz + int(plus),
    )


def erlaeuterung(budget_cent: int, s: Schritt, basis: str) -> str:
    """The computation in German words, for the Bescheid file and the operator."""
    cent = "ein Cent mehr, weil" if s.plus_ein_cent else "kein weiterer Cent, weil"
    return (
        f"Budget {euro(budget_cent)} × Anteil {_zahl(s.anzahl)} von {_zahl(s.anzahl_gesamt)} ({basis}) = "
        f"{euro(s.quote_ganz_cent)} ganzzahlig, Rest {_zahl(s.rest)}/{_zahl(s.anzahl_gesamt)} Cent. "
        f"Nach den ganzen Cent aller Gemeinden bleiben {_zahl(s.restcents_gesamt)} Cent; sie gehen einzeln an "
        f"die größten Reste. Dieser Rest steht auf Rang {_zahl(s.rest_rang)}: {cent} nur die ersten "
        f"{_zahl(s.restcents_gesamt)} Ränge einen erhalten. Planungsrahmen: {euro(s.rahmen_cent)}."
    )


def _zahl(n: int) -> str:
    return f"{n:,}".replace(",", ".")
