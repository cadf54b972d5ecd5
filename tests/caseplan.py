"""Keys, callers, a synthetic person and the use cases on one database for tests of the case-plan
service (no real people)."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import Engine

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.platform.auth import Principal
from services.caseplan import abfragen, betrieb, betroffenenrechte, plaene
from services.caseplan.crypto import FieldCipher, Keyring
from services.caseplan.domain import Fallzahl
from services.caseplan.main import units_of_work

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


class Plaene:
    """The case-plan use cases on one database, called as the gRPC API calls them; answers
    unwrapped from their responses."""

    def __init__(self, engine: Engine, cipher: FieldCipher) -> None:
        self.engine = engine
        self.cipher = cipher
        self.units = units_of_work(engine, cipher)

    def create_plan(self, principal: Principal, r: pb.CreatePlanRequest) -> pb.Plan:
        return plaene.create_plan(self.units, principal, r).plan

    def update_person(self, principal: Principal, r: pb.UpdatePersonRequest) -> pb.Plan:
        return plaene.update_person(self.units, principal, r).plan

    def add_ziel(self, principal: Principal, r: pb.AddZielRequest) -> pb.Plan:
        return plaene.add_ziel(self.units, principal, r).plan

    def update_ziel(self, principal: Principal, r: pb.UpdateZielRequest) -> pb.Plan:
        return plaene.update_ziel(self.units, principal, r).plan

    def record_fortschreibung(self, principal: Principal, r: pb.RecordFortschreibungRequest) -> pb.Plan:
        return plaene.record_fortschreibung(self.units, principal, r).plan

    def close_plan(self, principal: Principal, r: pb.ClosePlanRequest) -> pb.Plan:
        return plaene.close_plan(self.units, principal, r).plan

    def hand_over(self, principal: Principal, r: pb.HandOverPlanRequest) -> pb.PlanUebersicht:
        return plaene.hand_over(self.units, principal, r).plan

    def withdraw_einwilligung(self, principal: Principal, r: pb.WithdrawEinwilligungRequest) -> pb.Plan:
        return plaene.withdraw_einwilligung(self.units, principal, r).plan

    def get_plan(self, principal: Principal, plan_id: str, zweck: str) -> pb.Plan:
        return abfragen.get_plan(self.units, principal, pb.GetPlanRequest(plan_id=plan_id, zweck=zweck)).plan

    def list_plans(self, principal: Principal, r: pb.ListPlansRequest) -> list[pb.PlanUebersicht]:
        return list(abfragen.list_plans(self.units, principal, r).plaene)

    def caseload(self, principal: Principal, stichtag: str) -> pb.GetCaseloadResponse:
        return abfragen.caseload(self.units, principal, pb.GetCaseloadRequest(stichtag=stichtag))

    def fallzahlen(self, kreis_ags: str | None) -> list[Fallzahl]:
        answer = abfragen.fallzahlen(self.units, RP, pb.GetFallzahlenRequest(kreis_ags=kreis_ags or ""))
        return [Fallzahl(f.kommune_ags, f.offene_plaene, f.suppressed) for f in answer.fallzahlen]

    def export_person(self, principal: Principal, plan_id: str) -> str:
        return betroffenenrechte.export_person(self.units, principal, pb.ExportPersonRequest(plan_id=plan_id)).json

    def erase_person(self, principal: Principal, r: pb.ErasePersonRequest) -> str:
        return betroffenenrechte.erase_person(self.units, principal, r).plan_id

    def rotate_keys(self, akteur: str, batch_size: int = 200) -> int:
        return betrieb.rotate_keys(self.units, akteur, batch_size)

    def erase_expired(self, aufbewahrung: betrieb.Aufbewahrung, akteur: str = "system:aufbewahrung") -> tuple[int, int]:
        return betrieb.erase_expired(self.units, aufbewahrung, akteur)
