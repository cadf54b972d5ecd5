"""Rules of the Integrationsplan that need no database: the checks of every request, who may see a
plan and what its state allows, the plan's term, age bands, the field names the access log
records, and the Geheimhaltung of the Fallzahlen."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from pakt import geheimhaltung, texte
from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, FieldViolation, InvalidArgument, PermissionDenied
from pakt.platform.validation import Violations
from pakt.referenzdaten import gebiete

STATUS_OFFEN = "offen"
STATUS_ABGESCHLOSSEN = "abgeschlossen"
# Goals that still count as work to do (caseload, worklist).
ZIELSTATUS_OFFEN = ("ZIELSTATUS_OFFEN", "ZIELSTATUS_IN_ARBEIT")

PERSON_FIELDS = (
    "name", "geburtsdatum", "staatsangehoerigkeit", "sprachen", "haushalt", "qualifikationen", "schulbildung",
    "berufsabschluss", "entwicklung",
)
ZIEL_TEXTS = ("beschreibung", "massnahmen", "verantwortlich")
ALLE_PLAENE = "*"  # the access log's pseudonym for an action on every plan (key rotation)

KENNUNG = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
NAME_LEN, MAX_SPRACHEN, ZWECK_LEN = 200, 20, 200
KEIN_ZUGRIFF = "Kein Zugriff auf diesen Plan."

# Integrationsmanager accompany a person individually for two years (Pakt für Integration, 2017).
LAUFZEIT = timedelta(days=2 * 365)
# The first Fortschreibung of a plan opened without a date for it.
ERSTE_FORTSCHREIBUNG = timedelta(days=90)
ALTERSBAENDER = ((0, 17, "unter 18"), (18, 26, "18-26"), (27, 44, "27-44"), (45, 64, "45-64"), (65, 200, "65+"))


def laufzeit_bis(eroeffnet_am: date) -> date:
    return eroeffnet_am + LAUFZEIT


def altersband(geburtsdatum: date, am: date) -> str:
    """The age as a band: the only trace of the birth date that leaves the person's record."""
    alter = am.year - geburtsdatum.year - ((am.month, am.day) < (geburtsdatum.month, geburtsdatum.day))
    return next(label for low, high, label in ALTERSBAENDER if low <= alter <= high)


# --- a stored plan and what its state allows ------------------------------------------------------


@dataclass(frozen=True)
class Planstand:
    """What the rules need of a stored plan: its pseudonymous state."""

    id: str
    kommune_ags: str
    status: str
    version: int
    geloescht: bool = False
    einwilligung_widerrufen: bool = False

    @property
    def offen(self) -> bool:
        return self.status == STATUS_OFFEN


def responsible(stand: Planstand | None, principal: Principal) -> Planstand:
    """The plan, if the caller's Kommune is responsible for it; someone else's and an unknown one
    look alike."""
    if stand is None or stand.kommune_ags != principal.ags:
        raise PermissionDenied(KEIN_ZUGRIFF)
    return stand


def require_open(stand: Planstand) -> None:
    if not stand.offen:
        raise FailedPrecondition("Der Plan ist abgeschlossen.")


def require_personal_data(stand: Planstand) -> None:
    if stand.geloescht:
        raise FailedPrecondition("Die Personendaten dieses Plans sind gelöscht.")


def require_einwilligung(stand: Planstand) -> None:
    if stand.einwilligung_widerrufen:
        raise FailedPrecondition("Die Einwilligung ist bereits widerrufen.")


def require_other_kommune(stand: Planstand, neue_kommune_ags: str) -> None:
    if neue_kommune_ags == stand.kommune_ags:
        raise InvalidArgument([FieldViolation("neue_kommune_ags", "der Plan liegt schon bei dieser Kommune")])


def felder(plan: pb.Plan) -> list[str]:
    """The personal fields a response holds, for the access log (names only, never values)."""
    names = list(PERSON_FIELDS) if plan.HasField("person") else []
    if plan.ziele:
        names += ["ziel." + f for f in ZIEL_TEXTS]
    if plan.fortschreibungen:
        names.append("fortschreibung.notiz")
    return names


# --- the checks of the requests -----------------------------------------------------------------


