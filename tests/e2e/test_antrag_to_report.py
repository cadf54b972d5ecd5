"""An Antrag submitted with the CLI is decided by allocation and shows up, to the cent, in the
utilisation report: every hop (gRPC, outbox, Kafka, allocation, Bescheid, aggregation, reporting) real."""

from __future__ import annotations

import json
import subprocess
import uuid

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pakt.allocation.v1 import allocation_pb2, allocation_pb2_grpc
from pakt.antrag.v1 import antrag_pb2
from pakt.caseplan.v1 import caseplan_pb2
from pakt.platform.pki import ensure_dev_pki
from pakt.platform.settings import SERVICES
from pakt.reporting.v1 import reporting_pb2
from tests.e2e.conftest import PAKT, decide, eventually, full_request, service_channel

STUTTGART = "08111000"
KUENZELSAU = "08126046"  # Hohenlohekreis; about 15,800 inhabitants


def _request(ags: str, programm: str, jahr: int, betrag_cent: int) -> dict:
    return full_request(ags, jahr, betrag_cent, programm=programm)


def _row(cli, by: str, key: str, jahr: int | None = None) -> dict:
    args = ["report", "utilisation", "--by", by] + (["--jahr", str(jahr)] if jahr else [])
    rows = cli.json(*args)
    return next(r for r in rows if r["key"] == key)


def _file(tmp_path, request: dict):
    path = tmp_path / f"{request['request_id']}.json"
    path.write_text(json.dumps(request))
    return path




def test_every_service_reports_serving(stack):
    for service in SERVICES:
        with service_channel(stack, service) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING, service


def _path(module, service: str, method: str) -> str:
    """The gRPC path of a method as the contract's descriptor names it: /package.Service/Method."""
    descriptor = module.DESCRIPTOR.services_by_name[service]
    return f"/{descriptor.full_name}/{descriptor.methods_by_name[method].name}"


# One method of each service's API; an empty request will do, as authentication comes first.
_API_METHODS = {
    "antrag": _path(antrag_pb2, "AntragService", "ListAntraege"),
    "allocation": _path(allocation_pb2, "AllocationService", "ListPlanungsrahmen"),
    "caseplan": _path(caseplan_pb2, "CasePlanService", "GetFallzahlen"),
    "reporting": _path(reporting_pb2, "ReportingService", "GetUtilisation"),
}


def test_without_a_credential_every_service_answers_health_only(stack):
    for service in SERVICES:
        with service_channel(stack, service, identity=None) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, service
            with pytest.raises(grpc.RpcError) as raised:
                channel.unary_unary(_API_METHODS[service])(b"", timeout=5)
        assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED, service


def test_cli_acts_as_whom_it_is_told(cli, tmp_path):
    # 2018: the report assertions elsewhere look at Stuttgart in 2017.
    path = _file(tmp_path, _request(STUTTGART, "PROGRAMM_EHRENAMT", 2018, 10_000))
    antrag = cli.json("--as", STUTTGART, "antrag", "submit", str(path))
    assert cli.json("--as", "rp:pruefer", "antrag", "get", antrag["id"])["id"] == antrag["id"]

    result = cli.run("--as", "Stuttgart", "antrag", "get", antrag["id"], check=False)
    assert result.returncode == 1
    assert "„Stuttgart“ ist weder ein AGS" in result.stderr


