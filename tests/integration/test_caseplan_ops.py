"""The case-plan service's operator tasks against real databases, on SQLite and PostgreSQL.

They run as an operator runs them beside the service: settings from the environment
(PAKT_CASEPLAN_DB_URL, PAKT_CASEPLAN_KEYS …), directly on the database, through the service's own
entry point (services/caseplan/ops.py; `pakt serve caseplan …` and `python -m services.caseplan …`).
Only made-up people (tests/caseplan.py)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text, update

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.cli.main import main as pakt
from services.caseplan import audit, ops
from services.caseplan.crypto import FieldCipher, Keyring
from services.caseplan.main import MIGRATIONS
from services.caseplan.repository import Zugriffsprotokoll
from services.caseplan.tables import datenschluessel, integrationsplan, unprotection_ddl, zugriffsprotokoll
from tests.caseplan import IM_STUTTGART, Plaene, create_request, rid
from tests.databases import migrated_engine

K1, K2, INDEX = os.urandom(32), os.urandom(32), os.urandom(32)


def _keys(**keys: bytes) -> str:
    return ",".join(f"{key_id}:{base64.b64encode(key).decode()}" for key_id, key in {**keys, "index": INDEX}.items())


def _keyring(active: str, **keys: bytes) -> Keyring:
    return Keyring(keys=keys, active_id=active, index_key=INDEX)


@pytest.fixture
def env(db_url, tmp_path, monkeypatch):
    """The service's settings for the operator tasks: this database, the keys k1."""
    for name in ("PAKT_CASEPLAN_KEYS_FILE", "PAKT_CASEPLAN_ACTIVE_KEY", "PAKT_CASEPLAN_INDEX_KEY", "PAKT_CASEPLAN_AUFBEWAHRUNG_TAGE", "PAKT_CLIENT_CERT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PAKT_CASEPLAN_DB_URL", db_url)
    monkeypatch.setenv("PAKT_CASEPLAN_KEYS", _keys(k1=K1))
    return monkeypatch


@pytest.fixture
def engine(db_url):
    with migrated_engine(db_url, MIGRATIONS) as e:
        yield e


def _with_goal_and_review(service: Plaene) -> pb.Plan:
    plan = service.create_plan(IM_STUTTGART, create_request())
    service.add_ziel(IM_STUTTGART, pb.AddZielRequest(request_id=rid(), plan_id=plan.id, ziel=pb.Ziel(
        feld=pb.ZIELFELD_ARBEIT, beschreibung="Ausbildungsplatz finden", massnahmen="Praktikum")))
    return service.record_fortschreibung(IM_STUTTGART, pb.RecordFortschreibungRequest(
        request_id=rid(), plan_id=plan.id, notiz="Gespräch geführt", naechste_am="2099-01-01"))


def _unprotect(engine) -> None:
    with engine.begin() as conn:
        for statement in unprotection_ddl(conn.dialect.name):
            conn.execute(text(statement))


# -- rotate-key ----------------------------------------------------------------------------------------


