"""Keys, callers and a synthetic person for tests of the case-plan service (no real people)."""

from __future__ import annotations

import os
import uuid

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.platform.auth import Principal
from services.caseplan.crypto import FieldCipher, Keyring

STUTTGART = "08111000"
ESSLINGEN = "08116019"
IM_STUTTGART = Principal(ags=STUTTGART, person="mueller")
IM_ESSLINGEN = Principal(ags=ESSLINGEN, person="yilmaz")
SYSTEM_STUTTGART = Principal(ags=STUTTGART)
RP = Principal(operator="sachbearbeitung")


def keyring(key_id: str = "k1", **extra: bytes) -> Keyring:
    return Keyring(keys={key_id: os.urandom(32), **extra}, active_id=key_id, index_key=os.urandom(32))


def cipher() -> FieldCipher:
    return FieldCipher(keyring())


def rid() -> str:
    return str(uuid.uuid4())


def person(**overrides) -> pb.Person:
    """A made-up person whose values are easy to search for in bytes, logs and events."""
    fields = dict(
        name="Xaverine Quellbrunn-Testperson",
        geburtsdatum="1991-04-17",
        staatsangehoerigkeit="syrisch",
        sprachen=["Arabisch", "Kurdisch", "Deutsch A2"],
        haushalt="verheiratet, zwei Kinder (4 und 7)",
        qualifikationen="Elektrikerin, 6 Jahre Berufserfahrung in Aleppo",
        schulbildung="Abitur 2009",
        berufsabschluss="Ausbildung Elektrotechnik (nicht anerkannt)",
        entwicklung="sehr motiviert, Kinderbetreuung ungeklärt",
    )
    fields.update(overrides)
    return pb.Person(**fields)


def create_request(**overrides) -> pb.CreatePlanRequest:
    fields = dict(
        request_id=rid(),
        person=person(),
        einwilligung=pb.Einwilligung(zweck="Integrationsplan nach Pakt für Integration", erteilt_am="2026-11-01"),
    )
    fields.update(overrides)
    return pb.CreatePlanRequest(**fields)


def personal_values(p: pb.Person) -> list[str]:
    """Every personal value of the person, as a test searches for it."""
    return [p.name, p.geburtsdatum, p.haushalt, p.qualifikationen, p.schulbildung, p.berufsabschluss, p.entwicklung,
            *p.sprachen[:2], "Quellbrunn"]
