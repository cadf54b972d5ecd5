"""An Erhebung as it arrives: refugee counts per Gemeinde on a Stichtag, from a CSV file, with its
Kopf. Plain functions that read and check it; erhebung.py imports what they accept.

The file has one line per Gemeinde, "ags;anzahl" (e.g. "08111000;4217"), every Gemeinde of
Baden-Württemberg exactly once, a Gemeinde without refugees with 0. Tolerated: a header line
"ags;anzahl" as the first line (any case), a UTF-8 byte order mark, blank lines anywhere, spaces
around fields, Windows line ends, and a field in double quotes ("08111000";"4217"). Not tolerated,
because each is a sign of a wrong export rather than a formatting variant: any other separator, a
sign ("+5", "-3"), decimals or thousands separators ("12,5", "1.234"), a missing leading zero
("8111000", as a spreadsheet writes a number), more or fewer than two fields.

A file with any bad line is rejected whole, with one violation per bad line (field "zeile N", N
counting every line of the file from 1, header and blank lines included, as an editor shows them)
and, for the file as a whole (field "datei"), the Gemeinden missing from it. The lines read are
bounded (MAX_ZEILEN), so are the violations; how many of them reach the client is the gRPC
server's limit (pakt.platform.grpc_server), which counts the rest.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import AsyncIterable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from pakt.allocation.v1.allocation_pb2 import ErhebungArt, ErhebungKopf, ImportErhebungRequest
from pakt.platform.errors import FieldViolation, InvalidArgument, zahl
from pakt.platform.validation import character_problem
from services.allocation.domain import AllocationViolations

# Bounds on what one import may hold: a file has about 1,101 lines of a few characters each.
MAX_ZEILEN = 5_000
MAX_ZEICHEN = 200
# A Gemeinde's count above this is a wrong column (population, a sum), not a count of refugees.
MAX_ANZAHL = 10_000_000
# Missing Gemeinden named in the report; the rest are counted.
MAX_FEHLENDE_GENANNT = 20
MAX_QUELLE = 2_000
MAX_DATEINAME = 200

TRENNER = ";"
KOPFZEILE = ["ags", "anzahl"]
BOM = "\ufeff"
_AGS = re.compile(r"[0-9]{8}", re.ASCII)
_ZIFFERN = re.compile(r"[0-9]+", re.ASCII)
_NEGATIV = re.compile(r"-0*[1-9][0-9]*", re.ASCII)
_VORZEICHEN = re.compile(r"\+[0-9]+", re.ASCII)
_MIT_TRENNZEICHEN = re.compile(r"[+-]?[0-9]*[.,'][0-9.,']*", re.ASCII)

ARTEN = (ErhebungArt.ERHEBUNG_ART_VORLAEUFIG, ErhebungArt.ERHEBUNG_ART_ENDGUELTIG)


def parse_erhebung(lines: Iterable[str], gemeinden: Mapping[str, object]) -> dict[str, int]:
    """The count of every Gemeinde, from the file's lines (without or with their line ends).

    Raises InvalidArgument naming every bad line (field "zeile N") and, as field "datei", what
    is wrong with the file as a whole: missing Gemeinden, no lines, a total of 0, too many lines.
    """
    anzahlen, violations = _pruefen(lines, gemeinden)
    if violations:
        raise InvalidArgument(violations)
    return anzahlen


def _pruefen(lines: Iterable[str], gemeinden: Mapping[str, object]) -> tuple[dict[str, int], list[FieldViolation]]:
    anzahlen: dict[str, int] = {}
    erste_zeile: dict[str, int] = {}  # AGS -> line it first appeared in (valid count or not)
    zeilen: list[FieldViolation] = []
    datei: list[FieldViolation] = []
    zu_lang = False
    for nummer, raw in enumerate(lines, start=1):
        if nummer > MAX_ZEILEN:
            zu_lang = True
            break
        fehler = _zeile(nummer, raw, gemeinden, anzahlen, erste_zeile)
        if fehler is None:
            continue
        zeilen.append(FieldViolation(f"zeile {nummer}", fehler))
    if zu_lang:
        datei.append(
            FieldViolation(
                "datei",
                f"mehr als {zahl(MAX_ZEILEN)} Zeilen; erwartet wird eine Zeile je Gemeinde "
                f"({zahl(len(gemeinden))}); nur die ersten {zahl(MAX_ZEILEN)} wurden geprüft",
            )
        )
    elif not erste_zeile and not zeilen:
        datei.append(FieldViolation("datei", "enthält keine Zeilen „ags;anzahl“"))
    else:
        fehlend = sorted(set(gemeinden) - set(erste_zeile))
        if fehlend:
            genannt = ", ".join(fehlend[:MAX_FEHLENDE_GENANNT])
            rest = len(fehlend) - MAX_FEHLENDE_GENANNT
            datei.append(
                FieldViolation(
                    "datei",
                    (f"es fehlt 1 Gemeinde: {genannt}" if len(fehlend) == 1 else f"es fehlen {zahl(len(fehlend))} Gemeinden: {genannt}")
                    + (f" und {zahl(rest)} weitere" if rest > 0 else "")
                    + " (jede Gemeinde gehört in die Datei, eine ohne Geflüchtete mit 0)",
                )
            )
        if not zeilen and not fehlend and sum(anzahlen.values()) == 0:
            datei.append(FieldViolation("datei", "alle Anzahlen sind 0: danach lässt sich nichts verteilen"))
    return anzahlen, zeilen + datei


def _zeile(
    nummer: int, raw: str, gemeinden: Mapping[str, object], anzahlen: dict[str, int], erste_zeile: dict[str, int]
) -> str | None:
    """Checks one line and records its count; what is wrong with it, or None."""
    line = raw.rstrip("\r\n")
    if nummer == 1:
        line = line.removeprefix(BOM)
    if len(line) > MAX_ZEICHEN:
        return f"länger als {MAX_ZEICHEN} Zeichen"
    if (problem := character_problem(line, single_line=False)) is not None:
        return problem  # instead of echoing a field that shows other than it reads
    if not line.strip():
        return None
    felder = [_feld(f) for f in line.split(TRENNER)]
    if [f.lower() for f in felder] == KOPFZEILE:
        return None if nummer == 1 else "Kopfzeile „ags;anzahl“ nur als erste Zeile"
    if len(felder) != 2:
        hinweis = " (Trennzeichen ist „;“)" if len(felder) == 1 and any(t in line for t in ",\t") else ""
        return f"Zeile hat {len(felder)} statt 2 Feldern „ags;anzahl“{hinweis}"
    ags, anzahl_text = felder
    fehler = []
    if not _AGS.fullmatch(ags):
        if not ags:
            fehler.append("Gemeindeschlüssel fehlt")
        elif len(ags) == 7 and _ZIFFERN.fullmatch(ags) and "0" + ags in gemeinden:
            fehler.append(f"„{ags}“ ist kein Gemeindeschlüssel (8 Ziffern; führende Null verloren? gemeint ist wohl 0{ags})")
        else:
            fehler.append(f"„{_kurz(ags)}“ ist kein Gemeindeschlüssel (8 Ziffern)")
    elif ags not in gemeinden:
        fehler.append(f"{ags} ist keine Gemeinde in Baden-Württemberg")
    elif ags in erste_zeile:
        fehler.append(f"{ags} doppelt (zuerst in Zeile {erste_zeile[ags]})")
    else:
        erste_zeile[ags] = nummer
    anzahl, anzahl_fehler = _anzahl(anzahl_text)
    if anzahl_fehler:
        fehler.append(anzahl_fehler)
    if fehler:
        return "; ".join(fehler)
    anzahlen[ags] = anzahl
    return None


def _feld(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()
    return text


def _anzahl(text: str) -> tuple[int, str | None]:
    if not text:
        return 0, "Anzahl fehlt"
    if _ZIFFERN.fullmatch(text):
        n = int(text)
        if n > MAX_ANZAHL:
            return 0, f"Anzahl {zahl(n)} ist unplausibel hoch (höchstens {zahl(MAX_ANZAHL)} je Gemeinde)"
        return n, None
    if _NEGATIV.fullmatch(text):
        return 0, f"Anzahl {text} ist negativ"
    if _VORZEICHEN.fullmatch(text):
        return 0, f"Anzahl „{text}“: bitte ohne Vorzeichen"
    if _MIT_TRENNZEICHEN.fullmatch(text) and any(c.isdigit() for c in text):
        return 0, f"Anzahl „{_kurz(text)}“ ist keine ganze Zahl (nur Ziffern, ohne Komma, Punkt oder Tausendertrennzeichen)"
    return 0, f"Anzahl „{_kurz(text)}“ ist keine ganze Zahl"


def datei_sha256(lines: Iterable[str]) -> str:
    """The hash of the file the lines came from: each line ended by "\\n", UTF-8. For a file that
    ends with a line end this is the hash of the file itself (sha256sum), whatever its line ends,
    as long as the lines are sent with "\\r" kept."""
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.hexdigest()


async def read_import_stream(requests: AsyncIterable[ImportErhebungRequest]) -> tuple[ErhebungKopf, list[str]]:
    """The Kopf and the lines of an ImportErhebung stream: the Kopf first, then only lines.

    Stops reading at MAX_ZEILEN + 1 lines and keeps at most MAX_ZEICHEN + 1 characters of a line,
    so a runaway client cannot fill the memory; parse_erhebung reports both.
    """
    kopf: ErhebungKopf | None = None
    zeilen: list[str] = []
    nummer = 0
    async for message in requests:
        nummer += 1
        inhalt = message.WhichOneof("inhalt")
        if nummer == 1:
            if inhalt != "kopf":
                raise InvalidArgument([FieldViolation("kopf", "fehlt: die erste Nachricht muss der Kopf sein, dann folgen die Zeilen")])
            kopf = message.kopf
        elif inhalt == "zeile":
            zeilen.append(message.zeile[: MAX_ZEICHEN + 1])
            if len(zeilen) > MAX_ZEILEN:
                break
        elif inhalt == "kopf":
            raise InvalidArgument([FieldViolation("kopf", f"nur einmal, als erste Nachricht (nochmals in Nachricht {nummer})")])
        else:
            raise InvalidArgument([FieldViolation(f"nachricht {nummer}", "weder Kopf noch Zeile")])
    if kopf is None:
        raise InvalidArgument([FieldViolation("kopf", "fehlt: die erste Nachricht muss der Kopf sein, dann folgen die Zeilen")])
    return kopf, zeilen


@dataclass(frozen=True)
class Kopf:
    """The checked Kopf of an import, as the erhebung row stores it."""

    request_id: str
    stichtag: date | None
    art: str
    quelle: str
    dateiname: str


def read(
    kopf: ErhebungKopf, lines: Iterable[str], gemeinden: Mapping[str, object]
) -> tuple[Kopf, list[str], dict[str, int]]:
    """The Kopf, the lines as read (at most one line over the limit, each at most one character
    too long: enough to report both) and every Gemeinde's count; InvalidArgument naming every
    violation of the Kopf and the file at once."""
    lines = [line[: MAX_ZEICHEN + 1] for line in itertools.islice(lines, MAX_ZEILEN + 1)]
    k, kopf_verstoesse = check_kopf(kopf)
    anzahlen, zeilen_verstoesse = _pruefen(lines, gemeinden)
    if kopf_verstoesse or zeilen_verstoesse:
        raise InvalidArgument(kopf_verstoesse + zeilen_verstoesse)
    return k, lines, anzahlen


def check_kopf(kopf: ErhebungKopf) -> tuple[Kopf, list[FieldViolation]]:
    v = AllocationViolations()
    v.request_id(kopf.request_id, "kopf.request_id")
    stichtag = v.datum(kopf.stichtag, "kopf.stichtag")
    if stichtag is not None and not 2000 <= stichtag.year <= 2100:
        v.add("kopf.stichtag", f"{stichtag.isoformat()} ist kein plausibler Stichtag")
    if kopf.art not in ARTEN:
        v.add("kopf.art", "fehlt oder ist unbekannt: ERHEBUNG_ART_VORLAEUFIG oder ERHEBUNG_ART_ENDGUELTIG")
    v.quelle(kopf.quelle, "kopf.quelle", max_len=MAX_QUELLE, hint="woher stammen die Zahlen (Erhebung, Stand)?")
    v.text(kopf.dateiname, "kopf.dateiname", required=False, max_len=MAX_DATEINAME, single_line=True)
    art = ErhebungArt.Name(kopf.art) if kopf.art in ARTEN else ""
    return Kopf(kopf.request_id, stichtag, art, kopf.quelle, kopf.dateiname), v.items


def _kurz(text: str) -> str:
    return text if len(text) <= 30 else text[:30] + "…"
