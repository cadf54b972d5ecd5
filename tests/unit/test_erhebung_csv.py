"""Reading an Erhebung file ("ags;anzahl" per Gemeinde): what is tolerated, what is rejected, and
that every bad line of a file is named at once (services/allocation/erhebung_datei.py)."""

from __future__ import annotations

import asyncio
import hashlib
import itertools

import pytest

from pakt.allocation.v1.allocation_pb2 import ErhebungKopf, ImportErhebungRequest
from pakt.cli.erhebung_cli import default_request_id, read_lines
from pakt.platform.errors import FieldViolation, InvalidArgument
from pakt.referenzdaten import gebiete
from services.allocation.erhebung_datei import (
    MAX_ANZAHL,
    MAX_ZEILEN,
    datei_sha256,
    parse_erhebung,
    read_import_stream,
)

GEMEINDEN = gebiete().gemeinden
STUTTGART, BOELLEN = "08111000", "08336010"


def counts() -> dict[str, int]:
    """Realistic counts: one refugee per hundred inhabitants (Böllen, 99 inhabitants, has none)."""
    return {ags: g.population // 100 for ags, g in sorted(GEMEINDEN.items())}


def lines(header: bool = False) -> list[str]:
    return (["ags;anzahl"] if header else []) + [f"{ags};{n}" for ags, n in counts().items()]


def violations(file_lines) -> list[FieldViolation]:
    with pytest.raises(InvalidArgument) as err:
        parse_erhebung(file_lines, GEMEINDEN)
    return err.value.violations


def line_of(file_lines: list[str], ags: str) -> int:
    """The 1-based number of a Gemeinde's line."""
    return next(i for i, line in enumerate(file_lines, start=1) if line.startswith(ags))


# -- good files ------------------------------------------------------------------------------------


def test_a_complete_file_gives_every_gemeinde_its_count():
    parsed = parse_erhebung(lines(), GEMEINDEN)
    assert parsed == counts()
    assert len(parsed) == 1101 and parsed[STUTTGART] == GEMEINDEN[STUTTGART].population // 100
    assert parsed[BOELLEN] == 0  # a Gemeinde without refugees is in the file with 0


@pytest.mark.parametrize("header", ["ags;anzahl", "AGS;Anzahl", "  Ags ; ANZAHL  ", '"ags";"anzahl"'])
def test_a_header_line_is_optional_in_any_case(header):
    assert parse_erhebung([header, *lines()], GEMEINDEN) == counts()


def test_byte_order_mark_line_ends_whitespace_quotes_and_blank_lines_are_tolerated():
    body = lines()
    body[0] = "\ufeff" + body[0]  # UTF-8 BOM, as some spreadsheet programs write
    body[1] = body[1] + "\r"  # Windows line end (the CLI sends lines with "\r" kept)
    body[2] = body[2] + "\r\n"
    ags, n = body[3].split(";")
    body[3] = f"  {ags} ;\t{n}  "
    body[4] = '"{}";"{}"'.format(*body[4].split(";"))
    file_lines = body[:10] + ["", "   ", "\r"] + body[10:] + ["", ""]
    assert parse_erhebung(file_lines, GEMEINDEN) == counts()
    assert parse_erhebung(["\ufeffags;anzahl", *lines()], GEMEINDEN) == counts()


def test_counts_up_to_the_bound_are_accepted():
    file_lines = lines()
    file_lines[line_of(file_lines, STUTTGART) - 1] = f"{STUTTGART};{MAX_ANZAHL}"
    file_lines[line_of(file_lines, BOELLEN) - 1] = f"{BOELLEN};007"
    parsed = parse_erhebung(file_lines, GEMEINDEN)
    assert (parsed[STUTTGART], parsed[BOELLEN]) == (MAX_ANZAHL, 7)


# -- bad lines: each kind, one at a time ------------------------------------------------------------


@pytest.mark.parametrize(
    ("anzahl", "description"),
    [
        ("12,5", "Anzahl „12,5“ ist keine ganze Zahl (nur Ziffern, ohne Komma, Punkt oder Tausendertrennzeichen)"),
        ("12.5", "Anzahl „12.5“ ist keine ganze Zahl (nur Ziffern, ohne Komma, Punkt oder Tausendertrennzeichen)"),
        # German thousands separator: 1.234 could mean 1234 or 1,234; the file must say which.
        ("1.234", "Anzahl „1.234“ ist keine ganze Zahl (nur Ziffern, ohne Komma, Punkt oder Tausendertrennzeichen)"),
        ("-3", "Anzahl -3 ist negativ"),
        # A sign is the mark of a column of changes, not of counts.
        ("+5", "Anzahl „+5“: bitte ohne Vorzeichen"),
        ("viele", "Anzahl „viele“ ist keine ganze Zahl"),
        ("1e3", "Anzahl „1e3“ ist keine ganze Zahl"),
        ("١٢", "Anzahl „١٢“ ist keine ganze Zahl"),  # digits, but not 0-9
        ("", "Anzahl fehlt"),
        (str(MAX_ANZAHL + 1), "Anzahl 10.000.001 ist unplausibel hoch (höchstens 10.000.000 je Gemeinde)"),
    ],
)
def test_a_bad_count_is_named_with_its_line(anzahl, description):
    file_lines = lines(header=True)
    n = line_of(file_lines, STUTTGART)
    file_lines[n - 1] = f"{STUTTGART};{anzahl}"
    # The Gemeinde is in the file, so it is not also reported missing.
    assert violations(file_lines) == [FieldViolation(f"zeile {n}", description)]


@pytest.mark.parametrize(
    ("line", "description"),
    [
        ("0811100;12", "„0811100“ ist kein Gemeindeschlüssel (8 Ziffern)"),
        ("08111;12", "„08111“ ist kein Gemeindeschlüssel (8 Ziffern)"),  # a Kreis, not a Gemeinde
        ("Stuttgart;12", "„Stuttgart“ ist kein Gemeindeschlüssel (8 Ziffern)"),
        # A spreadsheet dropped the leading zero.
        ("8111000;12", "„8111000“ ist kein Gemeindeschlüssel (8 Ziffern; führende Null verloren? gemeint ist wohl 08111000)"),
        ("08999999;12", "08999999 ist keine Gemeinde in Baden-Württemberg"),
        ("09162000;12", "09162000 ist keine Gemeinde in Baden-Württemberg"),  # München
        (";12", "Gemeindeschlüssel fehlt"),
        ("08999999;-3", "08999999 ist keine Gemeinde in Baden-Württemberg; Anzahl -3 ist negativ"),
        ("08111000;12;3", "Zeile hat 3 statt 2 Feldern „ags;anzahl“"),
        ("08111000;12;", "Zeile hat 3 statt 2 Feldern „ags;anzahl“"),
        ("08111000", "Zeile hat 1 statt 2 Feldern „ags;anzahl“"),
        ("08111000,12", "Zeile hat 1 statt 2 Feldern „ags;anzahl“ (Trennzeichen ist „;“)"),
        ("08111000\t12", "Zeile hat 1 statt 2 Feldern „ags;anzahl“ (Trennzeichen ist „;“)"),
        ("ags;anzahl", "Kopfzeile „ags;anzahl“ nur als erste Zeile"),
        ("0" * 201, "länger als 200 Zeichen"),
    ],
)
def test_a_bad_line_is_named_with_what_is_wrong(line, description):
    file_lines = lines()
    file_lines.insert(500, line)
    assert violations(file_lines) == [FieldViolation("zeile 501", description)]


def test_a_gemeinde_twice_names_the_line_it_came_first():
    file_lines = lines(header=True)
    first = line_of(file_lines, STUTTGART)
    file_lines.append(f"{STUTTGART};4000")
    assert violations(file_lines) == [
        FieldViolation(f"zeile {len(file_lines)}", f"{STUTTGART} doppelt (zuerst in Zeile {first})")
    ]


def test_line_numbers_count_every_line_of_the_file_as_an_editor_does():
    """Header, blank lines and the byte order mark do not shift the numbers."""
    file_lines = ["\ufeffags;anzahl", "", *lines()[:600], "   ", "08111000;12,5", *lines()[600:]]
    file_lines.remove(next(x for x in file_lines[2:] if x.startswith(STUTTGART + ";")))
    assert violations(file_lines) == [FieldViolation("zeile 603", "Anzahl „12,5“ ist keine ganze Zahl (nur Ziffern, ohne Komma, Punkt oder Tausendertrennzeichen)")]


# -- the file as a whole ---------------------------------------------------------------------------------


def test_every_error_of_a_file_is_reported_together_in_line_order_then_the_missing_gemeinden():
    file_lines = lines(header=True)
    file_lines.remove(next(x for x in file_lines if x.startswith("08425035;")))  # Emeringen missing
    file_lines[line_of(file_lines, STUTTGART) - 1] = f"{STUTTGART};-3"
    file_lines[line_of(file_lines, BOELLEN) - 1] = "8336010;0"  # Böllen without its leading zero
    file_lines += [f"{STUTTGART};4000", "08111000;1;2"]
    stuttgart, boellen, n = line_of(file_lines, STUTTGART), line_of(file_lines, "8336010"), len(file_lines)
    assert violations(file_lines) == [
        FieldViolation(f"zeile {stuttgart}", "Anzahl -3 ist negativ"),
        FieldViolation(
            f"zeile {boellen}",
            "„8336010“ ist kein Gemeindeschlüssel (8 Ziffern; führende Null verloren? gemeint ist wohl 08336010)",
        ),
        FieldViolation(f"zeile {n - 1}", f"{STUTTGART} doppelt (zuerst in Zeile {stuttgart})"),
        FieldViolation(f"zeile {n}", "Zeile hat 3 statt 2 Feldern „ags;anzahl“"),
        # Böllen's line is bad, so Böllen is missing too: its count is not known.
        FieldViolation(
            "datei",
            "es fehlen 2 Gemeinden: 08336010, 08425035 (jede Gemeinde gehört in die Datei, eine ohne Geflüchtete mit 0)",
        ),
    ]


def test_missing_gemeinden_are_listed_up_to_twenty_then_counted():
    file_lines = lines()
    assert violations(file_lines[:-3]) == [
        FieldViolation(
            "datei",
            "es fehlen 3 Gemeinden: " + ", ".join(sorted(GEMEINDEN)[-3:])
            + " (jede Gemeinde gehört in die Datei, eine ohne Geflüchtete mit 0)",
        )
    ]
    (v,) = violations(file_lines[:-25])
    assert v.field == "datei"
    assert v.description.startswith("es fehlen 25 Gemeinden: " + ", ".join(sorted(GEMEINDEN)[-25:-5]) + " und 5 weitere")
    (one,) = violations(file_lines[1:])
    assert one.description.startswith(f"es fehlt 1 Gemeinde: {sorted(GEMEINDEN)[0]} (")


@pytest.mark.parametrize("file_lines", [[], [""], ["ags;anzahl"], ["\ufeff", "  ", ""]])
def test_a_file_without_counts_is_rejected(file_lines):
    assert violations(file_lines) == [FieldViolation("datei", "enthält keine Zeilen „ags;anzahl“")]


def test_a_total_of_zero_is_rejected():
    assert violations([f"{ags};0" for ags in GEMEINDEN]) == [
        FieldViolation("datei", "alle Anzahlen sind 0: danach lässt sich nichts verteilen")
    ]


def test_every_bad_line_is_named():
    """How many reach the client is the gRPC server's limit, which counts the rest."""
    file_lines = lines() + [f"0899{i:04d};1" for i in range(250)]
    found = violations(file_lines)
    assert len(found) == 250
    assert found[0] == FieldViolation("zeile 1102", "08990000 ist keine Gemeinde in Baden-Württemberg")
    assert found[-1] == FieldViolation("zeile 1351", "08990249 ist keine Gemeinde in Baden-Württemberg")


def test_reading_stops_after_the_line_limit():
    """An endless file is not read to its end: memory stays bounded."""
    endless = itertools.chain(lines(), itertools.repeat("08111000;1"))
    consumed = itertools.count()
    found = violations(x for x, _ in zip(endless, consumed, strict=False))
    assert next(consumed) == MAX_ZEILEN + 1
    assert found[-1] == FieldViolation(
        "datei",
        "mehr als 5.000 Zeilen; erwartet wird eine Zeile je Gemeinde (1.101); nur die ersten 5.000 wurden geprüft",
    )
    assert found[0] == FieldViolation("zeile 1102", f"{STUTTGART} doppelt (zuerst in Zeile {line_of(lines(), STUTTGART)})")
    assert len(found) == MAX_ZEILEN - 1101 + 1  # every line after the 1,101 Gemeinden, and the note
    assert found[-2].field == f"zeile {MAX_ZEILEN}"


# -- the file's hash and the stream --------------------------------------------------------------------


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_the_servers_hash_of_the_lines_is_the_files_hash(tmp_path, line_end):
    """The CLI sends the lines as they are; the service hashes them back to the file's sha256."""
    path = tmp_path / "erhebung.csv"
    path.write_bytes(("\ufeffags;anzahl" + line_end + line_end.join(lines()) + line_end).encode("utf-8"))
    sent, sha256 = read_lines(path)
    assert sha256 == hashlib.sha256(path.read_bytes()).hexdigest() == datei_sha256(sent)
    assert len(sent) == 1102 and parse_erhebung(sent, GEMEINDEN) == counts()
    request_id = default_request_id(sha256, "2017-06-30", "endgueltig")
    assert request_id == f"erhebung-2017-06-30-endgueltig-{sha256[:40]}" and len(request_id) <= 100


async def _stream(*messages: ImportErhebungRequest):
    for m in messages:
        yield m


def _read(*messages: ImportErhebungRequest):
    return asyncio.run(read_import_stream(_stream(*messages)))


KOPF = ImportErhebungRequest(kopf=ErhebungKopf(request_id="r-1", stichtag="2017-06-30", art=2, quelle="test"))


def test_the_stream_is_the_kopf_then_the_lines_blank_ones_included():
    kopf, zeilen = _read(KOPF, ImportErhebungRequest(zeile="ags;anzahl"), ImportErhebungRequest(zeile=""))
    assert kopf == KOPF.kopf and zeilen == ["ags;anzahl", ""]


@pytest.mark.parametrize(
    ("messages", "violation"),
    [
        ((), FieldViolation("kopf", "fehlt: die erste Nachricht muss der Kopf sein, dann folgen die Zeilen")),
        ((ImportErhebungRequest(zeile="08111000;1"), KOPF), FieldViolation("kopf", "fehlt: die erste Nachricht muss der Kopf sein, dann folgen die Zeilen")),
        ((KOPF, ImportErhebungRequest(zeile="x"), KOPF), FieldViolation("kopf", "nur einmal, als erste Nachricht (nochmals in Nachricht 3)")),
        ((KOPF, ImportErhebungRequest()), FieldViolation("nachricht 2", "weder Kopf noch Zeile")),
    ],
)
def test_a_stream_out_of_order_is_rejected(messages, violation):
    with pytest.raises(InvalidArgument) as err:
        _read(*messages)
    assert err.value.violations == [violation]


def test_the_stream_is_read_no_further_than_the_line_limit_and_long_lines_are_cut():
    messages = [KOPF, ImportErhebungRequest(zeile="x" * 10_000)] + [ImportErhebungRequest(zeile="08111000;1")] * (MAX_ZEILEN + 50)
    _, zeilen = _read(*messages)
    assert len(zeilen) == MAX_ZEILEN + 1 and len(zeilen[0]) == 201
