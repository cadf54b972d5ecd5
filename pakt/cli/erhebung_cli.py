"""`pakt erhebung import DATEI …`: refugee counts per Gemeinde for a Stichtag, from a CSV file.

The file ("ags;anzahl", one line per Gemeinde, UTF-8) goes to the allocation service line by line
as it is; the service checks every line and rejects a file with any bad line whole, naming each.
Acts as the Bewilligungsstelle (rp) unless `--as` says otherwise. Without --request-id the
idempotency key is derived from the file's content, Stichtag and Art, so running the same import
again (e.g. after a lost connection) imports it once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc

from pakt import texte
from pakt.allocation.v1 import allocation_pb2 as pb
from pakt.allocation.v1 import allocation_pb2_grpc
from pakt.cli import output
from pakt.cli.antrag_cli import UsageError, decode_utf8
from pakt.platform.client import CallFailed, acting_as, channel, describe
from pakt.platform.settings import target

ARTEN = {"vorlaeufig": pb.ERHEBUNG_ART_VORLAEUFIG, "endgueltig": pb.ERHEBUNG_ART_ENDGUELTIG}
# An Erhebung has about 1,101 short lines; anything far larger is the wrong file.
MAX_BYTES = 1_000_000
# Storing the counts and recomputing every Verteilung takes longer than a query.
IMPORT_TIMEOUT_S = 120.0


def register(sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser, str], None]) -> None:
    """Add `pakt erhebung import`."""
    erhebung = sub.add_parser("erhebung", help="Erhebungen (Zahl der Geflüchteten je Gemeinde) einlesen")
    aktionen = erhebung.add_subparsers(required=True, metavar="AKTION")
    p = aktionen.add_parser(
        "import",
        help="Erhebung aus einer CSV-Datei „ags;anzahl“ einlesen (Bewilligungsstelle)",
        description="Liest die Zahl der Geflüchteten je Gemeinde zu einem Stichtag ein. Die Datei (UTF-8) hat je "
        "Gemeinde eine Zeile „ags;anzahl“, z. B. „08111000;4217“, optional mit der Kopfzeile „ags;anzahl“. "
        "Eine Datei mit einer fehlerhaften Zeile wird ganz abgelehnt; jede fehlerhafte Zeile wird genannt.",
    )
    common(p, "allocation")
    p.add_argument("datei", metavar="DATEI", help="CSV-Datei „ags;anzahl“ (UTF-8)")
    p.add_argument("--stichtag", required=True, help="Stichtag der Zahlen, JJJJ-MM-TT")
    p.add_argument("--art", required=True, choices=sorted(ARTEN), help="vorläufige oder endgültige Zahlen")
    p.add_argument("--quelle", required=True, help="woher die Zahlen stammen (Erhebung, Stand)")
    p.add_argument(
        "--request-id",
        default=None,
        help="Idempotenzschlüssel (Standard: aus Inhalt, Stichtag und Art der Datei abgeleitet)",
    )
    p.set_defaults(handler=_import)


def read_lines(path: Path) -> tuple[list[str], str]:
    """The file's lines as they are (line ends removed, "\\r" kept) and the sha256 of its bytes."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UsageError(
                f"Datei {path} ist größer als {MAX_BYTES // 1_000_000} MB; eine Erhebung hat eine kurze Zeile je Gemeinde."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"Datei {path} nicht lesbar: {exc.strerror}") from None
    # Spreadsheet programs offer it as „CSV UTF-8“; the byte order mark they write is fine.
    lines = decode_utf8(data, f"Datei {path}").split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the line end of the last line, not an empty line
    return lines, hashlib.sha256(data).hexdigest()


def default_request_id(sha256: str, stichtag: str, art: str) -> str:
    """The same file for the same Stichtag and Art: the same key, so a repeated import is one."""
    return f"erhebung-{re.sub(r'[^0-9A-Za-z.-]', '_', stichtag[:10])}-{art}-{sha256[:40]}"


def requests(kopf: pb.ErhebungKopf, lines: list[str]) -> Iterator[pb.ImportErhebungRequest]:
    yield pb.ImportErhebungRequest(kopf=kopf)
    for line in lines:
        yield pb.ImportErhebungRequest(zeile=line)


def _import(args) -> int:
    path = Path(args.datei)
    lines, sha256 = read_lines(path)
    kopf = pb.ErhebungKopf(
        request_id=args.request_id or default_request_id(sha256, args.stichtag, args.art),
        stichtag=args.stichtag,
        art=ARTEN[args.art],
        quelle=args.quelle,
        dateiname=path.name,
    )
    address = args.target or target(args.service)
    with channel(address, acting_as(args.identity, "rp")) as ch:
        try:
            reply = allocation_pb2_grpc.AllocationServiceStub(ch).ImportErhebung(
                requests(kopf, lines), timeout=IMPORT_TIMEOUT_S
            )
        except grpc.RpcError as err:
            raise CallFailed(_failure(err, address, path.name, kopf.request_id)) from None
    if args.json:
        print(json.dumps(output.to_dict(reply), ensure_ascii=False, indent=2))
        return 0
    print(summary(reply, kopf))
    return 0


def _failure(err: grpc.RpcError, address: str, dateiname: str, request_id: str) -> str:
    message = describe(err, address)
    if err.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION):
        return f"Erhebung aus {dateiname} abgelehnt, nichts wurde gespeichert.\n{message}"
    if err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNKNOWN):
        return (
            f"{message}\nErneut ausführen ist unbedenklich: mit demselben Idempotenzschlüssel ({request_id}) "
            "wird die Erhebung höchstens einmal eingelesen."
        )
    return message


def summary(reply: pb.ImportErhebungResponse, kopf: pb.ErhebungKopf) -> str:
    text = (
        f"Erhebung {reply.erhebung_id} zum Stichtag {kopf.stichtag} ({texte.ERHEBUNG_ART.get(kopf.art, '?')}): "
        f"{_zahl(reply.gemeinden)} Gemeinden, {_zahl(reply.anzahl_gesamt)} Geflüchtete; "
    )
    if not reply.verteilung_ids:
        return text + (
            "neu berechnet: keine Verteilung (gespeichert; sie wirkt, sobald ein geltender Stichtag auf den "
            f"{kopf.stichtag} verweist und keine vorrangige Erhebung zu diesem Stichtag vorliegt)."
        )
    n = len(reply.verteilung_ids)
    return text + f"neu berechnet: {n} Verteilung{'en' if n != 1 else ''}\n" + "\n".join(
        f"  {v}" for v in reply.verteilung_ids
    )


def _zahl(n: int) -> str:
    return f"{n:,}".replace(",", ".")
