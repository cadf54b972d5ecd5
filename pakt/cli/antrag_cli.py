"""`pakt antrag …`: every step of an Antrag from the command line, German output or --json.

Applicant steps act as a Kommune (`--as AGS`); the Bewilligungsstelle's steps and queries act as
an operator unless `--as` says otherwise. Amounts are whole cents, as everywhere in the system.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from google.protobuf import json_format

from pakt import texte
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1 import antrag_pb2_grpc
from pakt.cli import output
from pakt.platform.client import acting_as, call
from pakt.common.v1.programm_pb2 import Programm
from pakt.geld import euro
from pakt.platform.settings import target

PROGRAMME = {
    "integrationsmanagement": Programm.PROGRAMM_INTEGRATIONSMANAGEMENT,
    "junge-fluechtlinge": Programm.PROGRAMM_JUNGE_FLUECHTLINGE,
    "spracherwerb": Programm.PROGRAMM_SPRACHERWERB,
    "ehrenamt": Programm.PROGRAMM_EHRENAMT,
}
STATUS_ARG = {
    "eingegangen": pb.ANTRAG_STATUS_EINGEGANGEN,
    "in-pruefung": pb.ANTRAG_STATUS_IN_PRUEFUNG,
    "nachforderung": pb.ANTRAG_STATUS_NACHFORDERUNG,
    "entscheidungsreif": pb.ANTRAG_STATUS_ENTSCHEIDUNGSREIF,
    "bewilligt": pb.ANTRAG_STATUS_BEWILLIGT,
    "teilweise-bewilligt": pb.ANTRAG_STATUS_TEILWEISE_BEWILLIGT,
    "abgelehnt": pb.ANTRAG_STATUS_ABGELEHNT,
    "zurueckgezogen": pb.ANTRAG_STATUS_ZURUECKGEZOGEN,
    "abgeschlossen": pb.ANTRAG_STATUS_ABGESCHLOSSEN,
}
KOMMUNE = "kommune"  # the step is the applicant's: --as AGS is needed
RP = "rp"


class UsageError(Exception):
    """Wrong use of the command line; main() prints it like a failed call."""


def read_json_text(name: str) -> str:
    """The text of a JSON file the command is given ("-": standard input), read as UTF-8 (a byte
    order mark is dropped); UsageError if it cannot be read or is not UTF-8."""
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise UsageError(f"Datei {name} nicht lesbar: {exc.strerror}") from None
    return decode_utf8(data, "Die Standardeingabe" if name == "-" else f"Datei {name}").removeprefix("\ufeff")


def decode_utf8(data: bytes, what: str) -> str:
    """data as UTF-8; else UsageError naming what was read and the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        zeile = data.count(b"\n", 0, exc.start) + 1
        raise UsageError(
            f"{what} ist kein UTF-8: Byte {exc.start + 1} (Zeile {zeile}, Wert 0x{data[exc.start]:02X}) gehört "
            "zu keinem UTF-8-Zeichen, die Datei ist wohl in einer anderen Kodierung (etwa Windows-1252) "
            "gespeichert; bitte als UTF-8 speichern."
        ) from None


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser, str], None]) -> None:
    """Add `pakt antrag <aktion>` for every step and query."""

    def command(name: str, help_text: str, handler, role: str | None) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text)
        common(parser, "antrag")
        parser.add_argument("--request-id", default=None, help="Idempotenzschlüssel (Standard: neu erzeugt)")
        parser.set_defaults(handler=handler, role=role)
        return parser

    p = command("submit", "Antrag aus einer JSON-Datei (SubmitAntragRequest) stellen", _submit, KOMMUNE)
    p.add_argument("file", help="JSON-Datei, '-' für Standardeingabe")

    p = command("get", "einen Antrag anzeigen", _get, RP)
    p.add_argument("id")

    p = command("list", "Anträge auflisten (älteste zuerst)", _list, RP)
    p.add_argument("--kommune", default="", help="AGS der antragstellenden Kommune")
    p.add_argument("--kreis", default="", help="AGS des Stadt- oder Landkreises")
    p.add_argument("--programm", choices=sorted(PROGRAMME), default=None)
    p.add_argument("--jahr", type=int, default=0, help="Förderjahr")
    p.add_argument("--status", choices=sorted(STATUS_ARG), default=None)
    p.add_argument("--seitengroesse", type=int, default=0, help="Anträge je Seite (höchstens 500)")
    p.add_argument("--seite", default="", help="Seitentoken aus der vorigen Ausgabe")
    p.add_argument("--alle", action="store_true", help="alle Seiten abrufen")

    p = command("history", "Verlauf eines Antrags: wer, wann, was, warum", _history, RP)
    p.add_argument("id")

    p = command("withdraw", "Antrag zurückziehen (vor Abschluss der Prüfung)", _withdraw, KOMMUNE)
    p.add_argument("id")
    p.add_argument("--grund", required=True, help="Begründung")

    p = command("antworten", "offene Nachforderung beantworten", _antworten, KOMMUNE)
    p.add_argument("id")
    p.add_argument("--antwort", required=True)

    p = command("abruf", "Mittel abrufen (Mittelabruf)", _abruf, KOMMUNE)
    p.add_argument("id")
    p.add_argument("--cent", type=int, required=True, help="Betrag in Cent")

    p = command("nachweis", "Verwendungsnachweis einreichen", _nachweis, KOMMUNE)
    p.add_argument("id")
    p.add_argument("--verwendet-cent", type=int, required=True, help="tatsächlich verwendeter Betrag in Cent")
    p.add_argument("--bericht", required=True, help="Sachbericht in Kurzform")

    p = command("uebertragen", "Integrationsmanagement dem Landkreis übertragen", _uebertragen, KOMMUNE)
    p.add_argument("gemeinde", help="AGS der übertragenden Gemeinde")
    p.add_argument("--beginn", required=True, help="JJJJ-MM-TT")
    p.add_argument("--ende", required=True, help="JJJJ-MM-TT")

    p = command("uebertragungen", "Übertragungen an Landkreise auflisten", _uebertragungen, RP)
    p.add_argument("--gemeinde", default="")
    p.add_argument("--kreis", default="")

    p = command("pruefen", "Prüfung beginnen (Bewilligungsstelle)", _pruefen, RP)
    p.add_argument("id")
    p.add_argument("--vermerk", default="")

    p = command("nachfordern", "Unterlagen nachfordern (Bewilligungsstelle)", _nachfordern, RP)
    p.add_argument("id")
    p.add_argument("--text", required=True)
    p.add_argument("--frist", required=True, help="JJJJ-MM-TT")

    p = command("freigeben", "Prüfung abschließen und zur Entscheidung freigeben (Bewilligungsstelle)", _freigeben, RP)
    p.add_argument("id")
    p.add_argument("--vermerk", default="")

    p = command("auszahlen", "Auszahlung eines Mittelabrufs anweisen (Bewilligungsstelle)", _auszahlen, RP)
    p.add_argument("id")
    p.add_argument("--mittelabruf", required=True, help="ID des Mittelabrufs")


