"""Service layer of the case-plan service: what leaves it is aggregated, never a single person."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from pakt.platform.errors import FieldViolation, InvalidArgument
from pakt.referenzdaten import gebiete
from services.caseplan.tables import STATUS_OFFEN, integrationsplan

# Smallest number of plans a published figure may describe. A count of 1 to 4 in a Kommune is
# close to naming the people counselled there (Sozialgeheimnis, §35 SGB I), so no figure may
# describe fewer than 5 people.
MIN_CELL_SIZE = 5


@dataclass(frozen=True)
class Fallzahl:
    kommune_ags: str
    offene_plaene: int
    suppressed: bool


def suppress_small_cells(open_plans: Mapping[str, int]) -> list[Fallzahl]:
    """One Fallzahl per Kommune with open plans, by AGS; counts below MIN_CELL_SIZE withheld."""
    return [
        Fallzahl(kommune_ags=ags, offene_plaene=0, suppressed=True)
        if count < MIN_CELL_SIZE
        else Fallzahl(kommune_ags=ags, offene_plaene=count, suppressed=False)
        for ags, count in sorted(open_plans.items())
        if count > 0
    ]


def validate_kreis_ags(kreis_ags: str) -> None:
    if kreis_ags not in gebiete().kreise:
        raise InvalidArgument(
            [
                FieldViolation(
                    "kreis_ags",
                    f"{kreis_ags!r} ist kein Stadt- oder Landkreis in Baden-Württemberg; "
                    "erwartet wird der fünfstellige Kreisschlüssel (AGS), z. B. 08111.",
                )
            ]
        )


class CasePlanService:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def fallzahlen(self, kreis_ags: str | None) -> list[Fallzahl]:
        """Open plans per Kommune, optionally only the Kommunen of one Kreis."""
        query = (
            select(integrationsplan.c.kommune_ags, func.count())
            .where(integrationsplan.c.status == STATUS_OFFEN)
            .group_by(integrationsplan.c.kommune_ags)
        )
        if kreis_ags is not None:
            validate_kreis_ags(kreis_ags)
            # A Gemeinde's AGS starts with its Kreis's (checked in pakt.referenzdaten), and a
            # Landkreis that took over the task is a Kommune of its own with exactly that AGS.
            query = query.where(integrationsplan.c.kommune_ags.startswith(kreis_ags, autoescape=True))
        with self._engine.connect() as conn:
            open_plans = {ags: count for ags, count in conn.execute(query)}
        return suppress_small_cells(open_plans)
