"""Integrationspläne on a real database (SQLite and PostgreSQL): the plan's life, encryption at
rest down to the raw bytes, erasure without a trace, key rotation, and the access log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.caseplan import audit
from services.caseplan.crypto import CipherError, FieldCipher, Keyring
from services.caseplan.main import MIGRATIONS
from services.caseplan.repository import Zugriffsprotokoll
from services.caseplan.tables import (
    datenschluessel,
    fortschreibung,
    idempotenzschluessel,
    integrationsplan,
    metadata,
    outbox,
    person,
    unprotection_ddl,
    ziel,
    zugriffsprotokoll,
)
from tests.caseplan import IM_ESSLINGEN, IM_STUTTGART, Plaene, create_request, keyring, personal_values, rid
from tests.databases import migrated_engine

HEUTE = datetime.now(UTC).date()


@pytest.fixture
def service(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Plaene(engine, FieldCipher(keyring()))


def with_goal_and_review(service: Plaene) -> pb.Plan:
    plan = service.create_plan(IM_STUTTGART, create_request())
    plan = service.add_ziel(IM_STUTTGART, pb.AddZielRequest(request_id=rid(), plan_id=plan.id, ziel=pb.Ziel(
        feld=pb.ZIELFELD_ANERKENNUNG, beschreibung="Anerkennung des Elektrik-Abschlusses bei der HWK Stuttgart",
        massnahmen="Unterlagen übersetzen lassen; Termin IQ-Beratung", verantwortlich="Frau Quellbrunn mit IM",
        frist=(HEUTE - timedelta(days=3)).isoformat(),
    )))
    return service.record_fortschreibung(IM_STUTTGART, pb.RecordFortschreibungRequest(
        request_id=rid(), plan_id=plan.id, notiz="Gespräch im Beisein der Tochter; Stimmung gut",
        naechste_am=(HEUTE + timedelta(days=60)).isoformat(),
    ))


def raw_bytes(engine: Engine, db_url: str) -> bytes:
    """The database as stored: the SQLite files, or PostgreSQL's table files after a checkpoint."""
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("CHECKPOINT"))
        files = [conn.execute(text("SELECT pg_relation_filepath(:t)"), {"t": t}).scalar_one() for t in metadata.tables]
        return b"".join(conn.execute(text("SELECT pg_read_binary_file(:f)"), {"f": f}).scalar_one() for f in files)


def test_a_plan_from_opening_to_closing(service):
    plan = with_goal_and_review(service)
    assert plan.person.name == "Xaverine Quellbrunn-Testperson" and list(plan.person.sprachen)[0] == "Arabisch"
    assert plan.laufzeit_bis == (HEUTE + timedelta(days=730)).isoformat()
    assert [z.feld for z in plan.ziele] == [pb.ZIELFELD_ANERKENNUNG] and plan.fortschreibungen[0].akteur == "kommune:08111000/im:mueller"

    ziel_id = plan.ziele[0].id
    done = service.update_ziel(IM_STUTTGART, pb.UpdateZielRequest(request_id=rid(), plan_id=plan.id, ziel=pb.Ziel(
        id=ziel_id, feld=pb.ZIELFELD_ANERKENNUNG, status=pb.ZIELSTATUS_ERREICHT, beschreibung="Anerkannt (Teilanerkennung)",
    )))
    assert done.ziele[0].status == pb.ZIELSTATUS_ERREICHT

    # The worklist shows no personal data; the caseload counts and lists what is overdue.
    [entry] = service.list_plans(IM_STUTTGART, pb.ListPlansRequest())
    assert entry.id == plan.id and "Quellbrunn" not in str(entry)
    second = service.create_plan(IM_STUTTGART, create_request(naechste_fortschreibung=(HEUTE - timedelta(days=1)).isoformat()))
    load = service.caseload(IM_STUTTGART, "")
    assert [(f.integrationsmanager, f.offene_plaene) for f in load.fallbelastung] == [("mueller", 2)]
    assert [(f.plan_id, f.was) for f in load.ueberfaellig] == [(second.id, "Fortschreibung")]

    closed = service.close_plan(IM_STUTTGART, pb.ClosePlanRequest(request_id=rid(), plan_id=plan.id, grund=pb.ABSCHLUSSGRUND_ZIELE_ERREICHT))
    assert closed.status == pb.PLANSTATUS_ABGESCHLOSSEN and closed.abgeschlossen_am == HEUTE.isoformat()
    with pytest.raises(FailedPrecondition):
        service.add_ziel(IM_STUTTGART, pb.AddZielRequest(request_id=rid(), plan_id=plan.id, ziel=pb.Ziel(feld=1, beschreibung="x")))