def _call(args, method: str, request, default_identity: str | None = None):
    identity = acting_as(args.identity, default_identity or (RP if args.role == RP else None))
    if identity is None and not os.environ.get("PAKT_CLIENT_CERT"):
        raise UsageError("Für diesen Schritt bitte mit --as <AGS> angeben, für welche Kommune gehandelt wird.")
    return call(args.target or target("antrag"), antrag_pb2_grpc.AntragServiceStub, method, request, identity)


def _request_id(args) -> str:
    return args.request_id or str(uuid.uuid4())


def _submit(args) -> int:
    text = read_json_text(args.file)
    try:
        request = json_format.Parse(text, pb.SubmitAntragRequest())
    except json_format.ParseError as exc:
        raise UsageError(f"Datei {args.file} ist kein gültiger SubmitAntragRequest: {exc}") from None
    if args.request_id:
        request.request_id = args.request_id
    elif not request.request_id:
        request.request_id = str(uuid.uuid4())
    # A municipal system submits for itself: by default as the Antragsteller.
    reply = _call(args, "SubmitAntrag", request, default_identity=request.antragsteller_ags or None)
    _print_antrag(reply.antrag, args.json)
    return 0


def _get(args) -> int:
    _print_antrag(_call(args, "GetAntrag", pb.GetAntragRequest(id=args.id)).antrag, args.json)
    return 0


