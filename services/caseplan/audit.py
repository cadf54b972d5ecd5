"""Zugriffsprotokoll: an append-only, hash-chained log of every access to social data (§35 SGB I).

Every read and change of a case plan's personal data gets one entry: who (akteur), which plan
(its pseudonym), what (aktion and the names of the fields), when (at) and why (zweck). Never
a personal VALUE: no names, no contents, only field names and pseudonyms.

This module is the chain itself, without a database: what an entry may hold, how it is hashed, how
a sequence of entries is checked, and anchors. The repository (repository.Zugriffsprotokoll)
appends and reads entries in the use case's own transaction; tables.py declares the table and the
triggers that make it append-only.

The chain
---------
Entries are numbered 1, 2, 3, … without gaps: the repository assigns id = head id + 1 under the
chain lock instead of using a database sequence (a PostgreSQL sequence leaves a gap for every
rolled-back transaction, and then a gap would prove nothing). Each entry carries

    prev_hash = the hash of entry id - 1 (64 zeros, GENESIS, for entry 1)
    hash      = SHA-256 of canonical(entry), see entry_hash()

where canonical() is JSON with sorted keys, no whitespace, ASCII only, the timestamp in UTC as
"YYYY-MM-DDTHH:MM:SS.ffffffZ", over the fields v (format version, 1), id, at, akteur,
plan_pseudonym, aktion, felder, zweck and prev_hash. Anyone can re-check it without this code.

What check() detects, and what it cannot
----------------------------------------
check() reads the entries in id order and stops at the first problem:

- a changed entry (any column): its hash no longer matches            "Prüfsumme stimmt nicht"
- a deleted entry in the middle: the numbers have a gap               "Lücke in den Nummern"
- deleted entries at the start: the first number is not 1
- an entry inserted in the middle (with its hash correctly recomputed, the later ones
  renumbered): its successor's prev_hash names the entry that used to precede it
                                                                      "Vorgänger passt nicht"
- reordered entries (swapped contents or swapped numbers): prev_hash no longer links up

It cannot detect, on its own:

- the tail cut off (the newest entries deleted): what is left is a valid, shorter chain;
- a rewrite from some entry to the end with all hashes recomputed (plain SHA-256 has no secret:
  whoever can write to the database can recompute the chain).

An anchor closes both gaps: (id, hash) of the newest entry, published outside the database (the
operator's log, a ticket, a signed e-mail; `pakt serve caseplan audit verify` prints it).
check(rows, expect=(id, hash)) then also checks that the chain still reaches that entry and that
the entry still has that hash. Since that hash depends on every entry before it, a matching anchor
proves entries 1..id are exactly as they were when the anchor was taken. Entries after the newest
anchor remain as (un)protected as above, so take anchors regularly.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pakt.platform.times import utc

# prev_hash of the first entry.
GENESIS = "0" * 64

# Version of the canonical serialisation, part of every hash.
FORMAT_VERSION = 1

LESEN = "LESEN"
ANLEGEN = "ANLEGEN"
AENDERN = "AENDERN"
EXPORT = "EXPORT"
LOESCHEN = "LOESCHEN"
UEBERGABE = "UEBERGABE"
SCHLUESSELWECHSEL = "SCHLUESSELWECHSEL"
AKTIONEN = frozenset({LESEN, ANLEGEN, AENDERN, EXPORT, LOESCHEN, UEBERGABE, SCHLUESSELWECHSEL})

# Column sizes; new_entry() checks them so that SQLite refuses what PostgreSQL would.
AKTEUR_LEN = 200
PSEUDONYM_LEN = 64
AKTION_LEN = 20
FELDER_LEN = 1000
ZWECK_LEN = 200

# A field name, e.g. "geburtsdatum" or "massnahme.ziel"; never a value.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def canonical(
    *, id: int, at: datetime, akteur: str, plan_pseudonym: str, aktion: str, felder: str, zweck: str, prev_hash: str
) -> bytes:
    """The bytes an entry's hash is taken over (see the module docstring)."""
    document = {
        "v": FORMAT_VERSION,
        "id": id,
        "at": _iso_utc(at),
        "akteur": akteur,
        "plan_pseudonym": plan_pseudonym,
        "aktion": aktion,
        "felder": felder,
        "zweck": zweck,
        "prev_hash": prev_hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def entry_hash(
    *, id: int, at: datetime, akteur: str, plan_pseudonym: str, aktion: str, felder: str, zweck: str, prev_hash: str
) -> str:
    """SHA-256 (hex) of canonical(entry)."""
    return hashlib.sha256(
        canonical(
            id=id, at=at, akteur=akteur, plan_pseudonym=plan_pseudonym, aktion=aktion, felder=felder, zweck=zweck,
            prev_hash=prev_hash,
        )
    ).hexdigest()


def _iso_utc(at: datetime) -> str:
    return utc(at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_entry(
    head: tuple[int, str],
    *,
    akteur: str,
    plan_pseudonym: str,
    aktion: str,
    felder: str | Iterable[str],
    zweck: str,
    at: datetime,
) -> dict[str, Any]:
    """The entry that follows head (id, hash), with its hash: every column of the row.

    felder: field names, as "a,b" or ["a", "b"] (may be empty). at: timezone-aware.
    Raises ValueError for an unknown aktion, a malformed field name, an empty akteur,
    plan_pseudonym or zweck, or anything longer than its column.
    """
    felder_text = _felder(felder)
    _check_text("akteur", akteur, AKTEUR_LEN)
    _check_text("plan_pseudonym", plan_pseudonym, PSEUDONYM_LEN)
    _check_text("zweck", zweck, ZWECK_LEN)
    if aktion not in AKTIONEN:
        raise ValueError(f"unbekannte aktion {aktion!r}; erlaubt: {', '.join(sorted(AKTIONEN))}")
    if at.tzinfo is None:
        raise ValueError("at muss eine Zeitzone haben (z. B. datetime.now(UTC))")
    prev_id, prev_hash = head
    entry: dict[str, Any] = {
        "id": prev_id + 1,
        # Stored in UTC at microsecond precision, which both databases keep exactly.
        "at": at.astimezone(UTC),
        "akteur": akteur,
        "plan_pseudonym": plan_pseudonym,
        "aktion": aktion,
        "felder": felder_text,
        "zweck": zweck,
        "prev_hash": prev_hash,
    }
    entry["hash"] = entry_hash(**entry)
    return entry


def _felder(felder: str | Iterable[str]) -> str:
    names = [n.strip() for n in felder.split(",")] if isinstance(felder, str) else [str(n).strip() for n in felder]
    names = [n for n in names if n]
    for name in names:
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"felder: {name!r} ist kein Feldname (nur Namen, niemals Werte)")
    result = ",".join(names)
    if len(result) > FELDER_LEN:
        raise ValueError(f"felder: länger als {FELDER_LEN} Zeichen")
    return result


def _check_text(name: str, value: str, max_len: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} fehlt")
    if len(value) > max_len:
        raise ValueError(f"{name}: länger als {max_len} Zeichen")
    if any(ord(c) < 32 for c in value):
        raise ValueError(f"{name}: enthält Steuerzeichen")


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """The result of check().

    entries: how many entries verified correctly (all of them if ok; before the problem if not).
    head_id, head_hash: the last entry that verified correctly ((0, GENESIS) if none); if ok, the
    head of the chain, i.e. the anchor to publish.
    first_bad_id: the entry where the problem shows (for a cut-off tail: the first missing id).
    problem: for the operator, in German; "" if ok.
    """

    ok: bool
    entries: int
    first_bad_id: int | None
    problem: str
    head_hash: str
    head_id: int = 0

    @property
    def anchor(self) -> str:
        """head_id:head_hash, as format_anchor() writes it."""
        return format_anchor((self.head_id, self.head_hash))


def check(rows: Iterable[Any], expect: tuple[int, str] | None = None) -> Report:
    """Check a whole chain: rows with the entry's columns as attributes, in id order (the
    repository streams them). expect: an anchor (id, hash) taken earlier; the chain must still
    contain entry id with exactly that hash, which also detects a cut-off tail and a recomputed
    chain."""
    if expect is not None:
        expect = check_anchor(expect)
    prev_id, prev_hash, count = 0, GENESIS, 0

    def bad(first_bad_id: int, problem: str) -> Report:
        return Report(False, count, first_bad_id, problem, prev_hash, prev_id)

    for row in rows:
        if row.id != prev_id + 1:
            if prev_id == 0:
                return bad(row.id, f"Eintrag {row.id}: das Protokoll beginnt nicht bei Eintrag 1 (Anfang gelöscht)")
            return bad(row.id, f"Lücke in den Nummern zwischen {prev_id} und {row.id} (Eintrag gelöscht)")
        if row.prev_hash != prev_hash:
            return bad(row.id, f"Eintrag {row.id}: Vorgänger passt nicht (Eintrag gelöscht oder eingefügt)")
        computed = entry_hash(
            id=row.id, at=row.at, akteur=row.akteur, plan_pseudonym=row.plan_pseudonym, aktion=row.aktion,
            felder=row.felder, zweck=row.zweck, prev_hash=row.prev_hash,
        )
        if computed != row.hash:
            return bad(row.id, f"Eintrag {row.id}: Prüfsumme stimmt nicht (verändert)")
        if expect is not None and row.id == expect[0] and row.hash != expect[1]:
            return bad(row.id, f"Eintrag {row.id}: Prüfsumme weicht vom Anker ab (Protokoll bis hier neu berechnet)")
        prev_id, prev_hash = row.id, row.hash
        count += 1

    if expect is not None and prev_id < expect[0]:
        return bad(
            prev_id + 1,
            f"Anker-Eintrag {expect[0]} fehlt: das Protokoll endet bei Eintrag {prev_id} (Ende abgeschnitten)",
        )
    return Report(True, count, None, "", prev_hash, prev_id)


def format_anchor(anchor: tuple[int, str]) -> str:
    """"id:hash", e.g. for the operator's log or a --expect option."""
    anchor_id, anchor_hash = check_anchor(anchor)
    return f"{anchor_id}:{anchor_hash}"


def parse_anchor(value: str) -> tuple[int, str]:
    """The inverse of format_anchor(); ValueError if malformed."""
    id_text, sep, anchor_hash = value.strip().partition(":")
    if not sep or not id_text.isdigit():
        raise ValueError(f"Anker {value!r}: erwartet wird <nummer>:<sha256-hex>")
    return check_anchor((int(id_text), anchor_hash))


def check_anchor(anchor: tuple[int, str]) -> tuple[int, str]:
    """The anchor with its hash in lowercase; ValueError if it cannot be one."""
    anchor_id, anchor_hash = anchor
    anchor_hash = anchor_hash.lower()
    if anchor_id < 0 or not _HEX64.fullmatch(anchor_hash):
        raise ValueError(f"Anker {anchor!r}: erwartet wird (nummer >= 0, 64 Hex-Zeichen)")
    if anchor_id == 0 and anchor_hash != GENESIS:
        raise ValueError("Anker 0 ist das leere Protokoll; sein Hash ist GENESIS (64 Nullen)")
    return anchor_id, anchor_hash
