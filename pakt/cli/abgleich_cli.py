"""`pakt abgleich` and `pakt report rebuild`: the operator's check that antrag, allocation and
reporting agree, with repair by republishing, and the rebuild of reporting's read model
(docs/reliability.md). The comparison itself is pakt.abgleich; this module fetches and prints.

Both act as the Bewilligungsstelle ("rp") unless `--as` says otherwise and reach the services at
PAKT_<DIENST>_TARGET (or the local stack).

Exit codes: 0 everything agrees (or the rebuild finished), 1 something is left (or the rebuild did
not finish in time), 2 the check was not possible (a service not reachable, no permission).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from pakt import abgleich
from pakt.allocation.v1 import allocation_pb2, allocation_pb2_grpc
from pakt.antrag.v1 import antrag_pb2, antrag_pb2_grpc
from pakt.caseplan.v1 import caseplan_pb2, caseplan_pb2_grpc
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform.client import CallFailed, acting_as, call
from pakt.platform.reconciliation import MAX_PAGE_SIZE, MAX_REPUBLISH_IDS
from pakt.platform.settings import target
from pakt.reporting.v1 import reporting_pb2, reporting_pb2_grpc

RP = "rp"
ABWEICHUNGEN, NICHT_MOEGLICH = 1, 2
ZEILEN_JE_ART = 10
POLL_S = 2.0
PRODUZENTEN = ("antrag", "allocation", "caseplan")


def register(sub: argparse._SubParsersAction, report: argparse._SubParsersAction) -> None:
    """Add `pakt abgleich` and `pakt report rebuild`."""
    p = sub.add_parser(
        "abgleich",
        help="prüft, ob antrag, allocation und reporting übereinstimmen, und lässt Abweichungen durch erneutes "
        "Veröffentlichen reparieren",
    )
    p.add_argument("--warten", type=float, default=60, metavar="SEKUNDEN",
                   help="wie lange nach der Reparatur auf Übereinstimmung gewartet wird (Standard 60)")
    p.add_argument("--nur-pruefen", action="store_true", help="nur prüfen und berichten, nichts reparieren")
    p.add_argument("--ausfuehrlich", action="store_true",
                   help=f"jede Abweichung zeigen (sonst höchstens {ZEILEN_JE_ART} je Art)")
    p.add_argument("--json", action="store_true", help="Ausgabe als JSON für Maschinen")
    p.set_defaults(handler=_abgleich)

    r = report.add_parser(
        "rebuild",
        help="baut das Lesemodell von reporting aus den Ereignissen von antrag, allocation und caseplan neu auf",
    )
    r.add_argument("--warten", type=float, default=300, metavar="SEKUNDEN",
                   help="wie lange auf den Abschluss gewartet wird (Standard 300)")
    r.add_argument("--json", action="store_true", help="Ausgabe als JSON für Maschinen")
    r.set_defaults(handler=_rebuild)


# -- fetching -------------------------------------------------------------------------------------


def _pages(service: str, stub, method: str, request_type, field: str, identity: str | None) -> list:
    rows, token = [], ""
    while True:
        reply = call(target(service), stub, method, request_type(page_size=MAX_PAGE_SIZE, page_token=token), identity)
        rows += getattr(reply, field)
        token = reply.next_page_token
        if not token:
            return rows


def antraege(identity: str | None) -> list[abgleich.AntragGeld]:
    rows = _pages("antrag", antrag_pb2_grpc.AntragServiceStub, "ListGeldstaende", antrag_pb2.ListGeldstaendeRequest,
                  "geldstaende", identity)
    return [
        abgleich.AntragGeld(
            antrag_id=g.antrag_id, antragsteller_ags=g.antragsteller_ags, programm=Programm.Name(g.programm),
            foerderjahr=g.foerderjahr, status=antrag_pb2.AntragStatus.Name(g.status), version=g.version,
            bescheid_id=g.bescheid_id, bewilligt_cent=g.bewilligt_cent, ausgezahlt_cent=g.ausgezahlt_cent,
            freigegeben_cent=g.freigegeben_cent, rueckforderung_cent=g.rueckforderung_cent,
        )
        for g in rows
    ]


def bescheide(identity: str | None) -> list[abgleich.BescheidGeld]:
    rows = _pages("allocation", allocation_pb2_grpc.AllocationServiceStub, "ListBescheide",
                  allocation_pb2.ListBescheideRequest, "bescheide", identity)
    return [
        abgleich.BescheidGeld(
            bescheid_id=b.bescheid_id, antrag_id=b.antrag_id, kommune_ags=b.kommune_ags,
            programm=Programm.Name(b.programm), foerderjahr=b.foerderjahr,
            entscheidung=allocation_pb2.Entscheidung.Name(b.entscheidung), bewilligt_cent=b.bewilligt_cent,
            freigegeben_cent=b.freigegeben_cent,
        )
        for b in rows
    ]


def reporting(identity: str | None) -> list[abgleich.ReportingGeld]:
    rows = _pages("reporting", reporting_pb2_grpc.ReportingServiceStub, "ListAntragStaende",
                  reporting_pb2.ListAntragStaendeRequest, "antrag_staende", identity)
    return [
        abgleich.ReportingGeld(
            antrag_id=r.antrag_id, version=r.version, antragsteller_ags=r.antragsteller_ags, programm=r.programm,
            foerderjahr=r.foerderjahr, status=r.status, bewilligt_cent=r.bewilligt_cent,
            ausgezahlt_cent=r.ausgezahlt_cent, freigegeben_cent=r.freigegeben_cent,
            rueckforderung_cent=r.rueckforderung_cent,
        )
        for r in rows
    ]


def _pruefen(identity: str | None) -> tuple[list[abgleich.Befund], dict[str, int]]:
    # Downstream first: what is on its way then shows as something to repeat (harmless), never
    # as a service ahead of its source.
    r = reporting(identity)
    b = bescheide(identity)
    a = antraege(identity)
    return abgleich.vergleiche(a, b, r), {"antraege": len(a), "bescheide": len(b), "reporting": len(r)}


def _republish(service: str, ids: tuple[str, ...], identity: str | None) -> int:
    """Ask antrag or allocation to publish the events of these Anträge again; events queued."""
    stub, request_type = {
        "antrag": (antrag_pb2_grpc.AntragServiceStub, antrag_pb2.RepublishRequest),
        "allocation": (allocation_pb2_grpc.AllocationServiceStub, allocation_pb2.RepublishRequest),
    }[service]
    queued = 0
    for start in range(0, len(ids), MAX_REPUBLISH_IDS):
        chunk = list(ids[start:start + MAX_REPUBLISH_IDS])
        queued += call(target(service), stub, "Republish", request_type(antrag_ids=chunk), identity).events_queued
    return queued


# -- pakt abgleich --------------------------------------------------------------------------------


def _abgleich(args) -> int:
    identity = acting_as(args.identity, RP)
    report: dict = {}
    try:
        befunde, anzahl = _pruefen(identity)
        report.update(anzahl=anzahl, befunde=[_befund_dict(b) for b in befunde])
        if not args.json:
            print(
                f"Abgleich: {_zahl(anzahl['antraege'])} Anträge in antrag, {_zahl(anzahl['bescheide'])} Bescheide in "
                f"allocation, {_zahl(anzahl['reporting'])} Anträge in reporting."
            )
        if not befunde:
            report["ergebnis"] = "uebereinstimmend"
            _ausgabe(args, report, "Alles stimmt überein – nichts zu reparieren.")
            return 0
        if not args.json:
            print(f"Gefunden: {_abweichungen(len(befunde))}.")
            _liste(befunde, args.ausfuehrlich)
        if args.nur_pruefen:
            report["ergebnis"] = "abweichungen"
            report["verbleibend"] = report["befunde"]
            _ausgabe(args, report, "Nichts repariert (--nur-pruefen).")
            return ABWEICHUNGEN
        plan = abgleich.reparatur(befunde)
        reparatur = {}
        for service, ids in (("antrag", plan.antrag), ("allocation", plan.allocation)):
            if ids:
                reparatur[service] = {"antraege": len(ids), "events_queued": _republish(service, ids, identity)}
        report["reparatur"] = reparatur
        if not args.json:
            _reparatur_text(reparatur, befunde)
        verbleibend = _nachpruefen(identity, befunde, args.warten, args.json)
    except CallFailed as exc:
        return _nicht_moeglich(args, exc)
    report["verbleibend"] = [_befund_dict(b) for b in verbleibend]
    if not verbleibend:
        report["ergebnis"] = "repariert"
        _ausgabe(args, report, f"Repariert: alle {_abweichungen(len(befunde))} sind behoben.")
        return 0
    report["ergebnis"] = "abweichungen"
    if args.json:
        _ausgabe(args, report, "")
    else:
        print(f"Nach {args.warten:g} s bleiben {_abweichungen(len(verbleibend))}:")
        _liste(verbleibend, args.ausfuehrlich)
        print("Bitte prüfen (docs/reliability.md, Abgleich und Neuaufbau).")
    return ABWEICHUNGEN


def _nachpruefen(identity: str | None, befunde: list[abgleich.Befund], warten: float, quiet: bool) -> list[abgleich.Befund]:
    """Check again until the first check's findings are gone or warten seconds have passed."""
    if not quiet:
        print(f"Prüfe erneut, bis zu {warten:g} s …", flush=True)
    deadline = time.monotonic() + warten
    while True:
        time.sleep(max(0.0, min(POLL_S, deadline - time.monotonic())))
        verbleibend = abgleich.verbleibend(befunde, _pruefen(identity)[0])
        if not verbleibend or time.monotonic() >= deadline:
            return verbleibend