def _list(args) -> int:
    request = pb.ListAntraegeRequest(
        kommune_ags=args.kommune,
        kreis_ags=args.kreis,
        programm=PROGRAMME[args.programm] if args.programm else 0,
        foerderjahr=args.jahr,
        status=STATUS_ARG[args.status] if args.status else 0,
        page_size=args.seitengroesse,
        page_token=args.seite,
    )
    antraege, token = [], ""
    while True:
        reply = _call(args, "ListAntraege", request)
        antraege += reply.antraege
        token = reply.next_page_token
        if not (args.alle and token):
            break
        request.page_token = token
    if args.json:
        print(json.dumps({"antraege": [output.to_dict(a) for a in antraege], "next_page_token": token}, ensure_ascii=False, indent=2))
        return 0
    print(f"{'Antrag':<36}  {'Status':<20} {'Kommune':<8} {'Programm':<24} {'Jahr':>4} {'beantragt':>16} {'bewilligt':>16}")
    for a in antraege:
        print(
            f"{a.id:<36}  {texte.ANTRAG_STATUS.get(a.status, '?'):<20} {a.antragsteller_ags:<8} "
            f"{texte.PROGRAMM.get(a.programm, '?'):<24} {a.foerderjahr:>4} "
            f"{euro(a.betrag_cent):>16} {euro(a.bewilligt_cent):>16}"
        )
    print(f"{len(antraege)} Anträge" + (f"; weitere Seite: --seite {token}" if token else ""))
    return 0


def _history(args) -> int:
    reply = _call(args, "GetAntragHistory", pb.GetAntragHistoryRequest(antrag_id=args.id))
    if args.json:
        print(json.dumps([output.to_dict(e) for e in reply.eintraege], ensure_ascii=False, indent=2))
        return 0
    for e in reply.eintraege:
        when = e.zeitpunkt.ToDatetime().strftime("%d.%m.%Y %H:%M:%S")
        change = f"{texte.ANTRAG_STATUS.get(e.status_vorher, '–')} → {texte.ANTRAG_STATUS.get(e.status_nachher, '?')}"
        amount = f"  {euro(e.betrag_cent)}" if e.betrag_cent else ""
        print(f"{e.version:>3}  {when} UTC  {e.akteur:<22} {texte.SCHRITT.get(e.schritt, '?'):<32} {change}{amount}")
        if e.begruendung:
            for line in e.begruendung.splitlines():
                print(f"       {line}")
    return 0


def _withdraw(args) -> int:
    request = pb.WithdrawAntragRequest(request_id=_request_id(args), antrag_id=args.id, begruendung=args.grund)
    _print_antrag(_call(args, "WithdrawAntrag", request).antrag, args.json)
    return 0


def _antworten(args) -> int:
    request = pb.AnswerNachforderungRequest(request_id=_request_id(args), antrag_id=args.id, antwort=args.antwort)
    _print_antrag(_call(args, "AnswerNachforderung", request).antrag, args.json)
    return 0


def _abruf(args) -> int:
    request = pb.RequestMittelabrufRequest(request_id=_request_id(args), antrag_id=args.id, betrag_cent=args.cent)
    reply = _call(args, "RequestMittelabruf", request)
    if args.json:
        print(json.dumps(output.to_dict(reply), ensure_ascii=False, indent=2))
        return 0
    print(f"Mittelabruf {reply.mittelabruf.id} über {euro(reply.mittelabruf.betrag_cent)} eingegangen.")
    _print_antrag(reply.antrag, False)
    return 0


def _nachweis(args) -> int:
    request = pb.SubmitVerwendungsnachweisRequest(
        request_id=_request_id(args), antrag_id=args.id, verwendet_cent=args.verwendet_cent, bericht=args.bericht
    )
    _print_antrag(_call(args, "SubmitVerwendungsnachweis", request).antrag, args.json)
    return 0


