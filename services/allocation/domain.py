"""'Geld folgt Flüchtling' as plain functions: shares in whole cents, and how an Antrag is decided."""

from __future__ import annotations

from dataclasses import dataclass

from pakt.allocation.v1.allocation_pb2 import Ablehnungsgrund, Entscheidung
from pakt.geld import euro


def largest_remainder(budget_cent: int, weights: dict[str, int]) -> dict[str, int]:
    """Split budget_cent over the keys in proportion to their weights, in whole cents.

    Each key gets the floor of its exact quota; the cents left over go one each to the keys with
    the largest remainders (ties: smaller key first), so the shares add up exactly to the budget.
    Integer arithmetic only: the quota of key k is budget * w_k / W exactly.
    """
    if budget_cent < 0:
        raise ValueError("budget must not be negative")
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must not be negative")
    total = sum(weights.values())
    if total == 0:
        raise ValueError("at least one weight must be positive")
    shares = {k: budget_cent * w // total for k, w in weights.items()}
    left = budget_cent - sum(shares.values())
    by_remainder = sorted(weights, key=lambda k: (-(budget_cent * weights[k] % total), k))
    for key in by_remainder[:left]:
        shares[key] += 1
    return shares


@dataclass(frozen=True)
class Entscheid:
    """What decide() decides for one Antrag, not yet stored: the Entscheidung (the outcome), the
    amount, the Ablehnungsgrund and the Begründung. Stored with its Bindungen, it is the Bescheid
    (table `bescheid`, event BescheidErlassen). See docs/glossar.md, Entscheidung."""

    entscheidung: int  # Entscheidung enum value
    bewilligt_cent: int
    ablehnungsgrund: int  # Ablehnungsgrund enum value
    begruendung: str  # German, for the applicant


def ablehnung(grund: int, begruendung: str) -> Entscheid:
    return Entscheid(Entscheidung.ENTSCHEIDUNG_ABGELEHNT, 0, grund, begruendung)


def decide(beantragt_cent: int, rahmen_cent: int, gebunden_cent: int, schwelle_cent: int | None) -> Entscheid:
    """Approve up to what is left of the Planungsrahmen, partially above it; reject below the
    Schwellenwert."""
    if schwelle_cent is not None and rahmen_cent < schwelle_cent:
        return ablehnung(
            Ablehnungsgrund.ABLEHNUNGSGRUND_UNTER_SCHWELLENWERT,
            f"Der Planungsrahmen von {euro(rahmen_cent)} liegt unter dem Schwellenwert von "
            f"{euro(schwelle_cent)} für eine eigene Antragstellung. Möglich sind ein gemeinsamer Antrag "
            "mit anderen Kommunen (Kooperation mit federführender Kommune) oder die Übertragung an den Landkreis.",
        )
    rest = rahmen_cent - gebunden_cent
    if rest <= 0:
        return ablehnung(
            Ablehnungsgrund.ABLEHNUNGSGRUND_RAHMEN_AUSGESCHOEPFT,
            f"Der Planungsrahmen von {euro(rahmen_cent)} ist vollständig gebunden.",
        )
    if beantragt_cent <= rest:
        return Entscheid(
            Entscheidung.ENTSCHEIDUNG_BEWILLIGT,
            beantragt_cent,
            Ablehnungsgrund.ABLEHNUNGSGRUND_UNSPECIFIED,
            f"Bewilligt in voller Höhe von {euro(beantragt_cent)}.",
        )
    return Entscheid(
        Entscheidung.ENTSCHEIDUNG_TEILWEISE_BEWILLIGT,
        rest,
        Ablehnungsgrund.ABLEHNUNGSGRUND_UNSPECIFIED,
        f"Teilweise bewilligt: {euro(rest)} von {euro(beantragt_cent)}, dem noch freien Teil des "
        f"Planungsrahmens von {euro(rahmen_cent)}.",
    )
