"""`pakt caseplan …`: an Integrationsmanager's commands against a real server and database, on
SQLite and PostgreSQL, over gRPC with TLS to an in-process server, with client certificates from a
development CA under PAKT_DATA_DIR/pki; and the demo feeder's case-plan work. Only made-up people
(tests/caseplan.py)."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from pakt.cli import demo
from pakt.cli.main import main
from pakt.platform.auth import Principal
from pakt.platform.pki import ensure_dev_pki
from services.caseplan import ops
from services.caseplan.crypto import FieldCipher
from services.caseplan.main import MIGRATIONS
from services.caseplan.repository import Zugriffsprotokoll
from services.caseplan.tables import integrationsplan, zugriffsprotokoll
from tests.caseplan import IM_ESSLINGEN, IM_STUTTGART, Plaene, create_request, keyring, person
from tests.databases import migrated_engine
from tests.integration.test_caseplan_authorisation import serve

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
IM = "08111000:mueller"


@pytest.fixture
def env(db_url, tmp_path, monkeypatch):
    """The data directory and database the CLI and the operator's check see."""
    monkeypatch.delenv("PAKT_CLIENT_CERT", raising=False)
    monkeypatch.setenv("PAKT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PAKT_CASEPLAN_DB_URL", db_url)
    return monkeypatch


@pytest.fixture
def engine(db_url):
    with migrated_engine(db_url, MIGRATIONS) as e:
        yield e


# -- the Integrationsmanager's commands over gRPC -------------------------------------------------------------