class Pruefung(Violations):
    """Field checks of the case-plan requests; every violation reported at once, in German. The
    dates of a plan are personal data: a rejected one is never echoed (personal=True)."""

    def plan_id(self, value: str, field: str = "plan_id") -> None:
        self.uuid(value, field, what="Plan-ID")

    def kennung(self, value: str, field: str) -> None:
        if not KENNUNG.fullmatch(value):
            self.add(field, "Kennung aus Kleinbuchstaben, Ziffern und . _ - (höchstens 63 Zeichen)")

    def person(self, p: pb.Person, heute: date, field: str = "person") -> None:
        # The texts are never echoed: a violation must not carry the personal data it is about.
        self.text(p.name, f"{field}.name", required=True, max_len=NAME_LEN, single_line=True)
        geburt = self.datum(p.geburtsdatum, f"{field}.geburtsdatum", required=True, personal=True)
        if geburt is not None and not heute - timedelta(days=120 * 366) <= geburt <= heute:
            self.add(f"{field}.geburtsdatum", "liegt in der Zukunft oder mehr als 120 Jahre zurück")
        self.text(
            p.staatsangehoerigkeit, f"{field}.staatsangehoerigkeit", required=False, max_len=NAME_LEN, single_line=True
        )
        if len(p.sprachen) > MAX_SPRACHEN:
            self.add(f"{field}.sprachen", f"höchstens {MAX_SPRACHEN} Sprachen")
        for i, sprache in enumerate(p.sprachen[:MAX_SPRACHEN]):
            self.text(sprache, f"{field}.sprachen[{i}]", required=True, max_len=50, single_line=True)
        for name in ("haushalt", "qualifikationen", "schulbildung", "berufsabschluss", "entwicklung"):
            self.text(getattr(p, name), f"{field}.{name}", required=False)

    def ziel(self, z: pb.Ziel, field: str = "ziel") -> None:
        if z.feld == pb.ZIELFELD_UNSPECIFIED or z.feld not in pb.Zielfeld.values():
            self.add(f"{field}.feld", "fehlt oder ist unbekannt: " + ", ".join(texte.ZIELFELD.values()))
        if z.status not in pb.Zielstatus.values():
            self.add(f"{field}.status", "unbekannter Status")
        self.text(z.beschreibung, f"{field}.beschreibung", required=True)
        self.text(z.massnahmen, f"{field}.massnahmen", required=False)
        self.text(z.verantwortlich, f"{field}.verantwortlich", required=False, max_len=NAME_LEN, single_line=True)
        self.datum(z.frist, f"{field}.frist", required=False, personal=True)

    def zweck(self, value: str, field: str) -> None:
        self.text(value, field, required=True, max_len=ZWECK_LEN, single_line=True)

    def command(self, request_id: str, plan_id: str) -> None:
        """What every change of an existing plan names: its idempotency key and the plan."""
        self.request_id(request_id)
        self.plan_id(plan_id)


@dataclass(frozen=True)
class Eroeffnung:
    """The dates of a new plan, checked."""

    geburtsdatum: date
    einwilligung_erteilt_am: date
    eroeffnet_am: date
    naechste_fortschreibung: date


def check_create(r: pb.CreatePlanRequest, heute: date) -> Eroeffnung:
    v = Pruefung()
    v.request_id(r.request_id)
    v.person(r.person, heute)
    v.zweck(r.einwilligung.zweck, "einwilligung.zweck")
    erteilt = v.datum(r.einwilligung.erteilt_am, "einwilligung.erteilt_am", required=True, personal=True)
    if erteilt is not None and erteilt > heute:
        v.add("einwilligung.erteilt_am", "liegt in der Zukunft")
    if r.einwilligung.widerrufen_am:
        v.add("einwilligung.widerrufen_am", "ein Plan beginnt mit einer gültigen Einwilligung")
    if r.integrationsmanager:
        v.kennung(r.integrationsmanager, "integrationsmanager")
    eroeffnet = v.datum(r.eroeffnet_am, "eroeffnet_am", required=False, personal=True) or heute
    naechste = v.datum(r.naechste_fortschreibung, "naechste_fortschreibung", required=False, personal=True)
    v.raise_if_any()
    assert erteilt is not None  # checked above
    return Eroeffnung(
        geburtsdatum=date.fromisoformat(r.person.geburtsdatum),
        einwilligung_erteilt_am=erteilt,
        eroeffnet_am=eroeffnet,
        naechste_fortschreibung=naechste or eroeffnet + ERSTE_FORTSCHREIBUNG,
    )


def check_update_person(r: pb.UpdatePersonRequest, heute: date) -> None:
    v = Pruefung()
    v.command(r.request_id, r.plan_id)
    v.person(r.person, heute)
    v.raise_if_any()


def check_add_ziel(r: pb.AddZielRequest) -> None:
    v = Pruefung()
    v.command(r.request_id, r.plan_id)
    v.ziel(r.ziel)
    if r.ziel.id:
        v.add("ziel.id", "vergibt der Dienst")
    v.raise_if_any()