def _uebertragen(args) -> int:
    request = pb.RecordUebertragungRequest(
        request_id=_request_id(args),
        gemeinde_ags=args.gemeinde,
        programm=Programm.PROGRAMM_INTEGRATIONSMANAGEMENT,
        beginn=args.beginn,
        ende=args.ende,
    )
    u = _call(args, "RecordUebertragung", request, default_identity=args.gemeinde).uebertragung
    if args.json:
        print(json.dumps(output.to_dict(u), ensure_ascii=False, indent=2))
    else:
        print(f"Übertragung {u.id}: {u.gemeinde_ags} → Landkreis {u.kreis_ags}, {u.beginn} bis {u.ende}")
    return 0


def _uebertragungen(args) -> int:
    reply = _call(args, "ListUebertragungen", pb.ListUebertragungenRequest(gemeinde_ags=args.gemeinde, kreis_ags=args.kreis))
    if args.json:
        print(json.dumps([output.to_dict(u) for u in reply.uebertragungen], ensure_ascii=False, indent=2))
        return 0
    for u in reply.uebertragungen:
        print(f"{u.gemeinde_ags} → {u.kreis_ags}  {u.beginn} bis {u.ende}  ({u.id})")
    return 0


def _pruefen(args) -> int:
    request = pb.BeginPruefungRequest(request_id=_request_id(args), antrag_id=args.id, vermerk=args.vermerk)
    _print_antrag(_call(args, "BeginPruefung", request).antrag, args.json)
    return 0


def _nachfordern(args) -> int:
    request = pb.RequestNachforderungRequest(request_id=_request_id(args), antrag_id=args.id, text=args.text, frist=args.frist)
    _print_antrag(_call(args, "RequestNachforderung", request).antrag, args.json)
    return 0


def _freigeben(args) -> int:
    request = pb.CompletePruefungRequest(request_id=_request_id(args), antrag_id=args.id, vermerk=args.vermerk)
    _print_antrag(_call(args, "CompletePruefung", request).antrag, args.json)
    return 0


def _auszahlen(args) -> int:
    request = pb.ConfirmAuszahlungRequest(request_id=_request_id(args), antrag_id=args.id, mittelabruf_id=args.mittelabruf)
    _print_antrag(_call(args, "ConfirmAuszahlung", request).antrag, args.json)
    return 0


def _print_antrag(a: pb.Antrag, as_json: bool) -> None:
    if as_json:
        print(json.dumps(output.to_dict(a), ensure_ascii=False, indent=2))
        return
    print(f"Antrag {a.id}")
    print(f"  Status:        {texte.ANTRAG_STATUS.get(a.status, '?')}")
    print(f"  Antragsteller: {a.antragsteller_ags} (Kreis {a.kreis_ags})")
    if a.mitglieder:
        print("  Kooperation:   " + ", ".join(f"{m.ags} ({m.anteil_prozent} %)" for m in a.mitglieder))
    if a.uebertragende_ags:
        print("  Übertragen von: " + ", ".join(a.uebertragende_ags))
    print(f"  Programm:      {texte.PROGRAMM.get(a.programm, '?')}, Förderjahr {a.foerderjahr} ({a.beginn} bis {a.ende})")
    print(f"  Beantragt:     {euro(a.betrag_cent)}")
    print(f"  Bewilligt:     {euro(a.bewilligt_cent)}")
    if a.abgerufen_cent or a.ausgezahlt_cent:
        print(f"  Abgerufen:     {euro(a.abgerufen_cent)}, ausgezahlt {euro(a.ausgezahlt_cent)}")
    for m in a.mittelabrufe:
        print(f"    Mittelabruf {m.id}: {euro(m.betrag_cent)} ({texte.MITTELABRUF_STATUS.get(m.status, '?')})")
    if a.status == pb.ANTRAG_STATUS_ABGESCHLOSSEN:
        print(f"  Verwendet:     {euro(a.verwendet_cent)}; Rückforderung {euro(a.rueckforderung_cent)}; "
              f"freigegeben {euro(a.freigegeben_cent)}")
    if a.status == pb.ANTRAG_STATUS_NACHFORDERUNG:
        print(f"  Nachforderung: {a.nachforderung.text} (Frist {a.nachforderung.frist})")
    if a.bescheid_begruendung:
        print(f"  Begründung:    {a.bescheid_begruendung}")
