"""`pakt planungsrahmen …`, `pakt parameter …`, `pakt verteilung …`: the allocation service from
the command line, German output or --json.

Everything acts as the Bewilligungsstelle ("rp") unless `--as` says otherwise: reading is open to
every authenticated caller, setting a parameter and applying an Umverteilung is for operators.
Amounts are whole cents, as everywhere in the system; printed as German euro amounts.
"""

from __future__ import annotations

import argparse
import json
import textwrap
import uuid
from collections.abc import Callable, Iterable

from pakt import texte
from pakt.allocation.v1 import allocation_pb2 as pb
from pakt.allocation.v1 import allocation_pb2_grpc
from pakt.cli import output
from pakt.cli.antrag_cli import PROGRAMME
from pakt.geld import euro
from pakt.platform.client import acting_as, call
from pakt.platform.settings import target
from pakt.referenzdaten import gebiete

RP = "rp"
TRANCHEN = {"vorlaeufig": pb.TRANCHE_VORLAEUFIG, "endgueltig": pb.TRANCHE_ENDGUELTIG}
ARTEN = {
    "budget": pb.PARAMETER_ART_BUDGET,
    "schwellenwert": pb.PARAMETER_ART_SCHWELLENWERT,
    "stichtag": pb.PARAMETER_ART_STICHTAG,
}


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser, str], None]) -> None:
    """Add the command groups `planungsrahmen`, `parameter` and `verteilung`."""

    def group(name: str, help_text: str) -> argparse._SubParsersAction:
        return sub.add_parser(name, help=help_text).add_subparsers(required=True, metavar="AKTION")

    def command(actions: argparse._SubParsersAction, name: str, help_text: str, handler) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        common(parser, "allocation")
        parser.set_defaults(handler=handler)
        return parser

    def programm(parser: argparse.ArgumentParser, required: bool) -> None:
        parser.add_argument("--programm", choices=sorted(PROGRAMME), required=required, default=None)

    rahmen = group("planungsrahmen", "Planungsrahmen der Kommunen anzeigen und erläutern")
    p = command(rahmen, "list", "Planungsrahmen auflisten (nach AGS)", _rahmen_list)
    p.add_argument("--kreis", default="", help="AGS des Stadt- oder Landkreises")
    programm(p, False)
    p.add_argument("--jahr", type=int, default=0, help="Förderjahr")
    p.add_argument("--seitengroesse", type=int, default=0, help="Zeilen je Seite (Standard 500)")
    p.add_argument("--seite", default="", help="Seitentoken aus der vorigen Ausgabe")
    p.add_argument("--alle", action="store_true", help="alle Seiten abrufen")

    p = command(rahmen, "explain", "Rechenweg eines Planungsrahmens: Eingaben, Parameterversionen, Rundung", _rahmen_explain)
    p.add_argument("ags", help="AGS der Gemeinde")
    programm(p, True)
    p.add_argument("--jahr", type=int, required=True, help="Förderjahr")
    p.add_argument("--stand", default="", help="JJJJ-MM-TT: mit den an diesem Tag geltenden Werten (Standard: heute)")
    p.add_argument("--tranche", choices=sorted(TRANCHEN), default=None, help="Standard: die am Stichtag geltende")

    params = group("parameter", "versionierte Parameter: Budgets, Schwellenwerte, Stichtage")
    p = command(params, "list", "alle Versionen auflisten (älteste zuerst)", _parameter_list)
    p.add_argument("--art", choices=sorted(ARTEN), default=None)
    programm(p, False)
    p.add_argument("--jahr", type=int, default=0, help="Förderjahr")

    p = command(params, "set", "neue Parameterversion festlegen (Bewilligungsstelle)", _parameter_set)
    p.add_argument("--art", choices=sorted(ARTEN), required=True)
    programm(p, False)
    p.add_argument("--jahr", type=int, default=0, help="Förderjahr (Budget, Stichtag)")
    p.add_argument("--tranche", choices=sorted(TRANCHEN), default=None, help="Budget, Stichtag")
    p.add_argument("--cent", type=int, default=0, help="Betrag in Cent (Budget, Schwellenwert)")
    p.add_argument("--stichtag", default="", help="JJJJ-MM-TT (Stichtag)")
    p.add_argument("--gueltig-ab", required=True, help="JJJJ-MM-TT: ab wann die Version gilt")
    p.add_argument("--quelle", required=True, help="woher der Wert stammt (Beschluss, Erlass, Annahme)")
    p.add_argument("--request-id", default=None, help="Idempotenzschlüssel (Standard: neu erzeugt)")

    verteilung = group("verteilung", "Verteilungen vergleichen und freie Mittel umverteilen")
    p = command(verteilung, "vergleich", "vorläufige und endgültige Verteilung je Kommune (Nachverteilung)", _vergleich)
    programm(p, True)
    p.add_argument("--jahr", type=int, required=True, help="Förderjahr")
    p.add_argument("--kreis", default="", help="nur dieser Kreis (AGS)")

    p = command(verteilung, "simulate", "Umverteilung der freien Mittel durchrechnen, ohne etwas zu ändern", _simulate)
    programm(p, True)
    p.add_argument("--jahr", type=int, required=True, help="Förderjahr")

    p = command(verteilung, "apply", "Umverteilung als neue Verteilung festlegen (Bewilligungsstelle)", _apply)
    programm(p, True)
    p.add_argument("--jahr", type=int, required=True, help="Förderjahr")
    p.add_argument("--quelle", required=True, help="warum umverteilt wird (Beschluss, Datum)")
    p.add_argument("--request-id", default=None, help="Idempotenzschlüssel (Standard: neu erzeugt)")