def check_update_ziel(r: pb.UpdateZielRequest) -> None:
    v = Pruefung()
    v.command(r.request_id, r.plan_id)
    v.plan_id(r.ziel.id, "ziel.id")
    v.ziel(r.ziel)
    v.raise_if_any()


def check_fortschreibung(r: pb.RecordFortschreibungRequest, heute: date) -> date:
    """The date of the next Fortschreibung, which lies in the future."""
    v = Pruefung()
    v.command(r.request_id, r.plan_id)
    v.text(r.notiz, "notiz", required=True)
    naechste = v.datum(r.naechste_am, "naechste_am", required=True, personal=True)
    if naechste is not None and naechste <= heute:
        v.add("naechste_am", "die nächste Fortschreibung liegt in der Zukunft")
    v.raise_if_any()
    assert naechste is not None  # checked above
    return naechste


def check_close(r: pb.ClosePlanRequest) -> None:
    v = Pruefung()
    v.command(r.request_id, r.plan_id)
    if r.grund == pb.ABSCHLUSSGRUND_UNSPECIFIED or r.grund not in pb.Abschlussgrund.values():
        v.add("grund", "fehlt oder ist unbekannt")
    v.raise_if_any()


def check_hand_over(r: pb.HandOverPlanRequest) -> None:
    v = Pruefung()
    v.command(r.request_id, r.plan_id)
    v.ags(r.neue_kommune_ags, "neue_kommune_ags", kind="kommune")
    v.kennung(r.neuer_integrationsmanager, "neuer_integrationsmanager")
    v.raise_if_any()


def check_withdraw(r: pb.WithdrawEinwilligungRequest) -> None:
    v = Pruefung()
    v.command(r.request_id, r.plan_id)
    v.raise_if_any()


def check_erase(r: pb.ErasePersonRequest) -> None:
    v = Pruefung()
    v.command(r.request_id, r.plan_id)
    v.zweck(r.grund, "grund")
    v.raise_if_any()


def check_get(r: pb.GetPlanRequest) -> None:
    v = Pruefung()
    v.plan_id(r.plan_id)
    v.zweck(r.zweck, "zweck")
    v.raise_if_any()


def check_export(r: pb.ExportPersonRequest) -> None:
    v = Pruefung()
    v.plan_id(r.plan_id)
    v.raise_if_any()


def check_list(r: pb.ListPlansRequest) -> None:
    v = Pruefung()
    if r.status and r.status not in pb.Planstatus.values():
        v.add("status", "unbekannter Status")
    if r.integrationsmanager:
        v.kennung(r.integrationsmanager, "integrationsmanager")
    v.raise_if_any()


def check_caseload(r: pb.GetCaseloadRequest, heute: date) -> date:
    """The Stichtag of the caseload: the one asked for, else today."""
    v = Pruefung()
    tag = v.datum(r.stichtag, "stichtag", required=False, personal=True)
    v.raise_if_any()
    return tag or heute


def check_kreis(kreis_ags: str) -> None:
    v = Violations()
    v.ags(kreis_ags, "kreis_ags", kind="kreis")
    v.raise_if_any()


# --- Fallzahlen -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fallzahl:
    kommune_ags: str
    offene_plaene: int
    suppressed: bool


def suppress_small_cells(open_plans: Mapping[str, int]) -> list[Fallzahl]:
    """One Fallzahl per Kommune with open plans, by AGS, withheld by the same rule the reporting
    service publishes its figures with (pakt.geheimhaltung: small cells and their complements,
    Land, Kreis and Kommune levels together), so no difference between the two reveals a cell."""
    je_kommune: dict[str, dict[str, int]] = defaultdict(dict)
    for ags, count in open_plans.items():
        je_kommune[gebiete().kreis_of(ags) or ags[:5]][ags] = count
    cells = geheimhaltung.fallzahlen(je_kommune).kommunen
    return [
        Fallzahl(kommune_ags=ags, offene_plaene=cell.value, suppressed=cell.suppressed)
        for kreis in cells.values()
        for ags, cell in kreis.items()
        if open_plans[ags] > 0
    ]


def fallzahlen(open_plans: Mapping[str, int], kreis_ags: str | None) -> list[Fallzahl]:
    """The Fallzahlen by AGS, optionally only the Kommunen of one Kreis. Suppressed over all
    Kreise, then filtered: a cell is withheld the same way whoever asks."""
    alle = sorted(suppress_small_cells(open_plans), key=lambda f: f.kommune_ags)
    # A Gemeinde's AGS starts with its Kreis's (checked in pakt.referenzdaten), and a Landkreis
    # that took over the task is a Kommune of its own with exactly that AGS.
    return [f for f in alle if kreis_ags is None or f.kommune_ags.startswith(kreis_ags)]
