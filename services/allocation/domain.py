"""Allocation's rules as plain functions, without a database: "Geld folgt Flüchtling" (shares in
whole cents, and the Rechenweg of one share), the parameters in force, how an Antrag is decided
against its Pool, what a Verwendungsnachweis releases, an Umverteilung, and the checks of
allocation's requests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pakt import texte
from pakt.allocation.v1.allocation_pb2 import (
    Ablehnungsgrund,
    Entscheidung,
    ParameterArt,
    SetParameterRequest,
    Tranche,
)
from pakt.antrag.v1.antrag_pb2 import Antrag
from pakt.common.v1.programm_pb2 import Programm
from pakt.geld import euro
from pakt.platform.errors import FailedPrecondition, zahl
from pakt.platform.validation import Violations
from pakt.referenzdaten import Gebiete

# Who the idempotency keys of allocation's commands belong to: the Bewilligungsstelle as a whole,
# since every command is hers. A request repeated by another of her staff is still one request,
# as it always was here (the CLI derives an Erhebung's request_id from its file).
BEWILLIGUNGSSTELLE = "rp"

BUDGET, SCHWELLENWERT, STICHTAG = "budget", "schwellenwert", "stichtag"
# In order of precedence: the final tranche replaces the provisional one once in force.
TRANCHEN = ["TRANCHE_VORLAEUFIG", "TRANCHE_ENDGUELTIG"]
ART_NAME = {
    ParameterArt.PARAMETER_ART_BUDGET: BUDGET,
    ParameterArt.PARAMETER_ART_SCHWELLENWERT: SCHWELLENWERT,
    ParameterArt.PARAMETER_ART_STICHTAG: STICHTAG,
}


# -- a Verteilung -----------------------------------------------------------------------------------


def largest_remainder(budget_cent: int, weights: Mapping[str, int]) -> dict[str, int]:
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


def verteilen(budget_cent: int, anzahlen: Mapping[str, int]) -> dict[str, int]:
    """Every Gemeinde's Planungsrahmen: the budget by its share of the counts, in cents adding up
    exactly."""
    return largest_remainder(budget_cent, anzahlen)


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


def rechenweg(budget_cent: int, anzahlen: Mapping[str, int], ags: str) -> Schritt:
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
        f"Budget {euro(budget_cent)} × Anteil {zahl(s.anzahl)} von {zahl(s.anzahl_gesamt)} ({basis}) = "
        f"{euro(s.quote_ganz_cent)} ganzzahlig, Rest {zahl(s.rest)}/{zahl(s.anzahl_gesamt)} Cent. "
        f"Nach den ganzen Cent aller Gemeinden bleiben {zahl(s.restcents_gesamt)} Cent; sie gehen einzeln an "
        f"die größten Reste. Dieser Rest steht auf Rang {zahl(s.rest_rang)}: {cent} nur die ersten "
        f"{zahl(s.restcents_gesamt)} Ränge einen erhalten. Planungsrahmen: {euro(s.rahmen_cent)}."
    )


def in_force(versions: Iterable[Any]) -> dict[tuple, Any]:
    """Per parameter (art, programm, foerderjahr, tranche): the version in force, from the versions
    valid by a date in the order they came into force (gueltig_ab, then id)."""
    return {(r.art, r.programm, r.foerderjahr, r.tranche): r for r in versions}


def tranche_in_force(budgets: Mapping[str, Any], tranche: str | None) -> str | None:
    """The Tranche a Verteilung follows: the one asked for if its budget is in force; without one,
    the final Tranche once its budget is in force, before that the provisional one."""
    tranche = tranche or next((t for t in reversed(TRANCHEN) if budgets.get(t) is not None), None)
    return tranche if tranche is not None and budgets.get(tranche) is not None else None


def keep_what_is_bound(shares: Mapping[str, int], gebunden: Mapping[str, int]) -> None:
    """A Planungsrahmen never drops below what is already bound in it: such a Verteilung is refused
    whole."""
    if over := sorted(ags for ags in {*shares, *gebunden} if gebunden.get(ags, 0) > shares.get(ags, 0)):
        liste = ", ".join(f"{ags} (gebunden {euro(gebunden[ags])}, neu {euro(shares.get(ags, 0))})" for ags in over[:10])
        raise FailedPrecondition(
            f"Die neue Verteilung läge für {len(over)} Gemeinde(n) unter dem bereits gebundenen Betrag: {liste}"
            + (" …" if len(over) > 10 else "") + ". Nichts wurde geändert."
        )


# -- an Antrag decided, and released again --------------------------------------------------------


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


def kein_rahmen(ags: str, programm: str, foerderjahr: int, *, has_budget: bool) -> Entscheid:
    """The rejection of an Antrag whose Pool has no (complete) Planungsrahmen."""
    if not has_budget:
        return ablehnung(
            Ablehnungsgrund.ABLEHNUNGSGRUND_KEIN_BUDGET,
            f"Für {texte.PROGRAMM.name(programm)} ist im Förderjahr {foerderjahr} kein Budget festgelegt.",
        )
    return ablehnung(
        Ablehnungsgrund.ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN,
        f"Für {ags} besteht kein Planungsrahmen. Ein Landkreis erhält einen Planungsrahmen nur für "
        "Gemeinden, die ihm die Aufgabe übertragen haben.",
    )


def rahmen_pool(a: Antrag, gebiete: Gebiete) -> list[str]:
    """The Gemeinden whose Planungsrahmen an Antrag draws on, sorted.

    A Gemeinde draws on its own Planungsrahmen and, leading a Kooperation, on its members'; a
    Stadtkreis on its one city's; a Landkreis on the Planungsrahmen of the Gemeinden that transferred
    the task to it.
    """
    ags = a.antragsteller_ags
    if ags in gebiete.gemeinden:
        return sorted({ags, *(m.ags for m in a.mitglieder)})
    kreis = gebiete.kreise.get(ags)
    if kreis is not None and kreis.typ == "Stadtkreis":
        return [ags + "000"]
    return sorted(set(a.uebertragende_ags))


def bindungen(bewilligt_cent: int, frei: Mapping[str, int]) -> dict[str, int]:
    """How an approved amount is bound across the Pool: in proportion to what is free in each
    Planungsrahmen (largest remainder); nothing for a rejection."""
    return largest_remainder(bewilligt_cent, frei) if bewilligt_cent > 0 else {}


def freigabe(freigegeben_cent: int, bindung: Mapping[str, tuple[int, int]]) -> tuple[str, dict[str, int]]:
    """What a Verwendungsnachweis gives back to the Planungsrahmen of a Bescheid's Bindungen
    (per AGS: bound, released before), as (outcome, released per AGS): in proportion to what each
    bound; once ("duplicate" if anything was released before); never more than was bound
    ("rejected")."""
    if freigegeben_cent <= 0:
        return "ignored", {}
    if any(frei for _, frei in bindung.values()):
        return "duplicate", {}
    if freigegeben_cent > sum(gebunden for gebunden, _ in bindung.values()):
        return "rejected", {}
    return "applied", largest_remainder(freigegeben_cent, {ags: gebunden for ags, (gebunden, _) in bindung.items()})


# -- Umverteilung ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Umverteilung:
    """The money the Planungsrahmen in force have not bound, pooled and distributed again by their
    weights: neuer_rahmen = gebunden + share of everything free (see umverteilung.py)."""

    frei_gesamt_cent: int
    neu: dict[str, int]  # neuer_rahmen_cent by AGS


def umverteilen(rahmen: Mapping[str, tuple[int, int]], anzahlen: Mapping[str, int]) -> Umverteilung:
    """The Umverteilung of Planungsrahmen (per AGS: rahmen_cent, gebunden_cent) by the weights of
    their Verteilung."""
    frei = sum(cent - gebunden for cent, gebunden in rahmen.values())
    anteile = largest_remainder(frei, anzahlen)
    return Umverteilung(frei, {ags: gebunden + anteile[ags] for ags, (_, gebunden) in rahmen.items()})


def umverteilung_changes_something(
    programm: str, foerderjahr: int, rahmen: Mapping[str, tuple[int, int]], u: Umverteilung
) -> None:
    """An Umverteilung is applied only if something is free and it changes a Planungsrahmen."""
    name = texte.PROGRAMM.name(programm)
    if u.frei_gesamt_cent == 0:
        raise FailedPrecondition(
            f"In den Planungsrahmen von {name} {foerderjahr} ist nichts frei: alles ist gebunden. Nichts wurde geändert."
        )
    if all(u.neu[ags] == cent for ags, (cent, _) in rahmen.items()):
        raise FailedPrecondition(
            f"Die freien Mittel von {name} {foerderjahr} sind bereits nach der Regel verteilt: "
            "eine Umverteilung änderte keinen Planungsrahmen. Nichts wurde geändert."
        )


# -- checks of requests ----------------------------------------------------------------------------

# verteilung.basis holds at most 100 characters: "Umverteilung; " (14), the pooled amount with
# " frei; " (at most 16 + 7 for budgets below 10 Mrd. €), then the Quelle.
UMVERTEILUNG_QUELLE_MAX = 60
PARAMETER_QUELLE_MAX = 2000


class AllocationViolations(Violations):
    """The platform's checks, and the programme and Förderjahr every allocation request names."""

    def programm(self, programm: int, field: str = "programm") -> None:
        if programm == Programm.PROGRAMM_UNSPECIFIED or programm not in Programm.values():
            self.add(field, "fehlt oder ist unbekannt")

    def foerderjahr(self, foerderjahr: int, field: str = "foerderjahr") -> None:
        if not 2000 <= foerderjahr <= 2100:
            self.add(field, f"{foerderjahr} ist kein plausibles Förderjahr")

    def quelle(self, value: str, field: str, *, max_len: int, hint: str) -> None:
        """Where a value comes from: one line, required (the hint says what is asked for)."""
        if not value.strip():
            self.add(field, f"fehlt: {hint}")
        else:
            self.text(value, field, required=True, max_len=max_len, single_line=True)


