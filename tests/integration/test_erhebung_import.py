"""Importing an Erhebung on a real database (SQLite and PostgreSQL), through the service layer and
over real gRPC streaming with TLS and signed credentials, and with the CLI.

A valid file redistributes the Planungsrahmen that follow its Stichtag; a file with one bad line, or one
that would push a Planungsrahmen below money already bound, is refused whole and leaves nothing behind.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import func, select

from pakt.allocation.v1 import allocation_pb2 as pb
from pakt.allocation.v1 import allocation_pb2_grpc
from pakt.antrag.v1.antrag_pb2 import SCHRITT_PRUEFUNG_ABGESCHLOSSEN, Antrag
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.cli.main import main as pakt_cli
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, FieldViolation, InvalidArgument, PermissionDenied
from pakt.platform.pki import ensure_dev_pki
from pakt.platform.tls import channel_credentials
from pakt.referenzdaten import gebiete
from services.allocation import erhebung as erhebungen
from services.allocation.grpc_api import AllocationServicer
from services.allocation.main import GRPC_SERVICE_NAME, MIGRATIONS
from services.allocation.tables import (
    erhebung,
    erhebung_anzahl,
    outbox,
    parameter,
    planungsrahmen,
    verteilung,
    verteilung_rahmen,
)
from tests.allocation import Allocation
from tests.databases import migrated_engine
from tests.grpc_servers import ServedInThread

IM = Programm.PROGRAMM_INTEGRATIONSMANAGEMENT
RP = Principal(operator="sachbearbeitung")
STUTTGART, BOELLEN, EMERINGEN, ALTBACH = "08111000", "08336010", "08425035", "08116004"
STICHTAG_ENDGUELTIG = "2017-06-30"  # the seeded Stichtag of the final 2017 and 2018 Tranchen
STICHTAG_VORLAEUFIG = "2017-03-31"  # the seeded Stichtag of the provisional 2017 Tranche


@pytest.fixture
def service(db_url):
    with migrated_engine(db_url, MIGRATIONS) as engine:
        yield Allocation(engine).prepared()


def counts() -> dict[str, int]:
    """Realistic counts: one refugee per hundred inhabitants (Böllen, 99 inhabitants, has none)."""
    return {ags: g.population // 100 for ags, g in sorted(gebiete().gemeinden.items())}


def file_lines(anzahlen: dict[str, int] | None = None) -> list[str]:
    return ["ags;anzahl"] + [f"{ags};{n}" for ags, n in sorted((anzahlen or counts()).items())]


def kopf(**fields) -> pb.ErhebungKopf:
    values = {
        "request_id": f"erhebung-{uuid.uuid4()}",
        "stichtag": STICHTAG_ENDGUELTIG,
        "art": pb.ERHEBUNG_ART_ENDGUELTIG,
        "quelle": "Erhebung der kommunalen Landesverbände, Stand 30.06.2017",
        "dateiname": "erhebung-2017-06-30.csv",
    }
    return pb.ErhebungKopf(**{**values, **fields})


def snapshot(service) -> dict:
    """Everything an import may change."""
    with service.engine.connect() as conn:
        def count(table):
            return conn.execute(select(func.count()).select_from(table)).scalar_one()

        return {
            "erhebung": count(erhebung),
            "erhebung_anzahl": count(erhebung_anzahl),
            "verteilung": count(verteilung),
            "verteilung_rahmen": count(verteilung_rahmen),
            "outbox": count(outbox),
            "planungsrahmen": sorted(tuple(r) for r in conn.execute(select(planungsrahmen))),
        }


def rahmen_je_programm(service) -> dict[tuple[str, int], dict[str, tuple[int, str]]]:
    """(programm, foerderjahr) -> kommune_ags -> (rahmen_cent, verteilung_id)."""
    result: dict = {}
    with service.engine.connect() as conn:
        for r in conn.execute(select(planungsrahmen)):
            result.setdefault((r.programm, r.foerderjahr), {})[r.kommune_ags] = (r.rahmen_cent, r.verteilung_id)
    return result


def final_budgets(service) -> dict[tuple[str, int], int]:
    with service.engine.connect() as conn:
        rows = conn.execute(
            select(parameter).where(parameter.c.art == "budget", parameter.c.tranche == "TRANCHE_ENDGUELTIG")
        ).all()
    return {(r.programm, r.foerderjahr): r.betrag_cent for r in rows}


def hamilton(budget: int, weights: dict[str, int]) -> dict[str, int]:
    """Largest remainder, written out again here so the test does not trust the service's own."""
    total = sum(weights.values())
    shares = {k: budget * w // total for k, w in weights.items()}
    remainders = sorted(weights, key=lambda k: (-(budget * weights[k] - shares[k] * total), k))
    for k in remainders[: budget - sum(shares.values())]:
        shares[k] += 1
    return shares


# -- a valid Erhebung ------------------------------------------------------------------------------------


def test_a_final_erhebung_redistributes_the_final_planungsrahmen_by_its_counts(service):
    c, before = counts(), rahmen_je_programm(service)
    total = sum(c.values())
    lines = file_lines(c)
    reply = service.import_erhebung(RP, kopf(), lines)

    assert (reply.gemeinden, reply.anzahl_gesamt) == (1101, total)
    # Both final Tranchen (2017 and 2018) of all four programmes follow the Stichtag 2017-06-30.
    budgets = final_budgets(service)
    assert len(budgets) == 8 and len(reply.verteilung_ids) == 8
    after = rahmen_je_programm(service)
    assert set(after) == set(budgets)
    for key, budget in budgets.items():
        rahmen = {ags: cent for ags, (cent, _) in after[key].items()}
        assert sum(rahmen.values()) == budget, key
        assert rahmen == hamilton(budget, c), key
        assert {v for _, v in after[key].values()} <= set(reply.verteilung_ids)
        assert rahmen != {ags: cent for ags, (cent, _) in before[key].items()}  # population shares before
    # A few Gemeinden by hand: ⌊budget × count / total⌋, plus one cent or not.
    im = {ags: cent for ags, (cent, _) in after[("PROGRAMM_INTEGRATIONSMANAGEMENT", 2017)].items()}
    for ags in (STUTTGART, EMERINGEN, ALTBACH):
        exact = 58_000_000_00 * c[ags] // total
        assert im[ags] in (exact, exact + 1)
    assert im[STUTTGART] == hamilton(58_000_000_00, c)[STUTTGART]
    assert im[BOELLEN] == 0  # no refugees counted, no Planungsrahmen

    with service.engine.connect() as conn:
        stored = conn.execute(select(erhebung)).one()
        stored_counts = dict(conn.execute(select(erhebung_anzahl.c.kommune_ags, erhebung_anzahl.c.anzahl)).all())
        new = conn.execute(select(verteilung).where(verteilung.c.id.in_(reply.verteilung_ids))).all()
        weights = dict(
            conn.execute(
                select(verteilung_rahmen.c.kommune_ags, verteilung_rahmen.c.anzahl).where(
                    verteilung_rahmen.c.verteilung_id == reply.verteilung_ids[0]
                )
            ).all()
        )
    assert stored.id == reply.erhebung_id and stored.stichtag.isoformat() == STICHTAG_ENDGUELTIG
    assert (stored.art, stored.importiert_von, stored.anzahl_gesamt) == ("ERHEBUNG_ART_ENDGUELTIG", "rp:sachbearbeitung", total)
    assert stored.sha256 == hashlib.sha256("".join(x + "\n" for x in lines).encode()).hexdigest()
    assert stored_counts == c and weights == c
    assert {(v.erhebung_id, v.erfasst_von, v.basis) for v in new} == {
        (reply.erhebung_id, "rp:sachbearbeitung", "Erhebung zum Stichtag 2017-06-30 (endgültig)")
    }

    # The trace names the Erhebung and the counts.
    r = service.explain(STUTTGART, IM, 2017, "", 0)
    assert r.basis == "Erhebung zum Stichtag 2017-06-30 (endgültig)" and r.erhebung_id == reply.erhebung_id
    assert (r.anzahl, r.anzahl_gesamt, r.rahmen_cent) == (c[STUTTGART], total, im[STUTTGART])
    assert r.quote_ganz_cent == 58_000_000_00 * c[STUTTGART] // total
    assert "Erhebung zum Stichtag 2017-06-30" in r.erlaeuterung
    # Once imported, nothing is computed again at the next start.
    assert service.ensure_verteilungen() == 0


def test_an_erhebung_no_stichtag_in_force_points_at_is_stored_and_changes_nothing(service):
    """The provisional 2017 Tranche (Stichtag 2017-03-31) is superseded by the final one."""
    before = snapshot(service)
    reply = service.import_erhebung(RP, kopf(stichtag=STICHTAG_VORLAEUFIG, art=pb.ERHEBUNG_ART_VORLAEUFIG), file_lines())
    assert reply.erhebung_id and reply.gemeinden == 1101 and list(reply.verteilung_ids) == []
    after = snapshot(service)
    assert (after["erhebung"], after["erhebung_anzahl"]) == (1, 1101)
    assert {k: after[k] for k in ("verteilung", "planungsrahmen", "outbox")} == {
        k: before[k] for k in ("verteilung", "planungsrahmen", "outbox")
    }
    # The provisional Verteilung, asked for explicitly, now follows it.
    r = service.explain(STUTTGART, IM, 2017, "", pb.TRANCHE_VORLAEUFIG)
    assert r.erhebung_id == reply.erhebung_id and r.basis == "Erhebung zum Stichtag 2017-03-31 (vorläufig)"


def test_a_provisional_erhebung_does_not_replace_a_final_one_for_the_same_stichtag(service):
    final = service.import_erhebung(RP, kopf(), file_lines())
    later = service.import_erhebung(RP, kopf(art=pb.ERHEBUNG_ART_VORLAEUFIG), file_lines({**counts(), STUTTGART: 1}))
    assert list(later.verteilung_ids) == []
    assert service.explain(STUTTGART, IM, 2017, "", 0).erhebung_id == final.erhebung_id


# -- a bad file is refused whole -----------------------------------------------------------------------


def test_acceptance_a_file_with_exactly_one_bad_line_is_rejected_whole_naming_that_line_and_nothing_is_stored(service):
    lines = file_lines()
    assert lines[16].startswith("08") and lines[0] == "ags;anzahl"
    ags = lines[16].split(";")[0]
    lines[16] = f"{ags};12,5"  # line 17 of the file
    before = snapshot(service)

    with pytest.raises(InvalidArgument) as err:
        service.import_erhebung(RP, kopf(), lines)

    assert err.value.violations == [
        FieldViolation(
            "zeile 17", "Anzahl „12,5“ ist keine ganze Zahl (nur Ziffern, ohne Komma, Punkt oder Tausendertrennzeichen)"
        )
    ]
    after = snapshot(service)
    assert (after["erhebung"], after["erhebung_anzahl"]) == (0, 0)
    assert after == before  # Planungsrahmen, Verteilungen and events untouched


def test_kopf_and_line_violations_are_reported_together(service):
    lines = file_lines()
    lines.append("08999999;3")
    bad = pb.ErhebungKopf(request_id="hat leerzeichen", stichtag="30.06.2017", quelle=" ", dateiname="x" * 201)
    with pytest.raises(InvalidArgument) as err:
        service.import_erhebung(RP, bad, lines)
    assert [v.field for v in err.value.violations] == [
        "kopf.request_id", "kopf.stichtag", "kopf.art", "kopf.quelle", "kopf.dateiname", f"zeile {len(lines)}"
    ]
    assert snapshot(service)["erhebung"] == 0


def test_an_endless_file_is_read_only_to_the_line_limit(service):
    with pytest.raises(InvalidArgument) as err:
        service.import_erhebung(RP, kopf(), itertools.chain(file_lines(), itertools.repeat("x" * 10_000)))
    assert err.value.violations[-1].description.startswith("mehr als 5.000 Zeilen")
    assert snapshot(service)["erhebung"] == 0


def test_only_an_operator_imports(service):
    before = snapshot(service)
    with pytest.raises(PermissionDenied):
        service.import_erhebung(Principal(ags=STUTTGART), kopf(), file_lines())
    with pytest.raises(PermissionDenied):
        erhebungen.check_allowed(Principal(ags="08115"))
    assert snapshot(service) == before


# -- idempotency ------------------------------------------------------------------------------------


def test_the_same_request_twice_imports_once_and_answers_alike(service):
    k = kopf()
    first = service.import_erhebung(RP, k, file_lines())
    after_first = snapshot(service)
    again = service.import_erhebung(RP, k, file_lines())
    assert again == first and len(again.verteilung_ids) == 8
    assert snapshot(service) == after_first

    # A later change of the inputs does not change the answer to the repeated request.
    other = service.import_erhebung(RP, kopf(), file_lines({**counts(), STUTTGART: 7}))
    assert len(other.verteilung_ids) == 8
    assert service.import_erhebung(RP, k, file_lines()) == first


@pytest.mark.parametrize(
    "change",
    [
        {"lines": file_lines({**counts(), STUTTGART: 1})},
        {"quelle": "eine andere Quelle"},
        {"stichtag": STICHTAG_VORLAEUFIG},
        {"art": pb.ERHEBUNG_ART_VORLAEUFIG},
    ],
    ids=["other file", "other quelle", "other stichtag", "other art"],
)
def test_the_same_request_id_for_another_import_is_refused(service, change):
    k = kopf()
    service.import_erhebung(RP, k, file_lines())
    before = snapshot(service)
    fields = {f: change[f] for f in change if f != "lines"}
    with pytest.raises(InvalidArgument) as err:
        service.import_erhebung(RP, kopf(request_id=k.request_id, **fields), change.get("lines", file_lines()))
    (v,) = err.value.violations
    assert v.field == "kopf.request_id" and "bereits für einen anderen Aufruf verwendet" in v.description
    assert snapshot(service) == before


# -- money already bound ----------------------------------------------------------------------------------


def _entscheidungsreif(ags: str, betrag_cent: int, jahr: int = 2017):
    """The event of a completed Prüfung, which allocation decides on: (envelope, Antrag)."""
    a = Antrag(id=str(uuid.uuid4()), antragsteller_ags=ags, programm=IM, foerderjahr=jahr, betrag_cent=betrag_cent, version=3)
    payload = AntragFortgeschrieben(antrag=a, schritt=SCHRITT_PRUEFUNG_ABGESCHLOSSEN)
    return events.wrap(payload, aggregate_type="antrag", aggregate_key=a.id, aggregate_version=3, producer="antrag"), a


def test_an_erhebung_that_would_push_a_planungsrahmen_below_bound_money_is_refused_whole(service):
    envelope, antrag = _entscheidungsreif(STUTTGART, 100_000_00)
    assert service.decide(envelope, antrag) == "applied"
    assert service.get_planungsrahmen(STUTTGART, IM, 2017).gebunden_cent == 100_000_00
    before = snapshot(service)

    with pytest.raises(FailedPrecondition) as err:
        service.import_erhebung(RP, kopf(), file_lines({**counts(), STUTTGART: 0}))

    assert STUTTGART in str(err.value) and "Nichts wurde geändert" in str(err.value)
    after = snapshot(service)
    assert (after["erhebung"], after["erhebung_anzahl"]) == (0, 0)
    assert after == before
    # With a count that leaves the bound money inside the Planungsrahmen, the import goes through and
    # the Planungsrahmen keeps what is bound in it.
    reply = service.import_erhebung(RP, kopf(), file_lines())
    assert len(reply.verteilung_ids) == 8
    rahmen = service.get_planungsrahmen(STUTTGART, IM, 2017)
    assert rahmen.gebunden_cent == 100_000_00 and rahmen.verteilung_id in reply.verteilung_ids


# -- over gRPC, and with the CLI ---------------------------------------------------------------------


@pytest.fixture
def server(service, tmp_path):
    pki = ensure_dev_pki(tmp_path / "pki")
    running = ServedInThread(
        GRPC_SERVICE_NAME,
        lambda grpc_server: allocation_pb2_grpc.add_AllocationServiceServicer_to_server(AllocationServicer(service.units), grpc_server),
        pki,
    )
    try:
        yield running, pki
    finally:
        running.stop()


def _stream(k: pb.ErhebungKopf, lines: list[str]):
    yield pb.ImportErhebungRequest(kopf=k)
    for line in lines:
        yield pb.ImportErhebungRequest(zeile=line)


def _call(server, identity: str | None, method: str, request):
    running, pki = server
    credentials = channel_credentials(pki.ca_cert, pki.client(identity) if identity else None)
    with grpc.secure_channel(running.target, credentials) as channel:
        return getattr(allocation_pb2_grpc.AllocationServiceStub(channel), method)(request, timeout=60)


def _bad_request(err: grpc.RpcError) -> list[tuple[str, str]]:
    found = []
    for detail in rpc_status.from_call(err).details:
        br = error_details_pb2.BadRequest()
        if detail.Unpack(br):
            found += [(v.field, v.description) for v in br.field_violations]
    return found


def test_over_grpc_a_streamed_file_with_a_bad_line_is_invalid_argument_naming_the_line(service, server):
    lines = file_lines()
    lines[41] = "0811100;12"  # line 42: a Gemeindeschlüssel of 7 digits; that Gemeinde is then missing
    missing = file_lines()[41].split(";")[0]
    before = snapshot(service)
    with pytest.raises(grpc.RpcError) as err:
        _call(server, "rp", "ImportErhebung", _stream(kopf(), lines))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = _bad_request(err.value)
    assert violations[0] == ("zeile 42", "„0811100“ ist kein Gemeindeschlüssel (8 Ziffern)")
    assert violations[1][0] == "datei" and f"es fehlt 1 Gemeinde: {missing}" in violations[1][1]
    assert snapshot(service) == before


def _lost_zeros(bad: int) -> list[str]:
    """The usual spreadsheet export: the first `bad` Gemeinden lost the leading zero of their AGS."""
    lines = file_lines()
    for i in range(1, bad + 1):
        lines[i] = lines[i].removeprefix("0")
    return lines


# C-core clients refuse trailers above 8 KiB at random and above 16 KiB always.
METADATA_SOFT_LIMIT = 8192


def _trailer_bytes(err: grpc.RpcError) -> int:
    """The trailers' size as gRPC counts it: name, value (binary ones base64-encoded) and 32 bytes."""
    size = 0
    for key, value in err.trailing_metadata() or ():
        encoded = base64.b64encode(value) if key.endswith("-bin") else value.encode()
        size += len(key) + len(encoded) + 32
    return size + len(err.details().encode()) * 3  # grpc-message, percent-encoded at worst


@pytest.mark.parametrize("bad", [60, 1101], ids=["60 lines", "every line"])
def test_over_grpc_many_bad_lines_arrive_as_a_capped_list_with_the_rest_counted(service, server, bad):
    lines = _lost_zeros(bad)
    before = snapshot(service)
    with pytest.raises(grpc.RpcError) as err:
        _call(server, "rp", "ImportErhebung", _stream(kopf(), lines))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    total = bad + 1  # every bad line, and the Gemeinden missing from the file
    assert err.value.details() == f"{total:,} Angaben sind ungültig; Einzelheiten in den Details.".replace(",", ".")
    violations = _bad_request(err.value)
    *shown, rest = violations
    assert 10 <= len(shown) <= 100
    for number, (field, description) in enumerate(shown, start=2):
        ags = lines[number - 1].split(";")[0]
        assert (field, description) == (
            f"zeile {number}",
            f"„{ags}“ ist kein Gemeindeschlüssel (8 Ziffern; führende Null verloren? gemeint ist wohl 0{ags})",
        )
    assert rest == ("", f"… und {total - len(shown):,} weitere ungültige Angaben".replace(",", "."))
    # Each violation once: the message does not repeat them, and it all stays far below the limit.
    assert "zeile" not in err.value.details()
    assert _trailer_bytes(err.value) < METADATA_SOFT_LIMIT * 3 // 4
    assert snapshot(service) == before


def test_over_grpc_a_stream_must_start_with_the_kopf(server):
    with pytest.raises(grpc.RpcError) as err:
        _call(server, "rp", "ImportErhebung", iter([pb.ImportErhebungRequest(zeile="ags;anzahl")]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in _bad_request(err.value)] == ["kopf"]


def test_over_grpc_the_stream_is_authenticated_and_for_operators_only(service, server):
    before = snapshot(service)
    with pytest.raises(grpc.RpcError) as err:
        _call(server, None, "ImportErhebung", _stream(kopf(), file_lines()))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as err:
        _call(server, STUTTGART, "ImportErhebung", _stream(kopf(), file_lines()))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert snapshot(service) == before
    # Unary calls are authenticated as before.
    request = pb.GetPlanungsrahmenRequest(kommune_ags=STUTTGART, programm=IM, foerderjahr=2017)
    with pytest.raises(grpc.RpcError) as err:
        _call(server, None, "GetPlanungsrahmen", request)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _call(server, STUTTGART, "GetPlanungsrahmen", request).planungsrahmen.kommune_ags == STUTTGART


def test_over_grpc_a_valid_file_is_imported(service, server):
    reply = _call(server, "rp", "ImportErhebung", _stream(kopf(), file_lines()))
    assert (reply.gemeinden, reply.anzahl_gesamt, len(reply.verteilung_ids)) == (1101, sum(counts().values()), 8)
    rahmen = _call(server, "rp", "GetPlanungsrahmen", pb.GetPlanungsrahmenRequest(kommune_ags=STUTTGART, programm=IM, foerderjahr=2017))
    assert rahmen.planungsrahmen.verteilung_id in reply.verteilung_ids


@pytest.fixture
def cli_env(server, tmp_path, monkeypatch):
    """The CLI finds the test's development CA under PAKT_DATA_DIR, as after `pakt up`."""
    monkeypatch.setenv("PAKT_DATA_DIR", str(tmp_path))
    for name in ("PAKT_TLS_CA", "PAKT_CLIENT_CERT", "PAKT_CLIENT_KEY"):
        monkeypatch.delenv(name, raising=False)
    return server[0].target


def test_cli_imports_a_file_once_and_reports_a_bad_one_line_by_line(service, cli_env, tmp_path, capsys):
    path = tmp_path / "erhebung-2017-06-30.csv"
    args = ["erhebung", "import", str(path), "--stichtag", STICHTAG_ENDGUELTIG, "--art", "endgueltig",
            "--quelle", "Erhebung der kommunalen Landesverbände", "--target", cli_env]

    bad = file_lines()
    bad[2] = bad[2].split(";")[0] + ";-3"
    bad[5] = "08999999;4"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    assert pakt_cli(args) == 1
    err = capsys.readouterr().err
    assert "Erhebung aus erhebung-2017-06-30.csv abgelehnt, nichts wurde gespeichert." in err
    assert "  zeile 3: Anzahl -3 ist negativ\n" in err
    assert "  zeile 6: 08999999 ist keine Gemeinde in Baden-Württemberg\n" in err

    path.write_text("\ufeff" + "\r\n".join(file_lines()) + "\r\n", encoding="utf-8")
    assert pakt_cli(args) == 0
    out = capsys.readouterr().out
    with service.engine.connect() as conn:
        stored = conn.execute(select(erhebung)).one()
    assert out.startswith(
        f"Erhebung {stored.id} zum Stichtag 2017-06-30 (endgültig): 1.101 Gemeinden, 110.495 Geflüchtete; "
        "neu berechnet: 8 Verteilungen\n"
    )
    assert stored.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # the file's own hash
    assert stored.dateiname == "erhebung-2017-06-30.csv" and stored.importiert_von == "rp:operator"

    # Run again (say the answer was lost): the same Erhebung, nothing imported twice.
    assert pakt_cli([*args, "--json"]) == 0
    again = capsys.readouterr().out
    assert f'"erhebung_id": "{stored.id}"' in again and '"anzahl_gesamt": 110495' in again
    assert snapshot(service)["erhebung"] == 1


def test_cli_prints_a_file_with_every_leading_zero_lost_as_a_capped_list(service, cli_env, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_text("\n".join(_lost_zeros(1101)) + "\n", encoding="utf-8")
    code = pakt_cli(["erhebung", "import", str(path), "--stichtag", STICHTAG_ENDGUELTIG, "--art", "endgueltig",
                     "--quelle", "Export aus der Tabellenkalkulation", "--target", cli_env])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    lines = captured.err.splitlines()
    assert lines[:3] == [
        "Fehler: Erhebung aus export.csv abgelehnt, nichts wurde gespeichert.",
        "Ungültige Eingabe: 1.102 Angaben sind ungültig; Einzelheiten in den Details.",
        "  zeile 2: „8111000“ ist kein Gemeindeschlüssel (8 Ziffern; führende Null verloren? gemeint ist wohl 08111000)",
    ]
    shown = [line for line in lines if line.startswith("  zeile ")]
    assert lines[-1] == f"  … und {1102 - len(shown):,} weitere ungültige Angaben".replace(",", ".")
    assert "Traceback" not in captured.err
    assert snapshot(service)["erhebung"] == 0