def test_only_the_responsible_kommunes_integrationsmanager_sees_a_plan(service):
    plan = service.create_plan(IM_STUTTGART, create_request())
    with pytest.raises(PermissionDenied, match="Kein Zugriff"):
        service.get_plan(IM_ESSLINGEN, plan.id, "Neugier")
    # Handover (Wegzug) moves the plan: the receiving Kommune gets it, the handing one loses it.
    moved = service.hand_over(IM_STUTTGART, pb.HandOverPlanRequest(
        request_id=rid(), plan_id=plan.id, neue_kommune_ags="08116019", neuer_integrationsmanager="yilmaz",
    ))
    assert moved.integrationsmanager == "yilmaz"
    assert service.get_plan(IM_ESSLINGEN, plan.id, "Übernahme nach Umzug").person.name == plan.person.name
    with pytest.raises(PermissionDenied):
        service.get_plan(IM_STUTTGART, plan.id, "noch einmal nachsehen")


def test_the_raw_database_holds_no_plaintext_personal_data(service, db_url):
    plan = with_goal_and_review(service)
    data = raw_bytes(service.engine, db_url)
    assert plan.id.encode() in data  # the bytes really are the stored rows
    for value in personal_values(plan.person) + ["Gespräch im Beisein der Tochter", "HWK Stuttgart"]:
        for encoding in ("utf-8", "utf-16-le"):
            assert value.encode(encoding) not in data, value
    assert b"17.04.1991" not in data and b"19910417" not in data


def test_erasure_leaves_nothing_of_the_person(service, db_url):
    plan = with_goal_and_review(service)
    other = service.create_plan(IM_STUTTGART, create_request())
    with service.engine.connect() as conn:
        old_blob = conn.execute(select(person.c.name_enc).where(person.c.plan_id == plan.id)).scalar_one()

    service.erase_person(IM_STUTTGART, pb.ErasePersonRequest(request_id=rid(), plan_id=plan.id, grund="Antrag nach Art. 17 DSGVO vom heutigen Tag"))

    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(person).where(person.c.plan_id == plan.id)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(datenschluessel).where(datenschluessel.c.plan_id == plan.id)).scalar_one() == 0
        assert conn.execute(select(ziel.c.beschreibung_enc, ziel.c.massnahmen_enc, ziel.c.verantwortlich_enc)
                            .where(ziel.c.plan_id == plan.id)).one() == (None, None, None)
        assert conn.execute(select(fortschreibung.c.notiz_enc).where(fortschreibung.c.plan_id == plan.id)).scalar_one() is None
        assert conn.execute(select(func.count()).select_from(idempotenzschluessel)
                            .where(idempotenzschluessel.c.plan_id == plan.id)).scalar_one() == 0
        row = conn.execute(select(integrationsplan).where(integrationsplan.c.id == plan.id)).one()
    # Pseudonymous facts stay: dates, status, age band; the other plan is untouched.
    assert row.geloescht_am is not None and row.status == "abgeschlossen" and row.altersband == "27-44"
    assert service.get_plan(IM_STUTTGART, other.id, "Beratung").person.name == other.person.name
    erased = service.get_plan(IM_STUTTGART, plan.id, "Kontrolle nach Löschung")
    assert erased.geloescht and not erased.HasField("person") and erased.ziele[0].beschreibung == ""
    # A copy of an old ciphertext (a backup, a WAL page) is useless: it was made with the plan's
    # data key, which is gone, and the master key cannot open it.
    assert FieldCipher.key_id_of(old_blob) == "plan"
    with pytest.raises(CipherError):
        service.cipher.decrypt(old_blob, f"person:{plan.id}:name".encode())
    with pytest.raises(FailedPrecondition):
        service.update_person(IM_STUTTGART, pb.UpdatePersonRequest(request_id=rid(), plan_id=plan.id, person=plan.person))