def test_cli_with_a_certificate_of_another_ca_is_refused(cli, tmp_path):
    other = ensure_dev_pki(tmp_path / "other-pki").client("08111000")
    env = {**cli.env, "PAKT_CLIENT_CERT": str(other.cert), "PAKT_CLIENT_KEY": str(other.key)}
    result = subprocess.run(
        [*PAKT, "report", "utilisation", "--by", "programm"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "Nicht angemeldet: Zertifikat im Berechtigungsnachweis nicht anerkannt" in result.stderr


def test_report_lists_all_44_kreise_and_4_programmes_with_full_budgets(cli):
    kreise = eventually(lambda: (rows := cli.json("report", "utilisation", "--by", "landkreis")) and
                        sum(r["planungsrahmen_cent"] for r in rows) and rows)
    assert len(kreise) == 44
    # The Planungsrahmen of all Kreise add up exactly to the seeded budgets: 2 x 58 M€ + 6 x 4 M€.
    assert sum(r["planungsrahmen_cent"] for r in kreise) == 140_000_000_00
    programme = cli.json("report", "utilisation", "--by", "programm", "--jahr", "2017")
    assert {r["key"]: r["planungsrahmen_cent"] for r in programme} == {
        "PROGRAMM_INTEGRATIONSMANAGEMENT": 58_000_000_00,
        "PROGRAMM_JUNGE_FLUECHTLINGE": 4_000_000_00,
        "PROGRAMM_SPRACHERWERB": 4_000_000_00,
        "PROGRAMM_EHRENAMT": 4_000_000_00,
    }
    assert {r["key"] for r in kreise} >= {"08111", "08126", "08436"}


def test_submitted_antrag_is_decided_and_reported_to_the_cent(cli, tmp_path):
    before = _row(cli, "landkreis", "08111", 2017)
    antrag = cli.submit(tmp_path, _request(STUTTGART, "PROGRAMM_INTEGRATIONSMANAGEMENT", 2017, 12_345_678))
    assert antrag["status"] == "ANTRAG_STATUS_EINGEGANGEN"
    assert antrag["kreis_ags"] == "08111"

    decided = decide(cli, antrag["id"])
    assert decided["status"] == "ANTRAG_STATUS_BEWILLIGT"
    assert decided["bewilligt_cent"] == 12_345_678

    after = eventually(
        lambda: (row := _row(cli, "landkreis", "08111", 2017))["bewilligt_cent"] != before["bewilligt_cent"] and row
    )
    assert after["beantragt_cent"] - before["beantragt_cent"] == 12_345_678
    assert after["bewilligt_cent"] - before["bewilligt_cent"] == 12_345_678
    assert after["antraege"] - before["antraege"] == 1


def test_antrag_above_the_planungsrahmen_is_partially_approved_up_to_what_is_left(cli, stack, tmp_path):
    with service_channel(stack, "allocation") as channel:
        rahmen = allocation_pb2_grpc.AllocationServiceStub(channel).GetPlanungsrahmen(
            allocation_pb2.GetPlanungsrahmenRequest(
                kommune_ags=KUENZELSAU, programm=1, foerderjahr=2018
            ),
            timeout=5,
        ).planungsrahmen
    rest = rahmen.rahmen_cent - rahmen.gebunden_cent
    assert rest > 5_100_000  # above the 51,000 € Schwellenwert, so the Gemeinde may apply alone

    antrag = cli.submit(tmp_path, _request(KUENZELSAU, "PROGRAMM_INTEGRATIONSMANAGEMENT", 2018, rest + 1_00))
    decided = decide(cli, antrag["id"])
    assert decided["status"] == "ANTRAG_STATUS_TEILWEISE_BEWILLIGT"
    assert decided["bewilligt_cent"] == rest

    second = cli.submit(tmp_path, _request(KUENZELSAU, "PROGRAMM_INTEGRATIONSMANAGEMENT", 2018, 1_00))
    assert decide(cli, second["id"])["status"] == "ANTRAG_STATUS_ABGELEHNT"


def test_small_gemeinde_below_schwellenwert_is_rejected_with_its_options(cli, tmp_path):
    # Großbettlingen (4,248 inhabitants): an IM Planungsrahmen of about 22,000 €, below 51,000 €.
    antrag = cli.submit(tmp_path, _request("08116022", "PROGRAMM_INTEGRATIONSMANAGEMENT", 2017, 1_000_000))
    decided = decide(cli, antrag["id"])
    assert decided["status"] == "ANTRAG_STATUS_ABGELEHNT"
    assert decided["bewilligt_cent"] == 0
    assert "Schwellenwert" in decided["bescheid_begruendung"]
    assert "Landkreis" in decided["bescheid_begruendung"]


def test_same_request_id_twice_gives_one_antrag(cli, tmp_path):
    request = _request(STUTTGART, "PROGRAMM_SPRACHERWERB", 2018, 50_000)
    first = cli.submit(tmp_path, request)
    second = cli.submit(tmp_path, request)
    assert first["id"] == second["id"]

    changed = {**request, "betrag_cent": 60_000}
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(changed))
    result = cli.run("antrag", "submit", str(path), check=False)
    assert result.returncode == 1
    assert "request_id" in result.stderr


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("antragsteller_ags", "08999999", "keine Gemeinde"),
        ("antragsteller_ags", "0811100", "kein Gemeindeschlüssel"),
        ("foerderjahr", 2031, "außerhalb des Programms"),
        ("betrag_cent", 0, "größer als 0"),
        ("beginn", "2017-13-01", "kein Datum"),
    ],
)
def test_bad_input_is_rejected_naming_the_field(cli, tmp_path, field, value, message):
    request = {**_request(STUTTGART, "PROGRAMM_EHRENAMT", 2017, 10_000), field: value}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(request))
    # Stuttgart's system submits: the applicant named in the file need not be a valid identity.
    result = cli.run("--as", STUTTGART, "antrag", "submit", str(path), check=False)
    assert result.returncode == 1
    assert field in result.stderr and message in result.stderr


def test_unknown_antrag_is_not_found(cli):
    result = cli.run("antrag", "get", str(uuid.uuid4()), check=False)
    assert result.returncode == 1
    assert "Nicht gefunden" in result.stderr


def test_services_expose_prometheus_metrics(stack, cli):
    import urllib.request

    cli.json("report", "utilisation", "--by", "programm")
    body = urllib.request.urlopen(f"http://127.0.0.1:{stack.config.metrics_ports['reporting']}/metrics").read().decode()
    assert f'pakt_grpc_server_handled_total{{code="OK",method="{_API_METHODS["reporting"]}"}}' in body