def _reparatur_text(reparatur: dict, befunde: list[abgleich.Befund]) -> None:
    if not reparatur:
        print("Nichts davon lässt sich durch erneutes Veröffentlichen reparieren.")
        return
    for service, r in reparatur.items():
        print(
            f"Reparatur: {service} veröffentlicht die Ereignisse von {_anzahl(r['antraege'], 'Antrag', 'Anträgen')} "
            f"erneut ({_anzahl(r['events_queued'], 'Ereignis', 'Ereignisse')} eingereiht)."
        )
    if rest := sum(1 for b in befunde if not b.reparierbar and b.art != "summe"):
        print(f"Nicht automatisch reparierbar: {_abweichungen(rest)} (siehe oben).")


def _liste(befunde: list[abgleich.Befund], alle: bool) -> None:
    for art, anzahl in abgleich.zusammenfassung(befunde).items():
        print(f"  {abgleich.ARTEN[art]}: {_zahl(anzahl)}")
        zeilen = [b for b in befunde if b.art == art]
        for b in zeilen if alle else zeilen[:ZEILEN_JE_ART]:
            print(f"    – {b.text}")
        if not alle and len(zeilen) > ZEILEN_JE_ART:
            print(f"    … und {_zahl(len(zeilen) - ZEILEN_JE_ART)} weitere (--ausfuehrlich zeigt alle)")


