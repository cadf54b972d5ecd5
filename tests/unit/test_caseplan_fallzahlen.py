"""Fallzahlen of the case-plan service without a database: suppression, Kreis validation, gRPC mapping."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine

from pakt.caseplan.v1 import caseplan_pb2
from pakt.geheimhaltung import MIN_PERSONEN
from pakt.referenzdaten import gebiete
from pakt.platform.errors import InvalidArgument
from services.caseplan.grpc_api import CasePlanServicer
from tests.caseplan import cipher
from services.caseplan.service import (
    CasePlanService,
    Fallzahl,
    suppress_small_cells,
    validate_kreis_ags,
)


def test_small_cells_and_their_complements_are_suppressed_and_empty_kommunen_left_out():
    # Böblingen's 4 is too small; Stuttgart's 5 goes with it, or 21 − 12 would give it away.
    result = suppress_small_cells({"08115003": 4, "08111000": 5, "08116019": 0, "08221000": 12})
    assert sorted(result, key=lambda f: f.kommune_ags) == [
        Fallzahl(kommune_ags="08111000", offene_plaene=0, suppressed=True),
        Fallzahl(kommune_ags="08115003", offene_plaene=0, suppressed=True),
        Fallzahl(kommune_ags="08221000", offene_plaene=12, suppressed=False),
    ]


GEMEINDEN = sorted(gebiete().gemeinden)


@given(st.dictionaries(st.sampled_from(GEMEINDEN), st.integers(min_value=0, max_value=50)))
def test_no_published_figure_describes_fewer_than_five_people(counts):
    result = suppress_small_cells(counts)
    assert sorted(f.kommune_ags for f in result) == sorted(ags for ags, n in counts.items() if n > 0)
    for f in result:
        if f.suppressed:
            assert f.offene_plaene == 0
        else:
            assert f.offene_plaene == counts[f.kommune_ags] >= MIN_PERSONEN
    # What is withheld cannot be worked out from the published figures and the Land total.
    withheld = [counts[f.kommune_ags] for f in result if f.suppressed]
    assert not withheld or sum(withheld) >= MIN_PERSONEN or len(withheld) == len(result)


@pytest.mark.parametrize("kreis_ags", ["08111", "08115", "08436"])
def test_known_kreise_are_accepted(kreis_ags):
    validate_kreis_ags(kreis_ags)


@pytest.mark.parametrize("kreis_ags", ["", "08", "08999", "09162", "08111000", " 08111"])
def test_unknown_kreis_is_rejected_with_a_field_violation(kreis_ags):
    with pytest.raises(InvalidArgument) as raised:
        validate_kreis_ags(kreis_ags)
    [violation] = raised.value.violations
    assert violation.field == "kreis_ags"
    assert "Kreisschlüssel" in violation.description


def test_service_rejects_an_unknown_kreis_before_querying():
    # An empty in-memory database has no table: a query would fail with a database error instead.
    service = CasePlanService(create_engine("sqlite://"), cipher())
    with pytest.raises(InvalidArgument):
        service.fallzahlen("08999")


class _RecordingService:
    def __init__(self, result: list[Fallzahl]) -> None:
        self.result = result
        self.calls: list[str | None] = []

    def fallzahlen(self, kreis_ags: str | None) -> list[Fallzahl]:
        self.calls.append(kreis_ags)
        return self.result


def test_grpc_handler_maps_empty_kreis_to_all_and_returns_the_figures():
    service = _RecordingService([Fallzahl("08111000", 7, False), Fallzahl("08115003", 0, True)])
    servicer = CasePlanServicer(service)  # type: ignore[arg-type]

    all_kreise = asyncio.run(servicer.GetFallzahlen(caseplan_pb2.GetFallzahlenRequest(), None))
    asyncio.run(servicer.GetFallzahlen(caseplan_pb2.GetFallzahlenRequest(kreis_ags="08115"), None))

    assert service.calls == [None, "08115"]
    assert [(f.kommune_ags, f.offene_plaene, f.suppressed) for f in all_kreise.fallzahlen] == [
        ("08111000", 7, False),
        ("08115003", 0, True),
    ]
