"""Schema migrations carry existing data forward, on SQLite and PostgreSQL: a database of the
previous revision, with rows in it, upgrades to the newest one and its rows still make sense."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.platform.db import make_engine
from services.allocation.main import MIGRATIONS as ALLOCATION_MIGRATIONS
from services.antrag.main import MIGRATIONS as ANTRAG_MIGRATIONS
from tests.antraege import Antraege
from tests.antraege import RP, STUTTGART, kommune, rid

NOW = datetime(2017, 7, 14, 8, 0, tzinfo=UTC)


def upgrade(engine: Engine, migrations: Path, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


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

