"""`pakt`: the command line for municipal systems, operators and the local stack (German output)."""

from __future__ import annotations

import argparse
import json
import signal
import sys

from pakt import texte
from pakt.cli import antrag_cli, erhebung_cli, output
from pakt.cli import abgleich_cli, allocation_cli
from pakt.cli import caseplan_cli
from pakt.cli.antrag_cli import UsageError
from pakt.geld import euro, quote
from pakt.platform.client import CallFailed, acting_as, call
from pakt.platform.settings import SERVICES, target
from pakt.reporting.v1 import reporting_pb2, reporting_pb2_grpc

def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except (CallFailed, UsageError) as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": str(exc)}, ensure_ascii=False), file=sys.stderr)
        else:
            print(f"Fehler: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pakt", description="Pakt für Integration – Bewilligungsstelle RP Stuttgart")
    parser.add_argument(
        "--as",
        dest="identity",
        metavar="IDENTITÄT",
        help="als Kommune (AGS) oder als Bewilligungsstelle (rp) handeln",
    )
    sub = parser.add_subparsers(required=True, metavar="BEFEHL")

    up = sub.add_parser("up", help="startet das ganze System lokal (Broker, Dienste, Dashboard)")
    up.add_argument("--no-demo", action="store_true", help="ohne simulierte Anträge der Kommunen")
    up.set_defaults(handler=_up)

    serve = sub.add_parser(
        "serve",
        help="startet einen einzelnen Dienst (für Container) oder führt eine Betriebsaufgabe des Dienstes aus",
        description="Startet einen Dienst. Mit AUFGABE führt der Dienst stattdessen eine Betriebsaufgabe auf seiner "
        "eigenen Datenbank aus, mit seinen Einstellungen (caseplan: rotate-key, audit verify, aufbewahrung, "
        "dev-keys; Hilfe: pakt serve caseplan --help).",
    )
    serve.add_argument("service", choices=[*SERVICES, "reporting-aggregator"])
    serve.add_argument("aufgabe", nargs=argparse.REMAINDER, metavar="AUFGABE …", help="Betriebsaufgabe und ihre Argumente")
    serve.set_defaults(handler=_serve)

    demo = sub.add_parser("demo", help="simuliert Kommunen, die Anträge stellen")
    demo.add_argument("--rate", type=float, default=2.0, help="Anträge je Sekunde (Mittel)")
    demo.add_argument("--count", type=int, default=None, help="Anzahl, dann Ende (Standard: unbegrenzt)")
    demo.add_argument("--target", default=None, help="Antrag-Dienst host:port")
    demo.set_defaults(handler=_demo)

    antrag = sub.add_parser("antrag", help="Anträge stellen, bearbeiten und abfragen")
    antrag_cli.register(antrag.add_subparsers(required=True, metavar="AKTION"), _common)
    erhebung_cli.register(sub, _common)
    allocation_cli.register(sub, _common)
    caseplan_cli.register(sub, _common)

    report = sub.add_parser("report", help="Auswertungen").add_subparsers(required=True, metavar="AUSWERTUNG")
    util = report.add_parser("utilisation", help="Mittelauslastung je Landkreis oder Programm")
    util.add_argument("--by", choices=["landkreis", "programm"], required=True)
    util.add_argument("--jahr", type=int, default=0, help="Förderjahr (Standard: alle)")
    _common(util, "reporting")
    util.set_defaults(handler=_report_utilisation)
    faelle = report.add_parser("faelle", help="Integrationsmanagement: offene Fälle und erreichte Ziele (keine Zelle unter 5 Personen)")
    faelle.add_argument("--kreis", default="", help="die Kommunen dieses Kreises statt aller Kreise")
    _common(faelle, "reporting")
    faelle.set_defaults(handler=_report_faelle)
    abgleich_cli.register(sub, report)
    return parser


def _common(parser: argparse.ArgumentParser, service: str) -> None:
    parser.add_argument("--json", action="store_true", help="Ausgabe als JSON für Maschinen")
    parser.add_argument(
        "--target", default=None, help=f"Adresse des Dienstes host:port (Standard: PAKT_{service.upper()}_TARGET oder lokal)"
    )
    parser.set_defaults(service=service)


def _target(args) -> str:
    return args.target or target(args.service)


