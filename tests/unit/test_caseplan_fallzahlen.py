"""Fallzahlen of the case-plan service without a database: suppression, Kreis validation, and the
use case's answer for all Kreise or one."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine

from pakt.caseplan.v1 import caseplan_pb2
from pakt.geheimhaltung import MIN_PERSONEN
from pakt.platform.errors import InvalidArgument
from pakt.referenzdaten import gebiete
from services.caseplan import abfragen
from services.caseplan.domain import Fallzahl, check_kreis, suppress_small_cells
from services.caseplan.main import units_of_work
from tests.caseplan import RP, cipher
from tests.fakes import FakeUnits


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
    check_kreis(kreis_ags)


@pytest.mark.parametrize(
    ("kreis_ags", "description"),
    [
        ("", "fehlt"),
        ("08", "„08“ ist kein Kreisschlüssel (5 Ziffern)"),
        ("08999", "08999 ist kein Stadt- oder Landkreis in Baden-Württemberg"),
        ("09162", "09162 ist kein Stadt- oder Landkreis in Baden-Württemberg"),
        ("08111000", "„08111000“ ist kein Kreisschlüssel (5 Ziffern)"),
        (" 08111", "„ 08111“ ist kein Kreisschlüssel (5 Ziffern)"),
    ],
)
def test_unknown_kreis_is_rejected_with_a_field_violation(kreis_ags, description):
    with pytest.raises(InvalidArgument) as raised:
        check_kreis(kreis_ags)
    [violation] = raised.value.violations
    assert (violation.field, violation.description) == ("kreis_ags", description)


def test_an_unknown_kreis_is_rejected_before_querying():
    # An empty in-memory database has no table: a query would fail with a database error instead.
    units = units_of_work(create_engine("sqlite://"), cipher())
    with pytest.raises(InvalidArgument):
        abfragen.fallzahlen(units, RP, caseplan_pb2.GetFallzahlenRequest(kreis_ags="08999"))


class _OpenPlans:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def open_plans_per_kommune(self) -> dict[str, int]:
        return self.counts


class _ReadingUnits(FakeUnits):
    @contextmanager
    def read(self):
        yield self.repo


def test_an_empty_kreis_means_every_kreis_and_one_kreis_only_its_kommunen():
    # Leonberg's 2 is withheld, and Böblingen's 5 with it, or the Kreis total would give it away.
    units = _ReadingUnits(_OpenPlans({"08111000": 7, "08115003": 5, "08115028": 2, "08212000": 6}))

    every = abfragen.fallzahlen(units, RP, caseplan_pb2.GetFallzahlenRequest())
    boeblingen = abfragen.fallzahlen(units, RP, caseplan_pb2.GetFallzahlenRequest(kreis_ags="08115"))

    assert [(f.kommune_ags, f.offene_plaene, f.suppressed) for f in every.fallzahlen] == [
        ("08111000", 7, False),
        ("08115003", 0, True),
        ("08115028", 0, True),
        ("08212000", 6, False),
    ]
    assert [f.kommune_ags for f in boeblingen.fallzahlen] == ["08115003", "08115028"]
