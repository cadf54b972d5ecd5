"""What reporting's read model offers reconciliation and rebuild, on SQLite and PostgreSQL: released
and reclaimed money per Antrag, events processed per producer, a reset that empties everything at
once, and the migration that brings rows from before it into the reconciliation."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from pakt.allocation.v1.events_pb2 import BescheidErlassen, KommunenRahmen, VerteilungFestgelegt
from pakt.antrag.v1.antrag_pb2 import (
    ANTRAG_STATUS_ABGESCHLOSSEN,
    ANTRAG_STATUS_BEWILLIGT,
    ANTRAG_STATUS_EINGEGANGEN,
    SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN,
    Antrag,
)
from pakt.antrag.v1.events_pb2 import AntragBeschieden, AntragEingereicht, AntragFortgeschrieben
from pakt.platform import events
from pakt.platform.db import make_engine
from pakt.reporting.v1.reporting_pb2 import GLIEDERUNG_LANDKREIS, GLIEDERUNG_PROGRAMM
from services.reporting.main import MIGRATIONS
from tests.databases import migrated_engine
from tests.reporting import Lesemodell

BASE = dict(id="a1", antragsteller_ags="08115003", kreis_ags="08115", programm=1, foerderjahr=2017, betrag_cent=500_00)


@pytest.fixture
def readmodel(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Lesemodell(engine)


def _event(payload, key: str, version: int, producer: str) -> events.Event:
    return events.Event(events.wrap(payload, aggregate_type="x", aggregate_key=key, aggregate_version=version, producer=producer), payload)


def _history() -> list[events.Event]:
    verteilung = VerteilungFestgelegt(
        verteilung_id="v1", programm=1, foerderjahr=2017, budget_cent=1_000_00,
        rahmen=[KommunenRahmen(kommune_ags="08115003", kreis_ags="08115", rahmen_cent=1_000_00)],
    )
    settled = Antrag(**BASE, status=ANTRAG_STATUS_ABGESCHLOSSEN, bewilligt_cent=400_00, ausgezahlt_cent=300_00,
                     freigegeben_cent=150_00, rueckforderung_cent=50_00, version=7)
    return [
        _event(verteilung, "PROGRAMM_INTEGRATIONSMANAGEMENT/2017", 1, "allocation"),
        _event(AntragEingereicht(antrag=Antrag(**BASE, status=ANTRAG_STATUS_EINGEGANGEN, version=1)), "a1", 1, "antrag"),
        _event(BescheidErlassen(bescheid_id="b1", antrag_id="a1", bewilligt_cent=400_00), "a1", 1, "allocation"),
        _event(AntragBeschieden(antrag=Antrag(**BASE, status=ANTRAG_STATUS_BEWILLIGT, bewilligt_cent=400_00, version=4)),
               "a1", 4, "antrag"),
        _event(AntragFortgeschrieben(antrag=settled, schritt=SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN), "a1", 7, "antrag"),
    ]


def _figures(readmodel: Lesemodell) -> list:
    return readmodel.utilisation(GLIEDERUNG_LANDKREIS, 0) + readmodel.utilisation(GLIEDERUNG_PROGRAMM, 0)


def test_a_settled_antrag_keeps_its_figures_and_counts_what_stays_committed(readmodel):
    for e in _history():
        readmodel.apply(e)
    rows, token = readmodel.list_antrag_staende(0, "")
    assert token == "" and len(rows) == 1
    r = rows[0]
    assert (r.version, r.status, r.bewilligt_cent, r.ausgezahlt_cent, r.freigegeben_cent, r.rueckforderung_cent) == (
        7, "ANTRAG_STATUS_ABGESCHLOSSEN", 400_00, 300_00, 150_00, 50_00
    )
    kreis = next(z for z in readmodel.utilisation(GLIEDERUNG_LANDKREIS, 2017) if z.key == "08115")
    assert (kreis.bewilligt_cent, kreis.ausgezahlt_cent) == (250_00, 300_00)


def test_every_event_is_counted_per_producer_whatever_its_effect(readmodel):
    history = _history()
    for e in history + history:
        readmodel.apply(e)
    applied, processed = readmodel.aggregation()
    # Applied: the Verteilung and three Antrag versions; the Bescheid is not the read model's.
    assert applied == 4
    assert processed == {"antrag": 6, "allocation": 4}


def test_a_reset_empties_the_read_model_and_a_replay_fills_it_again(readmodel):
    history = _history()
    for e in history:
        readmodel.apply(e)
    before = _figures(readmodel)
    assert readmodel.reset() == 1
    assert readmodel.aggregation() == (0, {})
    assert readmodel.list_antrag_staende(0, "") == ([], "")
    emptied = _figures(readmodel)
    assert all(z.planungsrahmen_cent == z.bewilligt_cent == z.antraege == 0 for z in emptied)
    with readmodel.engine.connect() as conn:
        for table in ("antrag_stand", "verteilung_stand", "rahmen_stand", "ip_plan_stand", "ip_ziel_stand", "aggregation_erzeuger"):
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 0, table
    for e in history:
        readmodel.apply(e)
    assert _figures(readmodel) == before
    assert readmodel.aggregation() == (4, {"antrag": 3, "allocation": 2})


def test_pages_of_the_read_model_by_antrag_id(readmodel):
    ids = sorted(f"{i:08d}-0000-4000-8000-000000000000" for i in range(5))
    for i in ids:
        readmodel.apply(_event(AntragEingereicht(antrag=Antrag(**{**BASE, "id": i}, status=ANTRAG_STATUS_EINGEGANGEN, version=1)),
                               i, 1, "antrag"))
    first, token = readmodel.list_antrag_staende(2, "")
    second, token = readmodel.list_antrag_staende(2, token)
    third, token = readmodel.list_antrag_staende(2, token)
    assert token == "" and [r.antrag_id for r in first + second + third] == ids


def _upgrade(engine: Engine, migrations: Path, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def test_rows_from_before_the_migration_are_filled_in_by_their_next_events(db_url):
    engine = make_engine(db_url)
    try:
        _upgrade(engine, MIGRATIONS, "0002")
        with engine.begin() as conn:
            # Revision 0002 kept bewilligt - freigegeben: 400 € approved, 150 € released.
            for antrag_id, status, bewilligt, version in (("a1", "ANTRAG_STATUS_ABGESCHLOSSEN", 250_00, 7),
                                                          ("a2", "ANTRAG_STATUS_BEWILLIGT", 100_00, 4)):
                conn.execute(
                    text(
                        "INSERT INTO antrag_stand (antrag_id, version, antragsteller_ags, kreis_ags, programm, foerderjahr,"
                        " status, betrag_cent, bewilligt_cent, ausgezahlt_cent) VALUES (:id, :v, '08115003', '08115',"
                        " 'PROGRAMM_INTEGRATIONSMANAGEMENT', 2017, :s, 50000, :b, 0)"
                    ),
                    {"id": antrag_id, "v": version, "s": status, "b": bewilligt},
                )
        _upgrade(engine, MIGRATIONS, "head")
        readmodel = Lesemodell(engine)
        rows = {r.antrag_id: r for r in readmodel.list_antrag_staende(0, "")[0]}
        # The settled one is behind every event now (pakt abgleich asks antrag for them); the other is as it was.
        assert (rows["a1"].version, rows["a1"].bewilligt_cent, rows["a1"].freigegeben_cent) == (0, 250_00, 0)
        assert (rows["a2"].version, rows["a2"].bewilligt_cent, rows["a2"].freigegeben_cent) == (4, 100_00, 0)
        kreis = next(z for z in readmodel.utilisation(GLIEDERUNG_LANDKREIS, 2017) if z.key == "08115")
        assert kreis.bewilligt_cent == 350_00  # unchanged by the migration
        assert readmodel.apply(_history()[-1]) == "applied"
        a1 = {r.antrag_id: r for r in readmodel.list_antrag_staende(0, "")[0]}["a1"]
        assert (a1.version, a1.bewilligt_cent, a1.freigegeben_cent, a1.rueckforderung_cent) == (7, 400_00, 150_00, 50_00)
        kreis = next(z for z in readmodel.utilisation(GLIEDERUNG_LANDKREIS, 2017) if z.key == "08115")
        assert kreis.bewilligt_cent == 350_00
    finally:
        engine.dispose()