@pytest.fixture
def server(env, engine, tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")  # where the CLI's --as finds the development CA
    env.setenv("PAKT_TLS_CA", str(pki.ca_cert))
    service = Plaene(engine, FieldCipher(keyring()))
    s = serve(service, pki)
    env.setenv("PAKT_CASEPLAN_TARGET", s.target)
    try:
        yield service, s
    finally:
        s.stop()


def test_an_integrationsmanager_works_on_a_plan_from_the_command_line(server, engine, tmp_path, capsys):
    service, s = server
    datei = tmp_path / "plan.json"
    request = {
        "person": {"name": "Testperson 0042", "geburtsdatum": "1988-05-12", "staatsangehoerigkeit": "syrisch",
                   "sprachen": ["Arabisch", "Deutsch A2"], "haushalt": "verheiratet, zwei Kinder"},
        "einwilligung": {"zweck": "Integrationsplan nach Pakt für Integration", "erteilt_am": "2026-01-15"},
    }
    datei.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")

    def pakt(*argv: str, identity: str = IM) -> tuple[int, str, str]:
        code = main(["--as", identity, "caseplan", *argv, "--target", s.target])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, out, err = pakt("plan", "create", str(datei))
    assert code == 0, err
    plan_id = UUID.search(out).group(0)
    assert "Kommune 08111000 Stuttgart" in out and "Integrationsmanager mueller" in out

    code, out, err = pakt("ziel", "add", plan_id, "--feld", "sprache", "--beschreibung", "Deutsch B1 erreichen",
                          "--massnahmen", "Integrationskurs", "--frist", "2099-06-30")
    assert code == 0, err
    ziel_id = UUID.findall(out)[0]
    assert "Sprache, offen, Frist 2099-06-30" in out
    code, out, err = pakt("ziel", "update", plan_id, ziel_id, "--status", "erreicht")
    assert code == 0 and "Sprache, erreicht" in out, err
    code, out, err = pakt("fortschreibung", plan_id, "--notiz", "Prüfung bestanden", "--naechste", "2099-01-01")
    assert code == 0 and "nächste Fortschreibung am 2099-01-01" in out, err

    code, out, err = pakt("plan", "get", plan_id, "--zweck", "Beratungsgespräch")
    assert code == 0, err
    assert "Testperson 0042" in out and "Arabisch, Deutsch A2" in out
    assert "1. Sprache: erreicht, Frist 2099-06-30" in out and "Maßnahmen:      Integrationskurs" in out
    assert "kommune:08111000/im:mueller, nächste am 2099-01-01" in out and "Prüfung bestanden" in out

    code, out, err = pakt("plan", "list", "--status", "offen")
    assert code == 0 and plan_id in out and "1 Pläne" in out, err
    code, out, err = pakt("caseload")
    assert code == 0 and "mueller" in out and "Überfällig (0)" in out, err

    # Someone else's plan is refused, and nothing of it is printed.
    code, out, err = pakt("plan", "get", plan_id, "--zweck", "Neugier", identity="08116019:yilmaz")
    assert code == 1 and "Keine Berechtigung" in err and "Testperson" not in out + err

    export = tmp_path / "auskunft.json"
    code, out, err = pakt("export", plan_id, "--datei", str(export))
    assert code == 0, err
    document = json.loads(export.read_text(encoding="utf-8"))
    assert document["integrationsplan"]["person"]["name"] == "Testperson 0042"
    assert "Beratungsgespräch" in [z["zweck"] for z in document["zugriffe"]]

    code, out, err = pakt("erase", plan_id, "--grund", "Antrag nach Art. 17 DSGVO")
    assert code == 0 and "gelöscht" in out, err
    code, out, err = pakt("plan", "get", plan_id, "--zweck", "Kontrolle der Löschung")
    assert code == 0 and "Personendaten:       gelöscht" in out and "Testperson" not in out, err

    # Everyone else sees aggregates only, small cells withheld.
    for _ in range(5):
        service.create_plan(IM_STUTTGART, create_request(person=person(name="Testperson 0100")))
    service.create_plan(IM_ESSLINGEN, create_request())
    code, out, err = pakt("fallzahlen", identity="rp")
    assert code == 0, err
    assert re.search(r"08111000 Stuttgart.*\s5\n", out) and re.search(r"08116019 Esslingen.*< 5", out)

    with engine.connect() as conn:
        reads = conn.execute(select(zugriffsprotokoll.c.akteur, zugriffsprotokoll.c.aktion)
                             .where(zugriffsprotokoll.c.plan_pseudonym == plan_id).order_by(zugriffsprotokoll.c.id)).all()
        assert Zugriffsprotokoll(conn).verify().ok
        assert conn.execute(select(func.count()).select_from(integrationsplan)).scalar_one() == 7
    assert [a for _, a in reads] == ["ANLEGEN", "AENDERN", "LESEN", "AENDERN", "AENDERN", "LESEN", "EXPORT", "LOESCHEN", "LESEN"]
    assert {akteur for akteur, _ in reads} == {"kommune:08111000/im:mueller"}

    # The operator's check of the same database, by the service's own entry point, agrees.
    assert ops.main(["audit", "verify"]) == 0
    assert "Zugriffsprotokoll unverändert" in capsys.readouterr().out


# -- the demo feeder -------------------------------------------------------------------------------------------


def test_the_demo_feeders_integrationsmanager_work_without_a_failed_call(server, engine):
    """What `make run` plays: every request of the case-plan demo passes the service's checks, and
    every person is an obvious test record."""
    service, s = server
    feeder = demo.CasePlanFeeder(s.target, random.Random(7))
    steps = Counter(feeder.step() for _ in range(80))  # a failed call raises
    assert set(steps) == {"CreatePlan", "AddZiel", "UpdateZiel", "RecordFortschreibung", "ClosePlan"}
    with engine.connect() as conn:
        plans = conn.execute(select(integrationsplan.c.id, integrationsplan.c.kommune_ags, integrationsplan.c.integrationsmanager)).all()
    assert {p.kommune_ags for p in plans} <= {identity.split(":")[0] for identity, _ in demo.im_identities()}
    for p in plans[:10]:
        principal = Principal(ags=p.kommune_ags, person=p.integrationsmanager)
        read = service.get_plan(principal, p.id, "Kontrolle der Demo")
        assert re.fullmatch(r"Testperson \d{4}", read.person.name)
        assert date(1960, 1, 1) <= date.fromisoformat(read.person.geburtsdatum) <= date(2005, 12, 31)