def _call(args, method: str, request):
    return call(
        args.target or target("allocation"),
        allocation_pb2_grpc.AllocationServiceStub,
        method,
        request,
        acting_as(args.identity, RP),
    )


def _programm(args) -> int:
    return PROGRAMME[args.programm] if args.programm else 0


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _name(ags: str) -> str:
    g = gebiete()
    place = g.gemeinden.get(ags) or g.kreise.get(ags)
    return place.name if place is not None else ""


def _programm_text(value: int) -> str:
    return texte.PROGRAMM.get(value, "?")


# -- planungsrahmen ------------------------------------------------------------------------------


def _rahmen_list(args) -> int:
    request = pb.ListPlanungsrahmenRequest(
        kreis_ags=args.kreis, programm=_programm(args), foerderjahr=args.jahr,
        page_size=args.seitengroesse, page_token=args.seite,
    )
    rows, token = [], ""
    while True:
        reply = _call(args, "ListPlanungsrahmen", request)
        rows += reply.planungsrahmen
        token = reply.next_page_token
        if not (args.alle and token):
            break
        request.page_token = token
    if args.json:
        _print_json({"planungsrahmen": [output.to_dict(r) for r in rows], "next_page_token": token})
        return 0
    print(f"{'AGS':<8} {'Gemeinde':<28} {'Kreis':<5} {'Programm':<24} {'Jahr':>4} {'Rahmen':>18} {'gebunden':>18} {'frei':>18}")
    for r in rows:
        print(
            f"{r.kommune_ags:<8} {_name(r.kommune_ags)[:28]:<28} {r.kreis_ags:<5} {_programm_text(r.programm):<24} "
            f"{r.foerderjahr:>4} {euro(r.rahmen_cent):>18} {euro(r.gebunden_cent):>18} {euro(r.rahmen_cent - r.gebunden_cent):>18}"
        )
    rahmen, gebunden = sum(r.rahmen_cent for r in rows), sum(r.gebunden_cent for r in rows)
    print(f"{'Summe':<73} {euro(rahmen):>18} {euro(gebunden):>18} {euro(rahmen - gebunden):>18}")
    print(f"{len(rows)} Planungsrahmen" + (f"; weitere Seite: --seite {token}" if token else ""))
    return 0