def _befund_dict(b: abgleich.Befund) -> dict:
    return {**asdict(b), "antrag_nachsenden": list(b.antrag_nachsenden),
            "allocation_nachsenden": list(b.allocation_nachsenden), "reparierbar": b.reparierbar}


# -- pakt report rebuild -----------------------------------------------------------------------------


def _rebuild(args) -> int:
    """Reset reporting, then ask the owners for their whole history: allocation's first (the
    distributions), and once reporting has processed it, antrag's and caseplan's. In this order an
    Antrag's events arriving at allocation again (it then sends its Bescheid again) cannot be
    mistaken for allocation's history having arrived."""
    identity = acting_as(args.identity, RP)
    deadline = time.monotonic() + args.warten
    queued: dict[str, int] = {}
    stand: tuple[int, dict[str, int]] = (0, {})
    rueckstand = 0
    try:
        removed = call(target("reporting"), reporting_pb2_grpc.ReportingServiceStub, "ResetReadModel",
                       reporting_pb2.ResetReadModelRequest(), identity).antraege_removed
        if not args.json:
            print(f"Lesemodell von reporting geleert ({_anzahl(removed, 'Antrag', 'Anträge')} entfernt).", flush=True)
        fertig = False
        for phase in (("allocation",), ("antrag", "caseplan")):
            for service in phase:
                queued[service] = _republish_all(service, identity)
            if not args.json:
                print(
                    "Erneut veröffentlicht: " + ", ".join(f"{s} {_anzahl(queued[s], 'Ereignis', 'Ereignisse')}" for s in phase)
                    + ".", flush=True,
                )
            fertig, stand, rueckstand = _warte_auf_neuaufbau(identity, queued, deadline, args.json,
                                                            antraege_pruefen=phase[0] == "antrag")
            if not fertig:
                break
    except CallFailed as exc:
        return _nicht_moeglich(args, exc)
    applied, processed = stand
    report = {
        "fertig": fertig, "antraege_entfernt": removed, "events_queued": queued,
        "events_processed": {p: processed.get(p, 0) for p in PRODUZENTEN}, "events_applied": applied,
        "antraege_ausstehend": rueckstand,
    }
    fortschritt = _fortschritt(queued, processed)
    if args.json:
        _ausgabe(args, report, "")
    elif fertig:
        print(f"Neuaufbau abgeschlossen: {fortschritt}; {_zahl(applied)} davon haben das Lesemodell geändert.")
    else:
        print(f"Neuaufbau nach {args.warten:g} s nicht abgeschlossen: {fortschritt}"
              + (("; in reporting fehlt 1 Antrag oder ist nicht" if rueckstand == 1 else
                  f"; in reporting fehlen {_zahl(rueckstand)} Anträge oder sind nicht") + " auf dem Stand von antrag"
                 if rueckstand else "")
              + ". Läuft die Aggregation (reporting-aggregator)? Erneut prüfen mit: pakt abgleich")
    return 0 if fertig else ABWEICHUNGEN