def test_rotate_key_keeps_every_plan_readable_with_the_new_key_alone(env, engine, capsys):
    old = Plaene(engine, FieldCipher(_keyring("k1", k1=K1)))
    plans = [_with_goal_and_review(old), *(old.create_plan(IM_STUTTGART, create_request()) for _ in range(4))]

    env.setenv("PAKT_CASEPLAN_KEYS", _keys(k1=K1, k2=K2))
    env.setenv("PAKT_CASEPLAN_ACTIVE_KEY", "k2")
    assert ops.main(["rotate-key", "--batch", "2"]) == 0
    out = capsys.readouterr().out
    assert "5 Datenschlüssel mit dem aktiven Schlüssel k2 neu verschlüsselt" in out
    assert "Alle 5 Datenschlüssel sind mit k2 verschlüsselt." in out and "Nicht mehr benötigt: k1" in out

    # Step 4: the old key is gone; every plan, its goals and reviews read with k2 alone.
    only_new = Plaene(engine, FieldCipher(_keyring("k2", k2=K2)))
    for p in plans:
        read = only_new.get_plan(IM_STUTTGART, p.id, "Kontrolle nach Schlüsselwechsel")
        assert (read.person, list(read.ziele), list(read.fortschreibungen)) == (p.person, list(p.ziele), list(p.fortschreibungen))
    with engine.connect() as conn:
        assert {FieldCipher.key_id_of(b) for b in conn.execute(select(datenschluessel.c.schluessel_enc)).scalars()} == {"k2"}
        logged = conn.execute(select(zugriffsprotokoll.c.akteur, zugriffsprotokoll.c.zweck)
                              .where(zugriffsprotokoll.c.aktion == audit.SCHLUESSELWECHSEL)).all()
    assert [tuple(r) for r in logged] == [(ops.operator(), "Neuverschlüsselung mit Schlüssel k2")] * 3  # 2 + 2 + 1

    # Running it again finds nothing to do.
    assert ops.main(["rotate-key", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["neu_verschluesselt"], report["aktiver_schluessel"], report["je_schluessel"]) == (0, "k2", {"k2": 5})


def test_rotate_key_without_the_old_key_fails_and_changes_nothing(env, engine, capsys):
    service = Plaene(engine, FieldCipher(_keyring("k1", k1=K1)))
    plan = service.create_plan(IM_STUTTGART, create_request())
    env.setenv("PAKT_CASEPLAN_KEYS", _keys(k2=K2))  # k1 removed too early
    assert ops.main(["rotate-key"]) == 1
    err = capsys.readouterr().err
    assert "lässt sich nicht entschlüsseln" in err and "'k1'" in err
    assert service.get_plan(IM_STUTTGART, plan.id, "Kontrolle").person == plan.person


# -- audit verify -------------------------------------------------------------------------------------------


def test_audit_verify_passes_then_names_the_changed_entry(env, engine, capsys):
    service = Plaene(engine, FieldCipher(_keyring("k1", k1=K1)))
    plan = _with_goal_and_review(service)
    service.get_plan(IM_STUTTGART, plan.id, "Beratungsgespräch")
    with engine.connect() as conn:
        head_id, head_hash = Zugriffsprotokoll(conn).head()
    assert head_id == 4

    assert ops.main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == f"Zugriffsprotokoll unverändert: 4 Einträge, Anker 4:{head_hash}"

    # A database administrator disables the trigger and changes the purpose of the read.
    _unprotect(engine)
    with engine.begin() as conn:
        conn.execute(update(zugriffsprotokoll).where(zugriffsprotokoll.c.id == 4).values(zweck="Routine"))
    assert ops.main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "Eintrag 4: Prüfsumme stimmt nicht (verändert)" in out and "Unverändert bis Eintrag 3" in out

    assert ops.main(["audit", "verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["eintraege"], report["erster_fehler"]) == (False, 3, 4)


def test_audit_verify_with_a_stale_anchor_detects_the_cut_off_tail(env, engine, capsys):
    service = Plaene(engine, FieldCipher(_keyring("k1", k1=K1)))
    _with_goal_and_review(service)
    assert ops.main(["audit", "verify"]) == 0
    anchor = capsys.readouterr().out.split("Anker ")[1].strip()
    assert anchor.startswith("3:")
    assert ops.main(["audit", "verify", "--expect", anchor]) == 0
    assert f"Der erwartete Anker {anchor} gilt noch." in capsys.readouterr().out

    # The newest entry deleted: what is left is a valid, shorter chain; only the anchor shows it.
    _unprotect(engine)
    with engine.begin() as conn:
        conn.execute(zugriffsprotokoll.delete().where(zugriffsprotokoll.c.id == 3))
    assert ops.main(["audit", "verify"]) == 0
    assert "unverändert: 2 Einträge" in capsys.readouterr().out
    assert ops.main(["audit", "verify", "--expect", anchor]) == 1
    out = capsys.readouterr().out
    assert "Anker-Eintrag 3 fehlt: das Protokoll endet bei Eintrag 2 (Ende abgeschnitten)" in out


def test_audit_verify_as_a_process_on_a_fresh_database(env, engine, tmp_path):
    """The real entry points, `python -m services.caseplan …` and `pakt serve caseplan …`: exit
    status 0 for an intact log (migrating a fresh database first), 1 for a changed one."""
    run_env = {**os.environ}  # the fixture's settings
    service_module = [sys.executable, "-m", "services.caseplan"]
    pakt_serve = [sys.executable, "-m", "pakt.cli.main", "serve", "caseplan"]
    fresh = subprocess.run([*service_module, "audit", "verify"],
                           env={**run_env, "PAKT_CASEPLAN_DB_URL": f"sqlite:///{tmp_path}/frisch.db"},
                           capture_output=True, text=True, timeout=120)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.strip() == f"Zugriffsprotokoll unverändert: 0 Einträge, Anker 0:{audit.GENESIS}"

    Plaene(engine, FieldCipher(_keyring("k1", k1=K1))).create_plan(IM_STUTTGART, create_request())
    _unprotect(engine)
    with engine.begin() as conn:
        conn.execute(update(zugriffsprotokoll).where(zugriffsprotokoll.c.id == 1).values(akteur="kommune:08111000/im:jemand"))
    for command in (service_module, pakt_serve):
        tampered = subprocess.run([*command, "audit", "verify"], env=run_env, capture_output=True, text=True, timeout=120)
        assert tampered.returncode == 1, tampered.stderr
        assert "Eintrag 1: Prüfsumme stimmt nicht" in tampered.stdout


def test_operator_tasks_use_the_default_database_under_the_data_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("PAKT_CASEPLAN_DB_URL", raising=False)
    monkeypatch.setenv("PAKT_DATA_DIR", str(tmp_path))
    assert ops.main(["audit", "verify"]) == 0
    assert "0 Einträge" in capsys.readouterr().out
    assert (tmp_path / "caseplan.db").is_file()


def test_the_local_stacks_key_file_is_used_when_no_keys_are_set(tmp_path, monkeypatch, capsys):
    for name in ("PAKT_CASEPLAN_DB_URL", "PAKT_CASEPLAN_KEYS", "PAKT_CASEPLAN_KEYS_FILE", "PAKT_CASEPLAN_ACTIVE_KEY", "PAKT_CASEPLAN_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAKT_DATA_DIR", str(tmp_path))
    assert ops.main(["dev-keys", str(tmp_path / "caseplan-keys")]) == 0  # as `pakt up` creates them
    local = Keyring.from_env({"PAKT_CASEPLAN_KEYS_FILE": str(tmp_path / "caseplan-keys")})
    capsys.readouterr()
    assert ops.main(["rotate-key"]) == 0
    assert f"Alle 0 Datenschlüssel sind mit {local.active_id} verschlüsselt." in capsys.readouterr().out


# -- aufbewahrung ----------------------------------------------------------------------------------------------


def test_aufbewahrung_erases_plans_closed_longer_than_the_retention(env, engine, capsys):
    service = Plaene(engine, FieldCipher(_keyring("k1", k1=K1)))
    old, recent, still_open = (service.create_plan(IM_STUTTGART, create_request()) for _ in range(3))
    for p in (old, recent):
        service.close_plan(IM_STUTTGART, pb.ClosePlanRequest(request_id=rid(), plan_id=p.id, grund=pb.ABSCHLUSSGRUND_FOERDERENDE))
    with engine.begin() as conn:
        conn.execute(update(integrationsplan).where(integrationsplan.c.id == old.id)
                     .values(abgeschlossen_am=date.today() - timedelta(days=40)))

    env.setenv("PAKT_CASEPLAN_AUFBEWAHRUNG_TAGE", "60")
    assert ops.main(["aufbewahrung"]) == 0
    assert "Personendaten von 0 Plänen gelöscht (länger als 60 Tage abgeschlossen" in capsys.readouterr().out
    assert ops.main(["aufbewahrung", "--tage", "30"]) == 0
    assert "Personendaten von 1 Plänen gelöscht (länger als 30 Tage abgeschlossen" in capsys.readouterr().out

    assert service.get_plan(IM_STUTTGART, old.id, "Kontrolle").geloescht
    assert not service.get_plan(IM_STUTTGART, recent.id, "Kontrolle").geloescht
    assert service.get_plan(IM_STUTTGART, still_open.id, "Kontrolle").person == still_open.person
    with engine.connect() as conn:
        entry = conn.execute(select(zugriffsprotokoll).where(zugriffsprotokoll.c.aktion == audit.LOESCHEN)).one()
        assert Zugriffsprotokoll(conn).verify().ok
    assert (entry.plan_pseudonym, entry.akteur, entry.zweck) == (
        old.id, ops.operator(), "Ende der Aufbewahrungsfrist (Personendaten)"
    )

    # The second record type: the pseudonymous rest goes once its own, longer period has ended.
    env.setenv("PAKT_CASEPLAN_AUFBEWAHRUNG_TAGE", "30")
    env.setenv("PAKT_CASEPLAN_AUFBEWAHRUNG_PLAN_TAGE", "35")
    assert ops.main(["aufbewahrung"]) == 0
    assert "1 Pläne ganz entfernt (länger als 35 Tage abgeschlossen)" in capsys.readouterr().out
    with engine.connect() as conn:
        assert conn.execute(select(integrationsplan.c.id).where(integrationsplan.c.id == old.id)).first() is None
        assert conn.execute(select(integrationsplan.c.id).where(integrationsplan.c.id == recent.id)).first() is not None
        assert Zugriffsprotokoll(conn).verify().ok
    env.setenv("PAKT_CASEPLAN_AUFBEWAHRUNG_PLAN_TAGE", "10")  # shorter than the personal data: refused
    assert ops.main(["aufbewahrung"]) == 1