def parameter_version(r: SetParameterRequest) -> dict:
    """The parameter table row for a valid request; every violation reported at once."""
    v = AllocationViolations()
    v.request_id(r.request_id)
    p = r.parameter
    art = ART_NAME.get(p.art)
    if art is None:
        v.add("parameter.art", "fehlt oder ist unbekannt: BUDGET, SCHWELLENWERT oder STICHTAG")
    if art in (BUDGET, SCHWELLENWERT):
        v.programm(p.programm, "parameter.programm")
        if p.betrag_cent <= 0:
            v.add("parameter.betrag_cent", "muss größer als 0 sein")
    elif art == STICHTAG and p.programm:
        v.add("parameter.programm", "ein Stichtag gilt für alle Programme: leer lassen")
    if art in (BUDGET, STICHTAG):
        v.foerderjahr(p.foerderjahr, "parameter.foerderjahr")
        if p.tranche not in (Tranche.TRANCHE_VORLAEUFIG, Tranche.TRANCHE_ENDGUELTIG):
            v.add("parameter.tranche", "fehlt: VORLAEUFIG oder ENDGUELTIG")
    elif art == SCHWELLENWERT and (p.foerderjahr or p.tranche):
        v.add("parameter.foerderjahr", "ein Schwellenwert gilt je Programm, ohne Förderjahr und Tranche")
    stichtag = v.datum(p.stichtag, "parameter.stichtag", required=art == STICHTAG)
    if art != STICHTAG and p.stichtag:
        v.add("parameter.stichtag", "nur bei einem Stichtag anzugeben")
    if art == STICHTAG and p.betrag_cent:
        v.add("parameter.betrag_cent", "ein Stichtag hat keinen Betrag")
    gueltig_ab = v.datum(p.gueltig_ab, "parameter.gueltig_ab")
    v.quelle(p.quelle, "parameter.quelle", max_len=PARAMETER_QUELLE_MAX, hint="woher stammt der Wert (Beschluss, Erlass, Annahme)?")
    v.raise_if_any()
    return {
        "art": art,
        "programm": Programm.Name(p.programm) if art != STICHTAG else "",
        "foerderjahr": p.foerderjahr if art != SCHWELLENWERT else None,
        "tranche": Tranche.Name(p.tranche) if art != SCHWELLENWERT else None,
        "stichtag": stichtag if art == STICHTAG else None,
        "betrag_cent": p.betrag_cent if art != STICHTAG else 0,
        "gueltig_ab": gueltig_ab,
        "quelle": p.quelle,
    }


def check_umverteilung(programm: int, foerderjahr: int, request_id: str | None = None, quelle: str | None = None) -> None:
    """A simulated (programme and year) or applied Umverteilung (with request_id and Quelle)."""
    v = AllocationViolations()
    if request_id is not None:
        v.request_id(request_id)
    v.programm(programm)
    v.foerderjahr(foerderjahr)
    if quelle is not None:
        v.quelle(quelle, "quelle", max_len=UMVERTEILUNG_QUELLE_MAX, hint="warum wird umverteilt (Beschluss, Datum)?")
    v.raise_if_any()

