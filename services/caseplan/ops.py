"""Operator tasks of the case-plan service that run on its own database, German output or --json.

They run where the service runs, with the service's settings: a Kubernetes Job with the service's
image, or locally beside `make run`:

    pakt serve caseplan rotate-key [--batch N] [--json]      (or: python -m services.caseplan …)
    pakt serve caseplan audit verify [--expect ID:HASH] [--json]
    pakt serve caseplan aufbewahrung [--tage N] [--json]
    pakt serve caseplan dev-keys DATEI                        (the local stack's keys; `pakt up`)

They work directly on the case-plan database (PAKT_CASEPLAN_DB_URL, else the SQLite file under
PAKT_DATA_DIR), migrate it first like the service does, and read the keys from PAKT_CASEPLAN_KEYS /
PAKT_CASEPLAN_KEYS_FILE (locally, when neither is set: the stack's own key file). The `pakt`
command line has no import of this module: `pakt serve` loads it by name, `pakt up` runs it as a
process.

Nothing here logs or prints personal data.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pakt.platform.settings import SettingsError, data_dir
from services.caseplan.crypto import KEYS_FILE_VAR, KEYS_VAR, Keyring

if TYPE_CHECKING:
    from sqlalchemy import Engine

# The local stack's key file under PAKT_DATA_DIR (created by `pakt up` with `dev-keys`), used when
# no key setting is given.
LOCAL_KEYS_FILE = "caseplan-keys"

ROTATION_HELP = """\
Verschlüsselt die Datenschlüssel aller Integrationspläne mit dem aktiven Hauptschlüssel neu
(Umschlagverschlüsselung: die Felder der Pläne bleiben, wie sie sind). Läuft in kleinen
Transaktionen, während der Dienst weiterläuft, und kann jederzeit wiederholt werden.

Schlüsselwechsel ohne Ausfall:
  1. Neuen Schlüssel erzeugen (openssl rand -base64 32) und als weiteren Eintrag
     <id>:<base64> in PAKT_CASEPLAN_KEYS bzw. der Datei in PAKT_CASEPLAN_KEYS_FILE
     eintragen; der bisherige bleibt aktiv. Ausrollen: jede Instanz kann beide lesen.
  2. Den neuen Schlüssel aktiv machen (PAKT_CASEPLAN_ACTIVE_KEY=<id>). Ausrollen: neue
     Pläne werden mit ihm verschlüsselt.
  3. pakt serve caseplan rotate-key (oder python -m services.caseplan rotate-key) mit
     denselben Einstellungen ausführen (Kubernetes-Job mit dem Image des Dienstes oder
     lokal). Es meldet, wie viele Datenschlüssel neu verschlüsselt wurden und ob noch
     welche mit einem anderen Schlüssel übrig sind (dann erneut ausführen).
  4. Den alten Schlüssel aus der Liste entfernen und ausrollen, erst wenn rotate-key
     meldet, dass alle Datenschlüssel mit dem aktiven Schlüssel verschlüsselt sind.

Lokal neben make run, ohne PAKT_CASEPLAN_KEYS und PAKT_CASEPLAN_KEYS_FILE, gilt die
Schlüsseldatei des lokalen Systems (PAKT_DATA_DIR/caseplan-keys).

Der Schlüssel des Suchindex (PAKT_CASEPLAN_INDEX_KEY bzw. der Eintrag index:) wird
hierbei nicht gewechselt. Jede Neuverschlüsselung steht im Zugriffsprotokoll
(SCHLUESSELWECHSEL, Akteur betrieb:<Benutzer>). Exit-Status 0: alle Datenschlüssel sind
mit dem aktiven Schlüssel verschlüsselt; 1: noch nicht (oder ein Fehler)."""

AUDIT_HELP = """\
Prüft die Hash-Kette des Zugriffsprotokolls vollständig: veränderte, gelöschte,
eingefügte oder vertauschte Einträge. Gibt den Anker (Nummer:Hash des neuesten
Eintrags) aus; außerhalb der Datenbank aufbewahrt (Betriebsprotokoll, Ticket) weist er
beim nächsten Lauf mit --expect nach, dass die Einträge bis dorthin unverändert sind
und das Ende nicht abgeschnitten oder neu berechnet wurde.
Exit-Status 0: unverändert; 1: Problem gefunden (es wird genannt)."""

DEV_KEYS_HELP = """\
Legt für das lokale System (make run) die Datei DATEI mit einem zufälligen Hauptschlüssel
und einem Schlüssel für den Suchindex an (nur für den Eigentümer lesbar), wenn es sie noch
nicht gibt; eine vorhandene bleibt, wie sie ist. Nicht für den Betrieb: dort kommen die
Schlüssel aus einem Secret (PAKT_CASEPLAN_KEYS oder PAKT_CASEPLAN_KEYS_FILE)."""


class OperationFailed(Exception):
    """An operator task that cannot run or failed, with a German message for the operator."""


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Run one operator task; exit status 0, or 1 with the reason on stderr."""
    args = parser(prog).parse_args(argv)
    try:
        return args.handler(args)
    except OperationFailed as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": str(exc)}, ensure_ascii=False), file=sys.stderr)
        else:
            print(f"Fehler: {exc}", file=sys.stderr)
        return 1