def test_key_rotation_keeps_every_plan_readable(db_url):
    old = keyring("k1")
    with migrated_engine(db_url, MIGRATIONS) as engine:
        first = Plaene(engine, FieldCipher(old))
        plans = [first.create_plan(IM_STUTTGART, create_request()) for _ in range(5)]
        # Roll out a keyring with both keys and the new one active, then re-encrypt.
        both = Keyring(keys={**old.keys, "k2": bytes(range(32))}, active_id="k2", index_key=old.index_key)
        rotating = Plaene(engine, FieldCipher(both))
        newer = rotating.create_plan(IM_STUTTGART, create_request())  # written with k2 while rotating
        assert rotating.rotate_keys("rp:betrieb", batch_size=2) == 5
        assert rotating.rotate_keys("rp:betrieb") == 0
        # The old key can go: every plan reads with k2 alone.
        only_new = Plaene(engine, FieldCipher(Keyring(keys={"k2": bytes(range(32))}, active_id="k2", index_key=old.index_key)))
        for p in [*plans, newer]:
            assert only_new.get_plan(IM_STUTTGART, p.id, "Kontrolle nach Schlüsselwechsel").person == p.person
        with engine.connect() as conn:
            ids = {FieldCipher.key_id_of(b) for b in conn.execute(select(datenschluessel.c.schluessel_enc)).scalars()}
            logged = conn.execute(select(func.count()).select_from(zugriffsprotokoll)
                                  .where(zugriffsprotokoll.c.aktion == audit.SCHLUESSELWECHSEL)).scalar_one()
        assert ids == {"k2"} and logged == 3


def test_every_access_is_logged_in_a_chain_that_detects_tampering(service, db_url):
    plan = with_goal_and_review(service)
    service.get_plan(IM_STUTTGART, plan.id, "Beratungsgespräch")
    export = json.loads(service.export_person(IM_STUTTGART, plan.id))
    assert export["integrationsplan"]["person"]["name"] == plan.person.name
    assert [z["aktion"] for z in export["zugriffe"]] == ["ANLEGEN", "AENDERN", "AENDERN", "LESEN"]
    with service.engine.connect() as conn:
        rows = conn.execute(select(zugriffsprotokoll).order_by(zugriffsprotokoll.c.id)).all()
        assert Zugriffsprotokoll(conn).verify().ok
    assert rows[3].zweck == "Beratungsgespräch" and rows[3].akteur == "kommune:08111000/im:mueller"
    assert all(plan.person.name not in str(tuple(r)) for r in rows)

    # A database administrator changes the purpose of a read afterwards: the chain shows it.
    with service.engine.begin() as conn:
        for statement in unprotection_ddl(conn.dialect.name):
            conn.execute(text(statement))
        conn.execute(zugriffsprotokoll.update().where(zugriffsprotokoll.c.id == rows[3].id).values(zweck="Routine"))
    with service.engine.connect() as conn:
        report = Zugriffsprotokoll(conn).verify()
    assert not report.ok and report.first_bad_id == rows[3].id


def test_single_line_texts_of_the_plan_have_no_line_break_nor_control_character(service):
    """The purpose of a consent and of a read, and the reason of an erasure, are one line each."""
    with pytest.raises(InvalidArgument) as err:
        service.create_plan(IM_STUTTGART, create_request(einwilligung=pb.Einwilligung(
            zweck="Integrationsmanagement\nQuellbrunn", erteilt_am=HEUTE.isoformat())))
    assert [(v.field, v.description) for v in err.value.violations] == [
        ("einwilligung.zweck", "enthält einen Zeilenumbruch (U+000A); erlaubt ist nur eine Zeile")
    ]
    plan = service.create_plan(IM_STUTTGART, create_request())
    with pytest.raises(InvalidArgument) as err:
        service.get_plan(IM_STUTTGART, plan.id, "Fortschreibung\u202eQuellbrunn")
    assert [(v.field, v.description) for v in err.value.violations] == [
        ("zweck", "enthält ein unzulässiges Steuerzeichen (U+202E)")
    ]
    with pytest.raises(InvalidArgument) as err:
        service.erase_person(IM_STUTTGART, pb.ErasePersonRequest(request_id=rid(), plan_id=plan.id, grund="Antrag\x85"))
    assert [v.field for v in err.value.violations] == ["grund"]


def test_bad_input_names_the_field_without_repeating_personal_data(service):
    with pytest.raises(InvalidArgument) as err:
        service.create_plan(IM_STUTTGART, create_request(person=pb.Person(name="Y\x00Quellbrunn", geburtsdatum="2099-01-01")))
    fields = {v.field for v in err.value.violations}
    assert fields == {"person.name", "person.geburtsdatum"}
    assert "Quellbrunn" not in str(err.value)
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(integrationsplan)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 0


def test_the_same_request_id_creates_one_plan(service):
    request = create_request()
    first = service.create_plan(IM_STUTTGART, request)
    assert service.create_plan(IM_STUTTGART, request).id == first.id
    with service.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(integrationsplan)).scalar_one() == 1
