"""`pakt caseplan …`: Integrationspläne from the command line, German output or --json.

An Integrationsmanager's work over gRPC (`plan`, `ziel`, `fortschreibung`, `close`, `uebergabe`,
`widerruf`, `caseload`, `export`, `erase`): always as a named Integrationsmanager, `--as
AGS:kennung` (e.g. `--as 08111000:mueller`), or with PAKT_CLIENT_CERT naming one. Every read of
personal data names its purpose and is logged by the service. `fallzahlen` (aggregates only) is
open to everyone and acts as the Bewilligungsstelle (rp) by default.

The operator tasks on the service's own database (`rotate-key`, `audit verify`, `aufbewahrung`)
are the service's: `pakt serve caseplan rotate-key …` (services/caseplan/ops.py).

Nothing here logs personal data; what is printed is what the caller asked for.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
import uuid
from collections.abc import Callable

from google.protobuf import json_format

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.caseplan.v1 import caseplan_pb2_grpc
from pakt import texte
from pakt.cli import output
from pakt.cli.antrag_cli import UsageError, read_json_text
from pakt.platform.client import acting_as, call
from pakt.platform.settings import target
from pakt.referenzdaten import gebiete

RP = "rp"
# An Integrationsmanager as the CLI spells it: "<AGS>:<kennung>" (pakt.platform.auth).
IM_IDENTITY = re.compile(r"[0-9]{5}(?:[0-9]{3})?:[a-z0-9][a-z0-9._-]{0,62}")

FELDER = {
    "sprache": pb.ZIELFELD_SPRACHE,
    "arbeit": pb.ZIELFELD_ARBEIT,
    "anerkennung": pb.ZIELFELD_ANERKENNUNG,
    "wohnen": pb.ZIELFELD_WOHNEN,
    "schule-bildung": pb.ZIELFELD_SCHULE_BILDUNG,
    "sonstiges": pb.ZIELFELD_SONSTIGES,
}
ZIELSTATUS = {
    "offen": pb.ZIELSTATUS_OFFEN,
    "in-arbeit": pb.ZIELSTATUS_IN_ARBEIT,
    "erreicht": pb.ZIELSTATUS_ERREICHT,
    "abgebrochen": pb.ZIELSTATUS_ABGEBROCHEN,
}
PLANSTATUS = {"offen": pb.PLANSTATUS_OFFEN, "abgeschlossen": pb.PLANSTATUS_ABGESCHLOSSEN}
GRUENDE = {
    "ziele-erreicht": pb.ABSCHLUSSGRUND_ZIELE_ERREICHT,
    "wegzug": pb.ABSCHLUSSGRUND_WEGZUG,
    "foerderende": pb.ABSCHLUSSGRUND_FOERDERENDE,
    "kein-kontakt": pb.ABSCHLUSSGRUND_KEIN_KONTAKT,
    "einwilligung-widerrufen": pb.ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN,
    "sonstiges": pb.ABSCHLUSSGRUND_SONSTIGES,
}
PERSON_TEXT = {
    "name": "Name",
    "geburtsdatum": "Geburtsdatum",
    "staatsangehoerigkeit": "Staatsangehörigkeit",
    "sprachen": "Sprachen",
    "haushalt": "Haushalt",
    "qualifikationen": "Qualifikationen",
    "schulbildung": "Schulbildung",
    "berufsabschluss": "Berufsabschluss",
    "entwicklung": "Entwicklung",
}


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser, str], None]) -> None:
    """Add `pakt caseplan …`."""
    caseplan = sub.add_parser(
        "caseplan",
        help="Integrationspläne (Integrationsmanager) und Fallzahlen",
        description="Integrationspläne lesen und fortschreiben (nur als Integrationsmanager: --as AGS:kennung) "
        "und Fallzahlen abfragen. Betriebsaufgaben auf der Datenbank des Dienstes (Schlüsselwechsel, Prüfung des "
        "Zugriffsprotokolls, Aufbewahrung) führt der Dienst selbst aus: pakt serve caseplan --help.",
    )
    aktionen = caseplan.add_subparsers(required=True, metavar="AKTION")

    def command(actions: argparse._SubParsersAction, name: str, help_text: str, handler, **kwargs) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text, **kwargs)
        common(parser, "caseplan")
        parser.set_defaults(handler=handler)
        return parser

    def request_id(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--request-id", default=None, help="Idempotenzschlüssel (Standard: neu erzeugt)")

    plan = aktionen.add_parser("plan", help="Integrationspläne anlegen, anzeigen, auflisten").add_subparsers(
        required=True, metavar="AKTION"
    )
    p = command(plan, "create", "Plan aus einer JSON-Datei (CreatePlanRequest) anlegen", _create)
    p.add_argument("datei", metavar="DATEI", help="JSON-Datei (CreatePlanRequest), '-' für Standardeingabe")
    request_id(p)

    p = command(plan, "get", "einen Plan mit Personendaten, Zielen und Fortschreibungen anzeigen (wird protokolliert)", _get)
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("--zweck", required=True, help="wozu der Plan gelesen wird, z. B. „Beratungsgespräch“ (wird protokolliert)")

    p = command(plan, "list", "Pläne der eigenen Kommune ohne Personendaten (Arbeitsliste)", _list)
    p.add_argument("--status", choices=list(PLANSTATUS), default=None)
    p.add_argument("--integrationsmanager", default="", metavar="KENNUNG", help="nur die Pläne dieser Kennung")

    ziel = aktionen.add_parser("ziel", help="Ziele vereinbaren und fortschreiben").add_subparsers(required=True, metavar="AKTION")
    p = command(ziel, "add", "ein Ziel vereinbaren", _ziel_add)
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("--feld", choices=list(FELDER), required=True)
    p.add_argument("--beschreibung", required=True)
    p.add_argument("--massnahmen", default="", help="Maßnahmen")
    p.add_argument("--verantwortlich", default="", help="wer die Maßnahmen trägt")
    p.add_argument("--frist", default="", metavar="JJJJ-MM-TT")
    p.add_argument("--status", choices=list(ZIELSTATUS), default=None, help="Standard: offen")
    request_id(p)

    p = command(
        ziel, "update", "ein Ziel fortschreiben", _ziel_update,
        description="Schreibt ein Ziel fort. Nicht angegebene Angaben bleiben, wie sie sind: dafür wird der Plan "
        "einmal gelesen (protokolliert mit dem Zweck „Fortschreibung eines Ziels“). Leerer Text (\"\") löscht "
        "Maßnahmen, Verantwortlich oder Frist.",
    )
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("ziel_id", metavar="ZIEL_ID")
    p.add_argument("--status", choices=list(ZIELSTATUS), required=True)
    p.add_argument("--feld", choices=list(FELDER), default=None)
    p.add_argument("--beschreibung", default=None)
    p.add_argument("--massnahmen", default=None, help="Maßnahmen")
    p.add_argument("--verantwortlich", default=None)
    p.add_argument("--frist", default=None, metavar="JJJJ-MM-TT")
    request_id(p)

    p = command(aktionen, "fortschreibung", "eine Fortschreibung (Beratungsgespräch) mit dem nächsten Termin vermerken", _fortschreibung)
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("--notiz", required=True)
    p.add_argument("--naechste", required=True, metavar="JJJJ-MM-TT", help="Datum der nächsten Fortschreibung")
    request_id(p)

    p = command(aktionen, "close", "einen Plan abschließen", _close)
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("--grund", choices=list(GRUENDE), required=True)
    request_id(p)

    p = command(aktionen, "uebergabe", "Plan bei Wegzug an die neue Kommune übergeben (danach kein Zugriff mehr)", _uebergabe)
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("--an", required=True, metavar="AGS", help="AGS der neuen Kommune (Gemeinde oder Kreis)")
    p.add_argument("--integrationsmanager", required=True, metavar="KENNUNG", help="Kennung des neuen Integrationsmanagers")
    request_id(p)

    p = command(aktionen, "widerruf", "Widerruf der Einwilligung vermerken (schließt einen offenen Plan)", _widerruf)
    p.add_argument("plan_id", metavar="PLAN_ID")
    request_id(p)

    p = command(aktionen, "caseload", "offene Pläne je Integrationsmanager und Überfälliges der eigenen Kommune", _caseload)
    p.add_argument("--stichtag", default="", metavar="JJJJ-MM-TT", help="überfällig ist, was vor diesem Tag fällig war (Standard: heute)")

    p = command(aktionen, "export", "alles über die Person eines Plans als JSON (Auskunft nach Art. 15/20 DSGVO)", _export)
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("--datei", default=None, metavar="DATEI", help="in diese Datei schreiben (nur für den Eigentümer lesbar); Standard: Ausgabe")

    p = command(aktionen, "erase", "Personendaten eines Plans löschen (Art. 17 DSGVO; nicht umkehrbar)", _erase)
    p.add_argument("plan_id", metavar="PLAN_ID")
    p.add_argument("--grund", required=True, help="worauf die Löschung beruht, z. B. „Antrag nach Art. 17 DSGVO vom …“ (wird protokolliert)")
    request_id(p)

    p = command(aktionen, "fallzahlen", "offene Pläne je Kommune (für alle; Werte unter 5 werden nicht ausgewiesen)", _fallzahlen)
    p.add_argument("--kreis", default="", metavar="AGS", help="nur die Kommunen dieses Stadt- oder Landkreises")


# -- the Integrationsmanager's commands, over gRPC ------------------------------------------------------


def _im_call(args, method: str, request):
    identity = acting_as(args.identity, None)
    if identity is None and not os.environ.get("PAKT_CLIENT_CERT"):
        raise UsageError(
            "Integrationspläne lesen und ändern nur Integrationsmanager: bitte mit --as AGS:kennung angeben, "
            "wer handelt, z. B. pakt --as 08111000:mueller caseplan …"
        )
    if identity is not None and not IM_IDENTITY.fullmatch(identity):
        raise UsageError(
            f"„{identity}“ ist kein Integrationsmanager: Integrationspläne lesen und ändern nur Integrationsmanager "
            "der zuständigen Kommune, angegeben als --as AGS:kennung (z. B. 08111000:mueller)."
        )
    return _call(args, method, request, identity)


def _call(args, method: str, request, identity: str | None):
    return call(args.target or target("caseplan"), caseplan_pb2_grpc.CasePlanServiceStub, method, request, identity)


def _request_id(args) -> str:
    return args.request_id or str(uuid.uuid4())


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _kommune(ags: str) -> str:
    g = gebiete()
    place = g.gemeinden.get(ags) or g.kreise.get(ags)
    return f"{ags} {place.name}" if place is not None else ags


def _create(args) -> int:
    text = read_json_text(args.datei)
    try:
        request = json_format.Parse(text, pb.CreatePlanRequest())
    except json_format.ParseError as exc:
        # The parser's message names the field, not its value.
        raise UsageError(f"Datei {args.datei} ist kein gültiger CreatePlanRequest: {exc}") from None
    if args.request_id:
        request.request_id = args.request_id
    elif not request.request_id:
        request.request_id = str(uuid.uuid4())
    plan = _im_call(args, "CreatePlan", request).plan
    if args.json:
        _print_json(output.to_dict(plan))
        return 0
    print(
        f"Integrationsplan {plan.id} angelegt: Kommune {_kommune(plan.kommune_ags)}, "
        f"Integrationsmanager {plan.integrationsmanager}, eröffnet am {plan.eroeffnet_am}, "
        f"nächste Fortschreibung am {plan.naechste_fortschreibung} (Idempotenzschlüssel {request.request_id})."
    )
    return 0


def _get(args) -> int:
    plan = _im_call(args, "GetPlan", pb.GetPlanRequest(plan_id=args.plan_id, zweck=args.zweck)).plan
    if args.json:
        _print_json(output.to_dict(plan))
    else:
        print_plan(plan)
    return 0


def print_plan(plan: pb.Plan) -> None:
    status = texte.PLANSTATUS.get(plan.status, "?")
    if plan.status == pb.PLANSTATUS_ABGESCHLOSSEN:
        status += f" am {plan.abgeschlossen_am} ({texte.ABSCHLUSSGRUND.get(plan.abschlussgrund, '?')})"
    print(f"Integrationsplan {plan.id}")
    print(f"  Status:              {status}")
    print(f"  Kommune:             {_kommune(plan.kommune_ags)}")
    print(f"  Integrationsmanager: {plan.integrationsmanager}")
    print(f"  Eröffnet:            {plan.eroeffnet_am}, Laufzeit bis {plan.laufzeit_bis}")
    if plan.status == pb.PLANSTATUS_OFFEN:
        print(f"  Fortschreibung:      nächste am {plan.naechste_fortschreibung}")
    e = plan.einwilligung
    einwilligung = f"{e.zweck} (erteilt am {e.erteilt_am})"
    if e.widerrufen_am:
        einwilligung += f", widerrufen am {e.widerrufen_am}"
    print(f"  Einwilligung:        {einwilligung}")
    if plan.geloescht:
        print("  Personendaten:       gelöscht (Art. 17 DSGVO oder Ende der Aufbewahrung)")
    elif plan.HasField("person"):
        print("  Person:")
        for field, label in PERSON_TEXT.items():
            value = getattr(plan.person, field)
            value = ", ".join(value) if field == "sprachen" else value
            if value:
                _block(f"{label}:", value, indent=4, width=22)
    print(f"  Ziele ({len(plan.ziele)}):" if plan.ziele else "  Ziele:               keine")
    for number, z in enumerate(plan.ziele, start=1):
        frist = f", Frist {z.frist}" if z.frist else ""
        print(f"    {number}. {texte.ZIELFELD.get(z.feld, '?')}: {texte.ZIELSTATUS.get(z.status, '?')}{frist}  [{z.id}]")
        if z.beschreibung:
            _block("", z.beschreibung, indent=7, width=0)
        if z.massnahmen:
            _block("Maßnahmen:", z.massnahmen, indent=7, width=16)
        if z.verantwortlich:
            _block("Verantwortlich:", z.verantwortlich, indent=7, width=16)
    print(f"  Fortschreibungen ({len(plan.fortschreibungen)}):" if plan.fortschreibungen else "  Fortschreibungen:    keine")
    for f in plan.fortschreibungen:
        print(f"    {f.datum}  {f.akteur}, nächste am {f.naechste_am}")
        if f.notiz:
            _block("", f.notiz, indent=7, width=0)


def _block(label: str, text: str, indent: int, width: int) -> None:
    """A labelled value; its own line breaks are kept, long lines wrapped."""
    first = " " * indent + (f"{label:<{width}}" if width else "")
    rest = " " * len(first)
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, width=100, initial_indent=rest, subsequent_indent=rest) or [rest]
    lines[0] = first + lines[0][len(rest):]
    print("\n".join(lines))


def _list(args) -> int:
    request = pb.ListPlansRequest(
        status=PLANSTATUS[args.status] if args.status else 0, integrationsmanager=args.integrationsmanager
    )
    plaene = _im_call(args, "ListPlans", request).plaene
    if args.json:
        _print_json([output.to_dict(p) for p in plaene])
        return 0
    print(f"{'Plan':<36}  {'Status':<13} {'Integrationsmanager':<20} {'eröffnet':<10}  {'nächste Fortschr.':<17} {'offene Ziele':>12}")
    for p in plaene:
        naechste = p.naechste_fortschreibung if p.status == pb.PLANSTATUS_OFFEN else ""
        print(
            f"{p.id:<36}  {texte.PLANSTATUS.get(p.status, '?'):<13} {p.integrationsmanager:<20} {p.eroeffnet_am:<10}  "
            f"{naechste:<17} {p.offene_ziele:>12}"
        )
    print(f"{len(plaene)} Pläne")
    return 0


def _ziel_add(args) -> int:
    request = pb.AddZielRequest(
        request_id=_request_id(args),
        plan_id=args.plan_id,
        ziel=pb.Ziel(
            feld=FELDER[args.feld], beschreibung=args.beschreibung, massnahmen=args.massnahmen,
            verantwortlich=args.verantwortlich, frist=args.frist, status=ZIELSTATUS[args.status] if args.status else 0,
        ),
    )
    plan = _im_call(args, "AddZiel", request).plan
    if args.json:
        _print_json(output.to_dict(plan))
        return 0
    # Goals keep their order: the new one is the last.
    z = plan.ziele[-1]
    frist = f", Frist {z.frist}" if z.frist else ""
    print(f"Ziel {z.id} vereinbart: {texte.ZIELFELD.get(z.feld, '?')}, {texte.ZIELSTATUS.get(z.status, '?')}{frist} (Plan {plan.id}).")
    return 0


def _ziel_update(args) -> int:
    given = {
        "feld": FELDER[args.feld] if args.feld else None,
        "beschreibung": args.beschreibung,
        "massnahmen": args.massnahmen,
        "verantwortlich": args.verantwortlich,
        "frist": args.frist,
    }
    ziel = pb.Ziel(id=args.ziel_id, status=ZIELSTATUS[args.status])
    if any(value is None for value in given.values()):
        # The service replaces the goal as a whole: keep what was not given.
        current = _im_call(args, "GetPlan", pb.GetPlanRequest(plan_id=args.plan_id, zweck="Fortschreibung eines Ziels")).plan
        found = [z for z in current.ziele if z.id == args.ziel_id]
        if not found:
            raise UsageError(f"Plan {args.plan_id} hat kein Ziel {args.ziel_id}.")
        ziel.CopyFrom(found[0])
        ziel.status = ZIELSTATUS[args.status]
    for field, value in given.items():
        if value is not None:
            setattr(ziel, field, value)
    plan = _im_call(args, "UpdateZiel", pb.UpdateZielRequest(request_id=_request_id(args), plan_id=args.plan_id, ziel=ziel)).plan
    if args.json:
        _print_json(output.to_dict(plan))
        return 0
    z = next((z for z in plan.ziele if z.id == args.ziel_id), ziel)
    print(f"Ziel {z.id} fortgeschrieben: {texte.ZIELFELD.get(z.feld, '?')}, {texte.ZIELSTATUS.get(z.status, '?')} (Plan {plan.id}).")
    return 0


def _fortschreibung(args) -> int:
    request = pb.RecordFortschreibungRequest(
        request_id=_request_id(args), plan_id=args.plan_id, notiz=args.notiz, naechste_am=args.naechste
    )
    plan = _im_call(args, "RecordFortschreibung", request).plan
    if args.json:
        _print_json(output.to_dict(plan))
        return 0
    print(f"Fortschreibung zu Plan {plan.id} vermerkt; nächste Fortschreibung am {plan.naechste_fortschreibung}.")
    return 0


def _close(args) -> int:
    request = pb.ClosePlanRequest(request_id=_request_id(args), plan_id=args.plan_id, grund=GRUENDE[args.grund])
    plan = _im_call(args, "ClosePlan", request).plan
    if args.json:
        _print_json(output.to_dict(plan))
        return 0
    print(f"Integrationsplan {plan.id} abgeschlossen am {plan.abgeschlossen_am} ({texte.ABSCHLUSSGRUND.get(plan.abschlussgrund, '?')}).")
    return 0


def _uebergabe(args) -> int:
    request = pb.HandOverPlanRequest(
        request_id=_request_id(args), plan_id=args.plan_id, neue_kommune_ags=args.an, neuer_integrationsmanager=args.integrationsmanager
    )
    u = _im_call(args, "HandOverPlan", request).plan
    if args.json:
        _print_json(output.to_dict(u))
        return 0
    print(
        f"Integrationsplan {u.id} an {_kommune(args.an)} übergeben (Integrationsmanager {u.integrationsmanager}). "
        "Die bisherige Kommune hat keinen Zugriff mehr."
    )
    return 0


def _widerruf(args) -> int:
    request = pb.WithdrawEinwilligungRequest(request_id=_request_id(args), plan_id=args.plan_id)
    plan = _im_call(args, "WithdrawEinwilligung", request).plan
    if args.json:
        _print_json(output.to_dict(plan))
        return 0
    print(f"Widerruf der Einwilligung zu Plan {plan.id} vermerkt am {plan.einwilligung.widerrufen_am}; "
          f"Plan {texte.PLANSTATUS.get(plan.status, '?')}.")
    return 0


def _caseload(args) -> int:
    reply = _im_call(args, "GetCaseload", pb.GetCaseloadRequest(stichtag=args.stichtag))
    if args.json:
        _print_json(output.to_dict(reply))
        return 0
    print("Offene Pläne je Integrationsmanager:")
    for f in reply.fallbelastung:
        print(f"  {f.integrationsmanager or '(ohne)':<24} {f.offene_plaene:>6}")
    if not reply.fallbelastung:
        print("  keine")
    print(f"Überfällig ({len(reply.ueberfaellig)}):")
    for f in reply.ueberfaellig:
        # "Fortschreibung", or the Zielfeld of a goal whose deadline passed.
        was = f"Ziel {texte.ZIELFELD.name(f.was)}" if f.was in pb.Zielfeld.keys() else f.was
        print(f"  {f.faellig_am}  {f.plan_id}  {f.integrationsmanager:<20} {was}")
    return 0


def _export(args) -> int:
    document = _im_call(args, "ExportPerson", pb.ExportPersonRequest(plan_id=args.plan_id)).json
    if not args.datei or args.datei == "-":
        print(document)
        return 0
    try:
        # Personal data: readable by the owner only, and never left half-written.
        fd = os.open(args.datei, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(document + "\n")
    except OSError as exc:
        raise UsageError(f"Datei {args.datei} nicht schreibbar: {exc.strerror}") from None
    print(f"Auskunft zu Plan {args.plan_id} geschrieben: {args.datei}", file=sys.stderr)
    return 0


def _erase(args) -> int:
    request = pb.ErasePersonRequest(request_id=_request_id(args), plan_id=args.plan_id, grund=args.grund)
    reply = _im_call(args, "ErasePerson", request)
    if args.json:
        _print_json(output.to_dict(reply))
        return 0
    print(f"Personendaten zu Plan {reply.plan_id} gelöscht; pseudonyme Angaben und Zugriffsprotokoll bleiben.")
    return 0


def _fallzahlen(args) -> int:
    reply = _call(args, "GetFallzahlen", pb.GetFallzahlenRequest(kreis_ags=args.kreis), acting_as(args.identity, RP))
    if args.json:
        _print_json([output.to_dict(f) for f in reply.fallzahlen])
        return 0
    print(f"{'Kommune':<40} {'offene Pläne':>12}")
    for f in reply.fallzahlen:
        print(f"{_kommune(f.kommune_ags)[:40]:<40} {'< 5' if f.suppressed else f.offene_plaene:>12}")
    shown = sum(f.offene_plaene for f in reply.fallzahlen if not f.suppressed)
    print(f"{len(reply.fallzahlen)} Kommunen mit offenen Plänen; ausgewiesen zusammen {shown}.")
    if any(f.suppressed for f in reply.fallzahlen):
        print("< 5: weniger als fünf Pläne, nicht ausgewiesen (Sozialgeheimnis, § 35 SGB I).")
    return 0