def parser(prog: str | None = None) -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog=prog or "python -m services.caseplan",
        description="Betriebsaufgaben des Fallplan-Dienstes, direkt auf seiner Datenbank und mit seinen Einstellungen. "
        "Ohne Aufgabe startet der Dienst.",
    )
    tasks = root.add_subparsers(required=True, metavar="AUFGABE")

    def task(actions: argparse._SubParsersAction, name: str, help_text: str, handler, description: str,
             json_output: bool = True) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=help_text, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
        if json_output:
            p.add_argument("--json", action="store_true", help="Ausgabe als JSON für Maschinen")
        p.set_defaults(handler=handler)
        return p

    p = task(tasks, "rotate-key", "Datenschlüssel mit dem aktiven Hauptschlüssel neu verschlüsseln", rotate_key, ROTATION_HELP)
    p.add_argument("--batch", type=int, default=200, help="Datenschlüssel je Transaktion (Standard 200)")

    audit_group = tasks.add_parser("audit", help="Zugriffsprotokoll prüfen").add_subparsers(required=True, metavar="AKTION")
    p = task(audit_group, "verify", "Hash-Kette des Zugriffsprotokolls prüfen und den Anker ausgeben", audit_verify, AUDIT_HELP)
    p.add_argument("--expect", default=None, metavar="ID:HASH", help="früher ausgegebener Anker, der noch gelten muss")

    p = task(
        tasks, "aufbewahrung", "Personendaten abgeschlossener Pläne nach der Aufbewahrungsfrist löschen", aufbewahrung,
        "Löscht einmal die Personendaten aller Pläne, die länger als die Aufbewahrungsfrist abgeschlossen sind, "
        "wie es der Dienst stündlich tut. Frist: --tage, sonst PAKT_CASEPLAN_AUFBEWAHRUNG_TAGE, sonst 3 Jahre.",
    )
    p.add_argument("--tage", type=int, default=None, help="Aufbewahrungsfrist in Tagen nach Abschluss")

    p = task(tasks, "dev-keys", "Schlüsseldatei des lokalen Systems anlegen (nur lokal)", dev_keys, DEV_KEYS_HELP,
             json_output=False)
    p.add_argument("datei", metavar="DATEI", help="die Schlüsseldatei, z. B. .pakt-data/caseplan-keys")
    return root


# -- what every task on the database needs ----------------------------------------------------------------


@contextmanager
def database() -> Iterator[Engine]:
    """The case-plan database as the service opens it, migrated to the newest revision."""
    from sqlalchemy.exc import SQLAlchemyError

    from pakt.platform.db import make_engine, migrate
    from pakt.platform.settings import ServiceSettings
    from services.caseplan.main import MIGRATIONS, secure_delete

    try:
        settings = ServiceSettings.from_env("caseplan")
    except SettingsError as exc:
        raise OperationFailed(f"Einstellung ungültig: {exc}") from None
    try:
        engine = make_engine(settings.db_url)
    except (SQLAlchemyError, ValueError) as exc:
        raise OperationFailed(f"PAKT_CASEPLAN_DB_URL ist keine gültige Datenbank-URL ({type(exc).__name__}).") from None
    try:
        secure_delete(engine)  # as the service: erased ciphertexts do not linger
        try:
            migrate(engine, MIGRATIONS)
            yield engine
        except SQLAlchemyError as exc:
            raise OperationFailed(f"Datenbank des Fallplan-Dienstes: {_db_error(exc)}") from None
    finally:
        engine.dispose()


def _db_error(exc) -> str:
    """The driver's first line, without the statement and its parameters (which may hold ciphertexts)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0]


def keyring() -> Keyring:
    """The service's keys from its settings; beside `make run` without any, the local stack's file."""
    env = dict(os.environ)
    local = data_dir() / LOCAL_KEYS_FILE
    if not env.get(KEYS_VAR, "").strip() and not env.get(KEYS_FILE_VAR, "").strip() and local.is_file():
        env[KEYS_FILE_VAR] = str(local)
    try:
        return Keyring.from_env(env)
    except SettingsError as exc:
        raise OperationFailed(f"Schlüssel des Fallplan-Dienstes: {exc}") from None


def operator() -> str:
    """Who runs an operator task, for the access log."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001  no user name in the environment or passwd (e.g. a container)
        user = ""
    user = re.sub(r"[^A-Za-z0-9._@-]", "_", user)[:60]
    return f"betrieb:{user or 'unbekannt'}"


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# -- the tasks ---------------------------------------------------------------------------------------------


