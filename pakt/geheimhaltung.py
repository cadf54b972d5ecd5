"""Statistical confidentiality (Geheimhaltung) of the Integrationsmanagement figures: no published
count describes fewer than five people. Pure functions, no database; the one rule for every
service that publishes such figures (reporting, and the case-plan service's GetFallzahlen).

The rule, for one breakdown (Aufgliederung) of a total into cells, each cell given as the number of
distinct people behind it:

1. Primary suppression: a cell describing 1 to 4 people is withheld. Zero is published: it
   describes nobody.
2. Complementary suppression, if the total is published: once any cell is withheld, further cells
   are withheld, the smallest non-zero published cell first (ties by key), until the withheld
   cells together describe at least five people. Then total minus the published cells gives only
   the sum of at least two withheld cells (a withheld cell of 1-4 needs a partner to reach five),
   and that sum itself describes five people or more: no withheld cell, and no group of fewer than
   five, can be recovered by subtraction.
3. If the total is withheld itself (one level up: a Kreis whose cell is withheld in the list of
   Kreise), the cells must not add up to it either: at least one non-zero cell is withheld, and
   again until the withheld cells describe five people or more, or all non-zero cells are
   withheld. Combined with the level above, total minus published cells there minus published
   cells here is then a sum over several withheld cells describing five people or more.

Hierarchy (fallzahlen): Land total -> Kreise -> Kommunen of each Kreis, each level a breakdown of
the one above, so a Kreis's figure is the same in the list of Kreise and as the total of its
Kommunen, and its Kommunen are suppressed knowing whether it is.

Goals (zielfeld) are published per field for the whole Land only: per Kreis they would form a
second table (Kreis x field, reached or not) whose cells add up across both dimensions, which
this one-dimensional rule does not protect.

What this does not cover: figures that differ between two points in time (a plan opened between
two looks at the dashboard shows as +1); publications of the same facts under another rule (so
both services publish through fallzahlen() here); and bounds a reader who knows this rule can
narrow (a complementary cell is at most the smallest
published one). Subtraction recovers no withheld cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_PERSONEN = 5


@dataclass(frozen=True)
class Zelle:
    value: int
    suppressed: bool


GESPERRT = Zelle(0, True)


def zu_klein(personen: int) -> bool:
    """Primary suppression: a cell of 1 to 4 people."""
    return 0 < personen < MIN_PERSONEN


def sperren(personen: Mapping[str, int], summe_gesperrt: bool) -> set[str]:
    """The keys of the cells to withhold in one breakdown (see the module's rule).

    personen: people behind each cell. summe_gesperrt: whether the breakdown's total is withheld;
    a published total must be 0 or at least MIN_PERSONEN.
    """
    total = sum(personen.values())
    if not summe_gesperrt and zu_klein(total):
        raise ValueError(f"a total of {total} people must not be published")
    gesperrt = {k for k, n in personen.items() if zu_klein(n)}
    kandidaten = sorted((n, k) for k, n in personen.items() if n > 0 and k not in gesperrt)

    def geschuetzt() -> bool:
        if summe_gesperrt and total > 0 and not gesperrt:
            return False  # the published cells would add up to the withheld total
        return not gesperrt or sum(personen[k] for k in gesperrt) >= MIN_PERSONEN

    while not geschuetzt() and kandidaten:
        gesperrt.add(kandidaten.pop(0)[1])
    return gesperrt


def zellen(werte: Mapping[str, int], gesperrt: Iterable[str]) -> dict[str, Zelle]:
    """The published cells: the value, or 0 with the suppressed flag."""
    gesperrt = set(gesperrt)
    return {k: GESPERRT if k in gesperrt else Zelle(v, False) for k, v in werte.items()}


@dataclass(frozen=True)
class Fallzahlen:
    land: Zelle
    kreise: dict[str, Zelle]
    # Kreis AGS -> Kommune AGS -> cell, for every Kreis given.
    kommunen: dict[str, dict[str, Zelle]]


def fallzahlen(je_kommune: Mapping[str, Mapping[str, int]]) -> Fallzahlen:
    """Open plans (one person each) per Kommune, grouped by Kreis (Kreis AGS -> Kommune AGS ->
    count; every Kreis and Kommune that is to be listed, zeros included), suppressed level by
    level: the Land total, the Kreise as its breakdown, the Kommunen as each Kreis's."""
    je_kreis = {kreis: sum(kommunen.values()) for kreis, kommunen in je_kommune.items()}
    land = sum(je_kreis.values())
    land_gesperrt = zu_klein(land)
    kreise_gesperrt = sperren(je_kreis, land_gesperrt)
    return Fallzahlen(
        land=GESPERRT if land_gesperrt else Zelle(land, False),
        kreise=zellen(je_kreis, kreise_gesperrt),
        kommunen={
            kreis: zellen(kommunen, sperren(kommunen, kreis in kreise_gesperrt))
            for kreis, kommunen in je_kommune.items()
        },
    )


@dataclass(frozen=True)
class ZieleImFeld:
    """One field's goals: how many, how many reached, and the people behind each group."""

    ziele: int
    erreicht: int
    personen: int  # plans with a goal in the field
    personen_erreicht: int  # plans with a reached goal in the field
    personen_nicht_erreicht: int  # plans with a goal in the field not (yet) reached


@dataclass(frozen=True)
class ZielfeldZellen:
    ziele: Zelle
    erreicht: Zelle


def zielfeld(z: ZieleImFeld) -> ZielfeldZellen:
    """Goals and goals reached of one field. ziele is withheld when fewer than five people have a
    goal in the field (rule 1). The goals split into reached and not reached, and ziele minus
    erreicht is the second part, so erreicht is withheld when either part describes fewer than
    five people (rule 2 for a breakdown into two cells: withholding erreicht withholds both, and
    what stays is ziele, behind which are five people or more), and always when ziele is: "0
    reached" beside a withheld ziele would say that the one to four people behind it reached none.
    """
    if zu_klein(z.personen):
        return ZielfeldZellen(GESPERRT, GESPERRT)
    if zu_klein(z.personen_erreicht) or zu_klein(z.personen_nicht_erreicht):
        return ZielfeldZellen(Zelle(z.ziele, False), GESPERRT)
    return ZielfeldZellen(Zelle(z.ziele, False), Zelle(z.erreicht, False))
