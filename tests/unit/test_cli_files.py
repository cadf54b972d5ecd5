"""Files the CLI reads (JSON requests, Erhebung CSV): UTF-8 only. A file in another encoding, as
spreadsheet programs and older editors write it, is refused with a German message naming the file
and the first byte that is not UTF-8, and a non-zero exit code, never a traceback."""

from __future__ import annotations

import io
import json
import sys

import pytest

from pakt.cli.antrag_cli import read_json_text
from pakt.cli.main import main

ANTRAG = {
    "antragsteller_ags": "08111000",
    "programm": "PROGRAMM_INTEGRATIONSMANAGEMENT",
    "foerderjahr": 2017,
    "betrag_cent": 13000000,
    "begruendung": "Zwei Integrationsmanager für die Anschlussunterbringung.",
}


def latin1(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    return path, text.encode("latin-1").index("ü".encode("latin-1")) + 1


def refused(capsys, args: list[str]) -> str:
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err


@pytest.fixture(autouse=True)
def _no_service(monkeypatch, tmp_path):
    """Nothing to call: a file that cannot be read must be refused before any call is made."""
    monkeypatch.setenv("PAKT_DATA_DIR", str(tmp_path / "keine-daten"))
    for name in ("PAKT_TLS_CA", "PAKT_CLIENT_CERT", "PAKT_CLIENT_KEY"):
        monkeypatch.delenv(name, raising=False)


def expected(path, byte: int, zeile: int = 1) -> str:
    return (
        f"Fehler: Datei {path} ist kein UTF-8: Byte {byte} (Zeile {zeile}, Wert 0xFC) gehört zu keinem "
        "UTF-8-Zeichen, die Datei ist wohl in einer anderen Kodierung (etwa Windows-1252) gespeichert; "
        "bitte als UTF-8 speichern.\n"
    )


def test_antrag_submit_refuses_a_latin1_file(tmp_path, capsys):
    path, byte = latin1(tmp_path, "antrag.json", json.dumps(ANTRAG, ensure_ascii=False))
    assert refused(capsys, ["antrag", "submit", str(path), "--target", "127.0.0.1:1"]) == expected(path, byte)


def test_antrag_submit_refuses_latin1_on_standard_input(tmp_path, capsys, monkeypatch):
    data = json.dumps(ANTRAG, ensure_ascii=False).encode("latin-1")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    byte = data.index("ü".encode("latin-1")) + 1
    err = refused(capsys, ["antrag", "submit", "-", "--target", "127.0.0.1:1"])
    assert err.startswith(f"Fehler: Die Standardeingabe ist kein UTF-8: Byte {byte} (Zeile 1,")


def test_the_error_is_json_with_json(tmp_path, capsys):
    path, byte = latin1(tmp_path, "antrag.json", json.dumps(ANTRAG, ensure_ascii=False))
    assert main(["antrag", "submit", str(path), "--json", "--target", "127.0.0.1:1"]) == 1
    error = json.loads(capsys.readouterr().err)["error"]
    assert error.startswith(f"Datei {path} ist kein UTF-8: Byte {byte} ")


def test_caseplan_create_refuses_a_latin1_file(tmp_path, capsys):
    plan = {"person": {"name": "Jürgen", "geburtsdatum": "1990-01-01"}}
    path, byte = latin1(tmp_path, "plan.json", json.dumps(plan, ensure_ascii=False, indent=2))
    err = refused(capsys, ["--as", "08111000:mueller", "caseplan", "plan", "create", str(path), "--target", "127.0.0.1:1"])
    assert err == expected(path, byte, zeile=3)


def test_erhebung_import_refuses_a_latin1_file(tmp_path, capsys):
    path, byte = latin1(tmp_path, "zahlen.csv", "ags;anzahl\n08111000;12\n08111000;3 (Bad Cannstatt, Münster)\n")
    err = refused(capsys, ["erhebung", "import", str(path), "--stichtag", "2017-06-30", "--art", "endgueltig",
                           "--quelle", "Erhebung", "--target", "127.0.0.1:1"])
    assert err == expected(path, byte, zeile=3)


def test_utf8_with_or_without_byte_order_mark_is_read(tmp_path):
    text = json.dumps(ANTRAG, ensure_ascii=False)
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        (tmp_path / "a.json").write_bytes(data)
        assert read_json_text(str(tmp_path / "a.json")) == text


def test_a_missing_file_is_named(tmp_path, capsys):
    err = refused(capsys, ["antrag", "submit", str(tmp_path / "fehlt.json"), "--target", "127.0.0.1:1"])
    assert err == f"Fehler: Datei {tmp_path / 'fehlt.json'} nicht lesbar: No such file or directory\n"