def rotate_key(args) -> int:
    from services.caseplan.betrieb import rotate_keys
    from services.caseplan.crypto import CipherError, FieldCipher
    from services.caseplan.main import units_of_work

    if args.batch < 1:
        raise OperationFailed("--batch muss mindestens 1 sein.")
    keys = keyring()
    akteur = operator()
    with database() as engine:
        units = units_of_work(engine, FieldCipher(keys))
        try:
            rotated = rotate_keys(units, akteur, batch_size=args.batch)
        except CipherError as exc:
            raise OperationFailed(
                f"Ein Datenschlüssel lässt sich nicht entschlüsseln ({exc}). Fehlt der bisherige Schlüssel in "
                "PAKT_CASEPLAN_KEYS? Alte Schlüssel bleiben in der Liste, bis rotate-key vollständig durchgelaufen ist. "
                "Bereits neu verschlüsselte Datenschlüssel bleiben es."
            ) from None
        with units.read() as repo:
            by_key = repo.data_keys_per_master_key()
    active = keys.active_id
    stale = sum(n for key_id, n in by_key.items() if key_id != active)
    unused = [key_id for key_id in keys.keys if key_id != active and key_id not in by_key]
    if args.json:
        _print_json({
            "neu_verschluesselt": rotated, "aktiver_schluessel": active, "datenschluessel": sum(by_key.values()),
            "je_schluessel": dict(sorted(by_key.items())), "entbehrlich": unused, "akteur": akteur,
        })
    else:
        print(f"{rotated} Datenschlüssel mit dem aktiven Schlüssel {active} neu verschlüsselt (Akteur {akteur}).")
        if stale:
            others = ", ".join(f"{key_id}: {n}" for key_id, n in sorted(by_key.items()) if key_id != active)
            print(
                f"Noch {stale} Datenschlüssel mit einem anderen Schlüssel ({others}), wohl von Instanzen, die {active} "
                "noch nicht aktiv haben: erst alle ausrollen, dann rotate-key erneut ausführen."
            )
        else:
            print(f"Alle {sum(by_key.values())} Datenschlüssel sind mit {active} verschlüsselt.")
            if unused:
                print(f"Nicht mehr benötigt: {', '.join(unused)} – kann aus der Schlüsselliste entfernt und ausgerollt werden.")
    return 1 if stale else 0


def audit_verify(args) -> int:
    from services.caseplan import audit
    from services.caseplan.repository import Zugriffsprotokoll

    expect = None
    if args.expect:
        try:
            expect = audit.parse_anchor(args.expect)
        except ValueError as exc:
            raise OperationFailed(f"--expect: {exc}") from None
    # No keys needed: the log holds no personal data.
    with database() as engine, engine.connect() as conn:
        report = Zugriffsprotokoll(conn).verify(expect=expect)
    if args.json:
        _print_json({
            "ok": report.ok, "eintraege": report.entries, "anker": report.anchor, "problem": report.problem,
            "erster_fehler": report.first_bad_id,
        })
        return 0 if report.ok else 1
    if report.ok:
        print(f"Zugriffsprotokoll unverändert: {report.entries} Einträge, Anker {report.anchor}")
        if expect is not None:
            print(f"Der erwartete Anker {audit.format_anchor(expect)} gilt noch.")
        return 0
    print(f"Zugriffsprotokoll NICHT in Ordnung: {report.problem}")
    print(f"Unverändert bis Eintrag {report.head_id} ({report.entries} Einträge, Anker {report.anchor}).")
    return 1


def aufbewahrung(args) -> int:
    from services.caseplan.betrieb import Aufbewahrung, erase_expired
    from services.caseplan.crypto import FieldCipher
    from services.caseplan.main import units_of_work

    try:
        fristen = Aufbewahrung.from_env()
    except SettingsError as exc:
        raise OperationFailed(f"Einstellung ungültig: {exc}") from None
    if args.tage is not None:
        if not 0 <= args.tage:
            raise OperationFailed("Die Aufbewahrungsfrist kann nicht negativ sein.")
        fristen = Aufbewahrung(timedelta(days=args.tage), max(fristen.plan, timedelta(days=args.tage)))
    keys = keyring()
    akteur = operator()
    with database() as engine:
        personen, plaene = erase_expired(units_of_work(engine, FieldCipher(keys)), fristen, akteur=akteur)
    tage = fristen.personendaten.days
    if args.json:
        _print_json({"geloescht": personen, "plaene_entfernt": plaene, "aufbewahrung_tage": tage,
                     "aufbewahrung_plan_tage": fristen.plan.days, "akteur": akteur})
    else:
        print(f"Personendaten von {personen} Plänen gelöscht (länger als {tage} Tage abgeschlossen; Akteur {akteur}).")
        print(f"{plaene} Pläne ganz entfernt (länger als {fristen.plan.days} Tage abgeschlossen).")
    return 0


def dev_keys(args) -> int:
    path = Path(args.datei)
    existed = path.exists()
    try:
        Keyring.generate_dev(path)
    except OSError as exc:
        raise OperationFailed(f"Schlüsseldatei {path} nicht anlegbar: {exc.strerror}") from None
    except SettingsError as exc:
        raise OperationFailed(f"Schlüsseldatei {path} unbrauchbar: {exc}") from None
    print(f"Schlüsseldatei {path} {'vorhanden' if existed else 'angelegt'}.")
    return 0
