"""Rows of the case-plan tables ↔ protobuf messages.

Personal values cross here: they are encrypted with the plan's own data key on their way into a
row and decrypted on their way out, each ciphertext bound to its table, row and field
(crypto.context), so a value copied elsewhere does not decrypt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Row

from pakt.caseplan.v1 import caseplan_pb2 as pb
from services.caseplan.crypto import FieldCipher, Keyring, blind_index, context
from services.caseplan.domain import PERSON_FIELDS, STATUS_ABGESCHLOSSEN, STATUS_OFFEN, ZIEL_TEXTS, Fallzahl, Planstand

STATUS_ENUM = {STATUS_OFFEN: pb.PLANSTATUS_OFFEN, STATUS_ABGESCHLOSSEN: pb.PLANSTATUS_ABGESCHLOSSEN}
STATUS_COLUMN = {v: k for k, v in STATUS_ENUM.items()}


def iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def planstand(row: Row) -> Planstand:
    return Planstand(
        id=row.id, kommune_ags=row.kommune_ags, status=row.status, version=row.version or 0,
        geloescht=row.geloescht_am is not None, einwilligung_widerrufen=row.einwilligung_widerrufen_am is not None,
    )


# --- into rows --------------------------------------------------------------------------------------


def person_columns(p: pb.Person, cipher: FieldCipher, plan_id: str, index_keys: Keyring) -> dict[str, Any]:
    values = {
        "name": p.name, "geburtsdatum": p.geburtsdatum, "staatsangehoerigkeit": p.staatsangehoerigkeit,
        "sprachen": json.dumps(list(p.sprachen), ensure_ascii=False), "haushalt": p.haushalt,
        "qualifikationen": p.qualifikationen, "schulbildung": p.schulbildung, "berufsabschluss": p.berufsabschluss,
        "entwicklung": p.entwicklung,
    }
    columns: dict[str, Any] = {f"{k}_enc": cipher.encrypt(v, context("person", plan_id, k)) for k, v in values.items()}
    columns["suchindex"] = blind_index(f"{p.name}|{p.geburtsdatum}", index_keys)
    return columns


def ziel_columns(z: pb.Ziel, cipher: FieldCipher, ziel_id: str) -> dict[str, Any]:
    return {
        "feld": pb.Zielfeld.Name(z.feld),
        "status": pb.Zielstatus.Name(z.status or pb.ZIELSTATUS_OFFEN),
        "frist": date.fromisoformat(z.frist) if z.frist else None,
        **{f"{f}_enc": cipher.encrypt(getattr(z, f), context("ziel", ziel_id, f)) for f in ZIEL_TEXTS},
    }


def notiz_column(notiz: str, cipher: FieldCipher, plan_id: str) -> bytes:
    return cipher.encrypt(notiz, context("fortschreibung", plan_id, "notiz"))


# --- out of rows ------------------------------------------------------------------------------------


def plan(
    row: Row, person: Row | None, ziele: Iterable[Row], fortschreibungen: Iterable[Row], cipher: FieldCipher | None
) -> pb.Plan:
    """The whole plan; cipher None once its personal data is erased: the goals and reviews then
    keep their pseudonymous facts, nothing else."""
    result = pb.Plan(
        id=row.id, kommune_ags=row.kommune_ags, integrationsmanager=row.integrationsmanager or "",
        status=STATUS_ENUM[row.status], eroeffnet_am=row.eroeffnet_am.isoformat(),
        laufzeit_bis=iso(row.laufzeit_bis), naechste_fortschreibung=iso(row.naechste_fortschreibung),
        abgeschlossen_am=iso(row.abgeschlossen_am),
        abschlussgrund=pb.Abschlussgrund.Value(row.abschlussgrund) if row.abschlussgrund else 0,
        einwilligung=pb.Einwilligung(zweck=row.einwilligung_zweck or "", erteilt_am=iso(row.einwilligung_erteilt_am),
                                     widerrufen_am=iso(row.einwilligung_widerrufen_am)),
        geloescht=row.geloescht_am is not None, version=row.version or 0,
    )
    if person is not None and cipher is not None:
        d = {f: cipher.decrypt(getattr(person, f"{f}_enc"), context("person", row.id, f)) for f in PERSON_FIELDS}
        d["sprachen"] = json.loads(d["sprachen"])
        result.person.CopyFrom(pb.Person(**d))
    for z in ziele:
        texts = {
            f: cipher.decrypt(getattr(z, f"{f}_enc"), context("ziel", z.id, f)) if cipher and getattr(z, f"{f}_enc") else ""
            for f in ZIEL_TEXTS
        }
        result.ziele.append(pb.Ziel(id=z.id, feld=pb.Zielfeld.Value(z.feld), status=pb.Zielstatus.Value(z.status),
                                    frist=iso(z.frist), **texts))
    for f in fortschreibungen:
        notiz = cipher.decrypt(f.notiz_enc, context("fortschreibung", row.id, "notiz")) if cipher and f.notiz_enc else ""
        result.fortschreibungen.append(pb.Fortschreibung(datum=f.datum.isoformat(), notiz=notiz,
                                                         naechste_am=iso(f.naechste_am), akteur=f.akteur))
    return result


def uebersicht(row: Row, offene_ziele: int) -> pb.PlanUebersicht:
    """A plan in a worklist: nothing of the person."""
    return pb.PlanUebersicht(
        id=row.id, integrationsmanager=row.integrationsmanager or "", status=STATUS_ENUM[row.status],
        eroeffnet_am=row.eroeffnet_am.isoformat(), naechste_fortschreibung=iso(row.naechste_fortschreibung),
        offene_ziele=offene_ziele,
    )


def caseload(load: Iterable[Row], reviews: Iterable[Row], deadlines: Iterable[Row]) -> pb.GetCaseloadResponse:
    """Open plans per Integrationsmanager, and overdue reviews and goal deadlines, oldest first."""
    overdue = [pb.Faelligkeit(plan_id=r.id, integrationsmanager=r.integrationsmanager or "", was="Fortschreibung",
                              faellig_am=r.naechste_fortschreibung.isoformat()) for r in reviews]
    overdue += [pb.Faelligkeit(plan_id=r.id, integrationsmanager=r.integrationsmanager or "", was=r.feld,
                               faellig_am=r.frist.isoformat()) for r in deadlines]
    return pb.GetCaseloadResponse(
        fallbelastung=[pb.Fallbelastung(integrationsmanager=im or "", offene_plaene=n) for im, n in load],
        ueberfaellig=sorted(overdue, key=lambda f: (f.faellig_am, f.plan_id)),
    )


def fallzahlen(fallzahlen: Iterable[Fallzahl]) -> pb.GetFallzahlenResponse:
    return pb.GetFallzahlenResponse(
        fallzahlen=[
            pb.Fallzahl(kommune_ags=f.kommune_ags, offene_plaene=f.offene_plaene, suppressed=f.suppressed)
            for f in fallzahlen
        ]
    )


def zugriff(row: Row) -> dict[str, str]:
    """An access log entry as the person's Auskunft shows it."""
    return {"zeitpunkt": row.at.isoformat(), "akteur": row.akteur, "aktion": row.aktion, "felder": row.felder,
            "zweck": row.zweck}