def _republish_all(service: str, identity: str | None) -> int:
    stub, request = {
        "antrag": (antrag_pb2_grpc.AntragServiceStub, antrag_pb2.RepublishRequest(alle=True)),
        "allocation": (allocation_pb2_grpc.AllocationServiceStub, allocation_pb2.RepublishRequest(alle=True)),
        "caseplan": (caseplan_pb2_grpc.CasePlanServiceStub, caseplan_pb2.RepublishRequest(alle=True)),
    }[service]
    return call(target(service), stub, "Republish", request, identity).events_queued


def _warte_auf_neuaufbau(
    identity: str | None, queued: dict[str, int], deadline: float, quiet: bool, antraege_pruefen: bool
) -> tuple[bool, tuple[int, dict[str, int]], int]:
    """Until reporting has processed at least as many events of each producer as were queued
    (and, with antraege_pruefen, has every Antrag at antrag's version), or the deadline. Returns
    whether it got there, reporting's counters and how many Anträge it still lacks."""
    gezeigt = None
    rueckstand = 0
    while True:
        reply = call(target("reporting"), reporting_pb2_grpc.ReportingServiceStub, "GetAggregationStand",
                     reporting_pb2.GetAggregationStandRequest(), identity)
        stand = (reply.events_applied, dict(reply.events_processed))
        if not quiet and stand[1] != gezeigt:
            print(f"  {_fortschritt(queued, stand[1])}", flush=True)
            gezeigt = stand[1]
        if all(stand[1].get(p, 0) >= n for p, n in queued.items()):
            if not antraege_pruefen:
                return True, stand, 0
            rueckstand = len(abgleich.reporting_rueckstand(antraege(identity), reporting(identity)))
            if rueckstand == 0:
                return True, stand, 0
        if time.monotonic() >= deadline:
            return False, stand, rueckstand
        time.sleep(max(0.0, min(POLL_S / 2, deadline - time.monotonic())))


def _fortschritt(queued: dict[str, int], processed: dict[str, int]) -> str:
    done = sum(min(processed.get(p, 0), n) for p, n in queued.items())
    return (
        f"{_zahl(done)} von {_anzahl(sum(queued.values()), 'Ereignis', 'Ereignissen')} verarbeitet ("
        + ", ".join(f"{p} {_zahl(min(processed.get(p, 0), n))}/{_zahl(n)}" for p, n in queued.items()) + ")"
    )


# -- output ---------------------------------------------------------------------------------------


def _ausgabe(args, report: dict, text: str) -> None:
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    elif text:
        print(text)


def _nicht_moeglich(args, exc: CallFailed) -> int:
    if args.json:
        print(json.dumps({"error": str(exc)}, ensure_ascii=False), file=sys.stderr)
    else:
        print(f"Fehler: {exc}", file=sys.stderr)
    return NICHT_MOEGLICH


def _abweichungen(n: int) -> str:
    return _anzahl(n, "Abweichung", "Abweichungen")


def _anzahl(n: int, eins: str, mehrere: str) -> str:
    return f"{_zahl(n)} {eins if n == 1 else mehrere}"


def _zahl(n: int) -> str:
    return f"{n:,}".replace(",", ".")