def _rahmen_explain(args) -> int:
    request = pb.ExplainPlanungsrahmenRequest(
        kommune_ags=args.ags, programm=_programm(args), foerderjahr=args.jahr, stand=args.stand,
        tranche=TRANCHEN[args.tranche] if args.tranche else 0,
    )
    r = _call(args, "ExplainPlanungsrahmen", request).rechenweg
    if args.json:
        _print_json(output.to_dict(r))
        return 0
    print(f"Planungsrahmen {r.kommune_ags} {_name(r.kommune_ags)}, {_programm_text(r.programm)}, Förderjahr {r.foerderjahr}")
    print(f"  Stand:           {r.stand}, Tranche {texte.TRANCHE.get(r.tranche, '?')}")
    print(f"  Budget:          {euro(r.budget.betrag_cent)} ({_version(r.budget)})")
    if r.HasField("stichtag"):
        print(f"  Stichtag:        {r.stichtag.stichtag} ({_version(r.stichtag)})")
    else:
        print("  Stichtag:        keiner festgelegt")
    print(f"  Basis:           {r.basis}" + (f" (Erhebung {r.erhebung_id})" if r.erhebung_id else ""))
    print(f"  Anteil:          {_zahl(r.anzahl)} von {_zahl(r.anzahl_gesamt)}")
    print(f"  Ganzzahlig:      {euro(r.quote_ganz_cent)}, Rest {_zahl(r.rest)}/{_zahl(r.anzahl_gesamt)} Cent")
    print(
        f"  Restcent:        {_zahl(r.restcents_gesamt)} insgesamt; Rang {_zahl(r.rest_rang)}: "
        + ("ein Cent mehr" if r.plus_ein_cent else "kein Cent mehr")
    )
    print(f"  Planungsrahmen:  {euro(r.rahmen_cent)}")
    print("  Erläuterung:")
    print(textwrap.fill(r.erlaeuterung, width=100, initial_indent="    ", subsequent_indent="    "))
    return 0


def _version(p: pb.Parameter) -> str:
    return f"Parameter #{p.id}, gültig ab {p.gueltig_ab}, erfasst von {p.erfasst_von}, Quelle: {p.quelle}"


