"""The reporting read model (SQLite and PostgreSQL): replaying every event, even twice and out
of order, gives the same figures."""

from __future__ import annotations

import pytest

from pakt.allocation.v1.events_pb2 import KommunenRahmen, VerteilungFestgelegt
from pakt.antrag.v1.antrag_pb2 import ANTRAG_STATUS_BEWILLIGT, ANTRAG_STATUS_EINGEGANGEN, Antrag
from pakt.antrag.v1.events_pb2 import AntragBeschieden, AntragEingereicht
from pakt.platform import events
from pakt.reporting.v1.reporting_pb2 import GLIEDERUNG_LANDKREIS, GLIEDERUNG_PROGRAMM
from services.reporting.main import MIGRATIONS
from tests.databases import migrated_engine
from tests.reporting import Lesemodell


@pytest.fixture
def readmodel(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Lesemodell(engine)


def _events():
    verteilung = VerteilungFestgelegt(
        verteilung_id="v1",
        programm=1,
        foerderjahr=2017,
        budget_cent=1_000_00,
        rahmen=[
            KommunenRahmen(kommune_ags="08111000", kreis_ags="08111", rahmen_cent=600_00),
            KommunenRahmen(kommune_ags="08115003", kreis_ags="08115", rahmen_cent=400_00),
        ],
    )
    base = dict(id="a1", antragsteller_ags="08115003", kreis_ags="08115", programm=1, foerderjahr=2017, betrag_cent=500_00)
    eingereicht = AntragEingereicht(antrag=Antrag(**base, status=ANTRAG_STATUS_EINGEGANGEN, version=1))
    beschieden = AntragBeschieden(antrag=Antrag(**base, status=ANTRAG_STATUS_BEWILLIGT, bewilligt_cent=400_00, version=2))
    return [
        events.Event(events.wrap(verteilung, aggregate_type="verteilung", aggregate_key="IM/2017", aggregate_version=1, producer="allocation"), verteilung),
        events.Event(events.wrap(eingereicht, aggregate_type="antrag", aggregate_key="a1", aggregate_version=1, producer="antrag"), eingereicht),
        events.Event(events.wrap(beschieden, aggregate_type="antrag", aggregate_key="a1", aggregate_version=2, producer="antrag"), beschieden),
    ]


def _figures(readmodel, by):
    return [(r.key, r.planungsrahmen_cent, r.beantragt_cent, r.bewilligt_cent, r.antraege) for r in readmodel.utilisation(by, 0)]


def test_replaying_twice_and_out_of_order_gives_the_same_figures(readmodel):
    evs = _events()
    for e in evs:
        assert readmodel.apply(e) == "applied"
    first = _figures(readmodel, GLIEDERUNG_LANDKREIS)
    # Replay everything, newest first: nothing changes.
    for e in reversed(evs):
        assert readmodel.apply(e) == "stale"
    assert _figures(readmodel, GLIEDERUNG_LANDKREIS) == first
    assert len(first) == 44
    by_key = {row[0]: row for row in first}
    assert by_key["08115"] == ("08115", 400_00, 500_00, 400_00, 1)
    assert by_key["08111"] == ("08111", 600_00, 0, 0, 0)
    assert readmodel.events_applied() == 3
    rows, applied = readmodel.utilisation_und_stand(GLIEDERUNG_PROGRAMM, 2017)
    assert applied == 3  # the figures and the count they stand for, from one transaction
    programme = {r.key: r for r in rows}
    assert programme["PROGRAMM_INTEGRATIONSMANAGEMENT"].planungsrahmen_cent == 1_000_00
    assert programme["PROGRAMM_SPRACHERWERB"].planungsrahmen_cent == 0


def test_older_state_arriving_late_does_not_overwrite_newer(readmodel):
    verteilung, eingereicht, beschieden = _events()
    readmodel.apply(beschieden)
    assert readmodel.apply(eingereicht) == "stale"
    row = {r.key: r for r in readmodel.utilisation(GLIEDERUNG_LANDKREIS, 2017)}["08115"]
    assert row.bewilligt_cent == 400_00
