"""Schema migrations carry existing data forward, on SQLite and PostgreSQL: a database of the
previous revision, with rows in it, upgrades to the newest one and its rows still make sense."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, select, text

from pakt.allocation.v1 import allocation_pb2 as apb
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.platform import events
from pakt.platform.db import make_engine
from pakt.referenzdaten import gebiete
from services.allocation.main import MIGRATIONS as ALLOCATION_MIGRATIONS
from services.allocation.tables import idempotenzschluessel, parameter, verteilung
from services.antrag.main import MIGRATIONS as ANTRAG_MIGRATIONS
from tests.allocation import Allocation
from tests.antraege import Antraege
from tests.antraege import RP, STUTTGART, kommune, rid

NOW = datetime(2017, 7, 14, 8, 0, tzinfo=UTC)


def upgrade(engine: Engine, migrations: Path, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(engine: Engine, migrations: Path, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_antraege_of_revision_0001_get_a_foerderzeitraum_and_stay_usable(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, ANTRAG_MIGRATIONS, "0001")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO antrag (id, status, antragsteller_ags, kreis_ags, programm, foerderjahr, betrag_cent,"
                    " bewilligt_cent, ausgezahlt_cent, bescheid_id, bescheid_begruendung, eingegangen_at,"
                    " geaendert_at, version) VALUES (:id, 'ANTRAG_STATUS_BEWILLIGT', :ags, '08111',"
                    " 'PROGRAMM_SPRACHERWERB', 2017, 500000, 400000, 0, NULL, 'Bewilligt.', :now, :now, 2)"
                ),
                {"id": "0b5e7c1a-1111-4222-8333-944455556666", "ags": STUTTGART, "now": NOW},
            )
        upgrade(engine, ANTRAG_MIGRATIONS, "head")

        service = Antraege(engine)
        old = service.get(RP, "0b5e7c1a-1111-4222-8333-944455556666")
        assert (old.beginn, old.ende) == ("2017-01-01", "2017-12-31")
        assert (old.status, old.bewilligt_cent, old.abgerufen_cent) == (pb.ANTRAG_STATUS_BEWILLIGT, 400000, 0)
        # The applicant still owns it and can draw money down against the old Bescheid.
        assert service.get(kommune(STUTTGART), old.id) == old
        drawn = service.request_mittelabruf(
            kommune(STUTTGART), pb.RequestMittelabrufRequest(request_id=rid(), antrag_id=old.id, betrag_cent=400000)
        )
        assert drawn.antrag.abgerufen_cent == 400000
    finally:
        engine.dispose()


def test_bescheide_of_revision_0001_are_bound_to_their_planungsrahmen(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, ALLOCATION_MIGRATIONS, "0001")
        with engine.begin() as conn:
            for bescheid_id, rahmen, bewilligt in (("b-1", "08111000", 400000), ("b-2", None, 0), ("b-3", "08111000", 0)):
                conn.execute(
                    text(
                        "INSERT INTO bescheid (id, antrag_id, antrag_event_id, kommune_ags, rahmen_ags, programm,"
                        " foerderjahr, entscheidung, ablehnungsgrund, beantragt_cent, bewilligt_cent, rahmen_cent,"
                        " gebunden_vorher_cent, begruendung, erlassen_at) VALUES (:id, :id, :id, '08111000', :rahmen,"
                        " 'PROGRAMM_SPRACHERWERB', 2017, 'X', 'Y', 500000, :bewilligt, 0, 0, '', :now)"
                    ),
                    {"id": bescheid_id, "rahmen": rahmen, "bewilligt": bewilligt, "now": NOW},
                )
        upgrade(engine, ALLOCATION_MIGRATIONS, "head")
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT bescheid_id, kommune_ags, gebunden_cent, freigegeben_cent FROM bindung")
            ).all()
        assert [tuple(r) for r in rows] == [("b-1", "08111000", 400000, 0)]
    finally:
        engine.dispose()


def test_allocation_requests_of_revision_0004_are_answered_from_their_keys(db_url):
    """0005 gives the requests recorded on allocation's rows the keys the commands write now: a
    repeat after the upgrade answers as before and changes nothing."""
    engine = make_engine(db_url)
    try:
        upgrade(engine, ALLOCATION_MIGRATIONS, "head")
        allocation = Allocation(engine).prepared()
        requests = {
            "SetParameter": apb.SetParameterRequest(request_id=rid(), parameter=apb.Parameter(
                art=apb.PARAMETER_ART_BUDGET, programm=1, foerderjahr=2018, tranche=apb.TRANCHE_ENDGUELTIG,
                betrag_cent=60_000_000_00, gueltig_ab="2018-01-01", quelle="Haushaltsbeschluss (Test)",
            )),
            "ApplyUmverteilung": apb.ApplyUmverteilungRequest(
                request_id=rid(), programm=1, foerderjahr=2017, quelle="Beschluss RP (Test)"
            ),
        }
        kopf = apb.ErhebungKopf(
            request_id=rid(), stichtag="2017-06-30", art=apb.ERHEBUNG_ART_ENDGUELTIG, quelle="Erhebung (Test)",
            dateiname="erhebung.csv",
        )
        lines = [f"{ags};{g.population // 100}" for ags, g in sorted(gebiete().gemeinden.items())]
        answers = {
            "SetParameter": allocation.set_parameter(RP, requests["SetParameter"]),
            "ImportErhebung": allocation.import_erhebung(RP, kopf, lines),
        }
        a = pb.Antrag(id=rid(), antragsteller_ags=STUTTGART, programm=1, foerderjahr=2017, betrag_cent=100_000_00, version=3)
        allocation.decide(events.wrap(
            AntragFortgeschrieben(antrag=a, schritt=pb.SCHRITT_PRUEFUNG_ABGESCHLOSSEN),
            aggregate_type="antrag", aggregate_key=a.id, aggregate_version=3, producer="antrag",
        ), a)
        answers["ApplyUmverteilung"] = allocation.apply_umverteilung(RP, requests["ApplyUmverteilung"])

        def keys() -> dict:
            with engine.connect() as conn:
                return {k.methode: k for k in conn.execute(select(idempotenzschluessel))}

        def rows() -> tuple[int, int]:
            with engine.connect() as conn:
                return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (parameter, verteilung))

        written = keys()
        downgrade(engine, ALLOCATION_MIGRATIONS, "0004")
        upgrade(engine, ALLOCATION_MIGRATIONS, "head")
        backfilled = keys()
        assert set(backfilled) == set(written) == {"SetParameter", "ImportErhebung", "ApplyUmverteilung"}
        for methode, key in written.items():
            assert backfilled[methode][:4] == key[:4]  # akteur, request_id, methode, fingerprint
        assert backfilled["ImportErhebung"].antwort == written["ImportErhebung"].antwort
        assert backfilled["ApplyUmverteilung"].antwort == written["ApplyUmverteilung"].antwort
        # A repeated SetParameter was answered with the version alone.
        assert backfilled["SetParameter"].antwort == apb.SetParameterResponse(
            parameter=answers["SetParameter"].parameter
        ).SerializeToString()

        before = rows()
        assert allocation.set_parameter(RP, requests["SetParameter"]).parameter == answers["SetParameter"].parameter
        assert allocation.import_erhebung(RP, kopf, lines) == answers["ImportErhebung"]
        assert allocation.apply_umverteilung(RP, requests["ApplyUmverteilung"]) == answers["ApplyUmverteilung"]
        assert rows() == before
    finally:
        engine.dispose()