def _zahl(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# -- parameter -------------------------------------------------------------------------------------


def _parameter_list(args) -> int:
    request = pb.ListParameterRequest(
        art=ARTEN[args.art] if args.art else 0, programm=_programm(args), foerderjahr=args.jahr
    )
    rows = _call(args, "ListParameter", request).parameter
    if args.json:
        _print_json([output.to_dict(p) for p in rows])
        return 0
    print(f"{'#':>4}  {'Art':<13} {'Programm':<24} {'Jahr':>4} {'Tranche':<10} {'Wert':>18}  {'gültig ab':<10}  {'erfasst von':<16} Quelle")
    for p in rows:
        wert = p.stichtag if p.art == pb.PARAMETER_ART_STICHTAG else euro(p.betrag_cent)
        print(
            f"{p.id:>4}  {texte.PARAMETER_ART.get(p.art, '?'):<13} {(_programm_text(p.programm) if p.programm else 'alle'):<24} "
            f"{(p.foerderjahr or ''):>4} {texte.TRANCHE.get(p.tranche, ''):<10} {wert:>18}  {p.gueltig_ab:<10}  "
            f"{p.erfasst_von:<16} {p.quelle}"
        )
    print(f"{len(rows)} Parameterversionen")
    return 0


def _parameter_set(args) -> int:
    request = pb.SetParameterRequest(
        request_id=args.request_id or str(uuid.uuid4()),
        parameter=pb.Parameter(
            art=ARTEN[args.art], programm=_programm(args), foerderjahr=args.jahr,
            tranche=TRANCHEN[args.tranche] if args.tranche else 0, betrag_cent=args.cent, stichtag=args.stichtag,
            gueltig_ab=args.gueltig_ab, quelle=args.quelle,
        ),
    )
    reply = _call(args, "SetParameter", request)
    if args.json:
        _print_json(output.to_dict(reply))
        return 0
    p = reply.parameter
    wert = p.stichtag if p.art == pb.PARAMETER_ART_STICHTAG else euro(p.betrag_cent)
    print(f"Parameter #{p.id} ({texte.PARAMETER_ART.get(p.art, '?')}, {wert}) gilt ab {p.gueltig_ab}; erfasst von {p.erfasst_von}.")
    if reply.verteilung_ids:
        print(f"Neu berechnet: {len(reply.verteilung_ids)} Verteilung(en): " + ", ".join(reply.verteilung_ids))
    else:
        print("Keine Verteilung neu berechnet (die Version gilt noch nicht oder ändert keine geltende Verteilung).")
    return 0


# -- verteilung ------------------------------------------------------------------------------------


def _vergleich(args) -> int:
    request = pb.CompareVerteilungenRequest(programm=_programm(args), foerderjahr=args.jahr, kreis_ags=args.kreis)
    reply = _call(args, "CompareVerteilungen", request)
    if args.json:
        _print_json(output.to_dict(reply))
        return 0
    print(f"Vorläufig:  {euro(reply.vorlaeufig_budget_cent)} nach {reply.vorlaeufig_basis}")
    print(f"Endgültig:  {euro(reply.endgueltig_budget_cent)} nach {reply.endgueltig_basis}")
    print(f"{'AGS':<8} {'Gemeinde':<28} {'Kreis':<5} {'vorläufig':>18} {'endgültig':>18} {'Differenz':>18} {'gebunden':>18}")
    for k in reply.kommunen:
        # Marked: more is bound than the endgültige Verteilung gives.
        mark = "  !" if k.gebunden_cent > k.endgueltig_cent else ""
        print(
            f"{k.kommune_ags:<8} {_name(k.kommune_ags)[:28]:<28} {k.kreis_ags:<5} {euro(k.vorlaeufig_cent):>18} "
            f"{euro(k.endgueltig_cent):>18} {_signed(k.differenz_cent):>18} {euro(k.gebunden_cent):>18}{mark}"
        )
    _summe(
        43, [sum(k.vorlaeufig_cent for k in reply.kommunen), sum(k.endgueltig_cent for k in reply.kommunen)],
        differenz=sum(k.differenz_cent for k in reply.kommunen), gebunden=sum(k.gebunden_cent for k in reply.kommunen),
    )
    print(f"{len(reply.kommunen)} Kommunen")
    if any(k.gebunden_cent > k.endgueltig_cent for k in reply.kommunen):
        print("! mehr gebunden, als die endgültige Verteilung vorsieht")
    return 0


def _simulate(args) -> int:
    reply = _call(args, "SimulateUmverteilung", pb.SimulateUmverteilungRequest(programm=_programm(args), foerderjahr=args.jahr))
    if args.json:
        _print_json(output.to_dict(reply))
        return 0
    print(f"{'AGS':<8} {'Gemeinde':<28} {'Rahmen':>18} {'gebunden':>18} {'frei':>18} {'neuer Rahmen':>18} {'Änderung':>18}")
    for k in reply.kommunen:
        print(
            f"{k.kommune_ags:<8} {_name(k.kommune_ags)[:28]:<28} {euro(k.rahmen_cent):>18} {euro(k.gebunden_cent):>18} "
            f"{euro(k.frei_cent):>18} {euro(k.neuer_rahmen_cent):>18} {_signed(k.neuer_rahmen_cent - k.rahmen_cent):>18}"
        )
    _summe(37, [sum(getattr(k, f) for k in reply.kommunen) for f in ("rahmen_cent", "gebunden_cent", "frei_cent", "neuer_rahmen_cent")])
    print(f"Frei insgesamt {euro(reply.frei_gesamt_cent)}, neu verteilt auf {len(reply.kommunen)} Kommunen nach denselben Anteilen.")
    print("Nichts wurde geändert; festlegen mit: pakt verteilung apply … --quelle TEXT")
    return 0


def _apply(args) -> int:
    request = pb.ApplyUmverteilungRequest(
        request_id=args.request_id or str(uuid.uuid4()), programm=_programm(args), foerderjahr=args.jahr, quelle=args.quelle
    )
    reply = _call(args, "ApplyUmverteilung", request)
    if args.json:
        _print_json(output.to_dict(reply))
        return 0
    print(
        f"Umverteilung festgelegt: {euro(reply.frei_gesamt_cent)} frei, neu verteilt als Verteilung {reply.verteilung_id} "
        f"({_programm_text(request.programm)}, Förderjahr {args.jahr}; Idempotenzschlüssel {request.request_id})."
    )
    return 0


def _signed(cent: int) -> str:
    return ("+" if cent > 0 else "") + euro(cent)


def _summe(width: int, amounts: Iterable[int], differenz: int | None = None, gebunden: int | None = None) -> None:
    cells = [euro(a) for a in amounts]
    if differenz is not None:
        cells.append(_signed(differenz))
    if gebunden is not None:
        cells.append(euro(gebunden))
    print(f"{'Summe':<{width}}" + "".join(f" {c:>18}" for c in cells))