def _report_utilisation(args) -> int:
    by = {"landkreis": reporting_pb2.GLIEDERUNG_LANDKREIS, "programm": reporting_pb2.GLIEDERUNG_PROGRAMM}[args.by]
    reply = call(
        _target(args),
        reporting_pb2_grpc.ReportingServiceStub,
        "GetUtilisation",
        reporting_pb2.GetUtilisationRequest(by=by, foerderjahr=args.jahr),
        acting_as(args.identity, "rp"),
    )
    rows = [output.to_dict(row) for row in reply.rows]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print(f"{'Schlüssel':<34} {'Name':<40} {'Planungsrahmen':>18} {'beantragt':>18} {'bewilligt':>18} {'Quote':>8}")
    for row in reply.rows:
        print(
            f"{row.key:<34} {row.name[:40]:<40} {euro(row.planungsrahmen_cent):>18} "
            f"{euro(row.beantragt_cent):>18} {euro(row.bewilligt_cent):>18} {quote(row.bewilligt_cent, row.planungsrahmen_cent):>8}"
        )
    return 0


def _report_faelle(args) -> int:
    request = reporting_pb2.GetIntegrationsmanagementRequest(
        by=reporting_pb2.GLIEDERUNG_KOMMUNE if args.kreis else reporting_pb2.GLIEDERUNG_LANDKREIS, kreis_ags=args.kreis
    )
    reply = call(_target(args), reporting_pb2_grpc.ReportingServiceStub, "GetIntegrationsmanagement", request,
                 acting_as(args.identity, "rp"))
    if args.json:
        print(json.dumps(output.to_dict(reply), ensure_ascii=False, indent=2))
        return 0

    def zelle(z) -> str:
        return "geheim" if z.suppressed else str(z.value)

    print(f"{'Schlüssel':<10} {'Name':<40} {'offene Pläne':>12}")
    for row in reply.rows:
        print(f"{row.key:<10} {row.name[:40]:<40} {zelle(row.offene_plaene):>12}")
    print(f"{'':<10} {'gesamt':<40} {zelle(reply.offene_plaene_gesamt):>12}")
    if reply.zielfelder:
        print(f"\n{'Zielfeld':<20} {'Ziele':>8} {'erreicht':>9}")
        for z in reply.zielfelder:
            print(f"{texte.ZIELFELD.get(z.feld, z.name):<20} {zelle(z.ziele):>8} {zelle(z.erreicht):>9}")
    print("„geheim“: weniger als 5 Personen, oder zurückgehalten, damit keine kleine Zahl errechnet werden kann.")
    return 0


def _demo(args) -> int:
    from pakt.cli import demo
    from pakt.platform.logging import configure_logging

    configure_logging("demo")
    # Stop cleanly on SIGTERM from the supervisor.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    demo.run(args.target or target("antrag"), args.rate, args.count)
    return 0


def _serve(args) -> int:
    # Loaded by module name, never imported by pakt/ (the import contracts in pyproject.toml): the CLI is their client.
    import importlib
    import importlib.util

    if args.aufgabe:
        ops = f"services.{args.service}.ops"
        if args.service not in SERVICES or importlib.util.find_spec(ops) is None:
            raise UsageError(f"Der Dienst {args.service} hat keine Betriebsaufgaben ({' '.join(args.aufgabe)}).")
        return importlib.import_module(ops).main(args.aufgabe, prog=f"pakt serve {args.service}")
    module = "services.reporting.aggregator" if args.service == "reporting-aggregator" else f"services.{args.service}.main"
    importlib.import_module(module).run()
    return 0


def _up(args) -> int:
    from pakt.cli.stack import ChildFailed, Stack, StackConfig

    config = StackConfig.from_env(demo=not args.no_demo)
    stack = Stack(config)
    stopping = False

    def request_stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(f"Starte Pakt für Integration (Daten: {config.data_dir}, Protokolle: {stack.log_dir}) …", flush=True)
    try:
        stack.start()
        print(f"Broker: {stack.bootstrap}", flush=True)
        stack.wait_ready()
        if config.demo:
            stack.start_demo()
        print(f"Bereit. Dashboard: {stack.dashboard_url}", flush=True)
        print("Demo: simulierte Kommunen stellen Anträge." if config.demo else "Ohne Demo-Anträge.", flush=True)
        print("Beenden mit Strg-C.", flush=True)
        stack.supervise(lambda: stopping, lambda line: print(line, flush=True))
    except ChildFailed as exc:
        print(f"Fehler: {exc}", file=sys.stderr, flush=True)
        stack.stop()
        return 1
    print("Beende alle Prozesse …", flush=True)
    stack.stop()
    print("Beendet.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
