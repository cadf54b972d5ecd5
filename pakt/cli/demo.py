"""Demo feeder: plays municipal systems and the Bewilligungsstelle, so the dashboard moves.

Gemeinden submit realistic Anträge (larger Gemeinden more often; Integrationsmanagement as
positions of 0.5 to 3 VZÄ at about 65,000 € a year each), each as itself with its credential from
the local development CA. The Bewilligungsstelle (rp:demo) checks them, now and then asks for more
information, and completes the Prüfung, after which allocation decides; approved Anträge draw
money down and get it paid out.

Now and then (about one step per three Anträge) Integrationsmanager of the largest Gemeinden
("<AGS>:im1", "<AGS>:im2") work on Integrationspläne: they open plans for made-up people
("Testperson 0042": no real person, birth dates drawn from 1960-2005), agree goals in the various
fields, mark some as reached, record reviews, and close plans. A failed call is logged with its
status code only, never with what was sent.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import grpc

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1 import antrag_pb2_grpc
from pakt.caseplan.v1 import caseplan_pb2 as cp
from pakt.caseplan.v1 import caseplan_pb2_grpc
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform.client import CallFailed, channel
from pakt.platform.settings import target as service_target
from pakt.referenzdaten import gebiete, programme

log = logging.getLogger(__name__)

# Share of Anträge per programme, and the amount range (cent) of one Antrag.
PROGRAMM_GEWICHTE = {
    "PROGRAMM_INTEGRATIONSMANAGEMENT": 0.55,
    "PROGRAMM_JUNGE_FLUECHTLINGE": 0.15,
    "PROGRAMM_SPRACHERWERB": 0.15,
    "PROGRAMM_EHRENAMT": 0.15,
}
VZAE_KOSTEN_CENT = 6_500_000
KLEINPROGRAMM_BETRAG_CENT = (200_000, 3_000_000)
LIGA = ["Caritasverband", "Diakonisches Werk", "AWO Kreisverband", "DRK-Kreisverband", "Der Paritätische"]
QUALIFIKATIONEN = [
    pb.QUALIFIKATION_HOCHSCHULABSCHLUSS_SOZIALWESEN,
    pb.QUALIFIKATION_ANDERER_GEEIGNETER_STUDIENGANG,
    pb.QUALIFIKATION_BERUFSAUSBILDUNG_MIT_ERFAHRUNGSWISSEN,
]
OPERATOR = "rp:demo"
CALL_TIMEOUT_S = 10


def antrag(rng: random.Random) -> pb.SubmitAntragRequest:
    gemeinden = list(gebiete().gemeinden.values())
    gemeinde = rng.choices(gemeinden, weights=[g.population for g in gemeinden])[0]
    programm = rng.choices(list(PROGRAMM_GEWICHTE), weights=list(PROGRAMM_GEWICHTE.values()))[0]
    jahr = rng.choice(programme()[programm].foerderjahre)
    stellen = []
    if programm == "PROGRAMM_INTEGRATIONSMANAGEMENT":
        hundertstel = int(rng.choice([0.5, 1, 1, 1.5, 2, 3]) * 100)
        betrag = hundertstel * VZAE_KOSTEN_CENT // 100
        while hundertstel > 0:
            stellen.append(pb.Stelle(vzae_hundertstel=min(100, hundertstel), qualifikation=rng.choice(QUALIFIKATIONEN)))
            hundertstel -= 100
    else:
        low, high = KLEINPROGRAMM_BETRAG_CENT
        betrag = rng.randrange(low, high, 10_000)
    dritte = rng.random() < 0.4
    return pb.SubmitAntragRequest(
        request_id=str(uuid.uuid4()),
        antragsteller_ags=gemeinde.ags,
        programm=Programm.Value(programm),
        foerderjahr=jahr,
        betrag_cent=betrag,
        beginn=date(jahr, rng.choice([1, 4, 7]), 1).isoformat(),
        ende=date(jahr, 12, 31).isoformat(),
        stellen=stellen,
        traegerschaft=pb.TRAEGERSCHAFT_DRITTE if dritte else pb.TRAEGERSCHAFT_EIGENREGIE,
        traeger_name=f"{rng.choice(LIGA)} {gemeinde.name.split(',')[0]}" if dritte else "",
        ansprechperson=pb.Ansprechperson(name="Integrationsbeauftragte", email=f"integration@{gemeinde.ags}.kommune.example"),
        begruendung=f"Begleitung Geflüchteter in der Anschlussunterbringung in {gemeinde.name}.",
    )


class Feeder:
    def __init__(self, target: str, rng: random.Random) -> None:
        self.target = target
        self.rng = rng
        self.operator = antrag_pb2_grpc.AntragServiceStub(channel(target, OPERATOR))
        # Approved or pending Anträge to follow up: (id, applicant AGS).
        self.open: deque[tuple[str, str]] = deque(maxlen=200)

    def as_kommune(self, ags: str, method: str, request):
        # A channel carries one caller's credential: one per Gemeinde call.
        with channel(self.target, ags) as ch:
            return getattr(antrag_pb2_grpc.AntragServiceStub(ch), method)(request, timeout=CALL_TIMEOUT_S, wait_for_ready=True)

    def as_rp(self, method: str, request):
        return getattr(self.operator, method)(request, timeout=CALL_TIMEOUT_S, wait_for_ready=True)

    def submit_and_check(self) -> None:
        request = antrag(self.rng)
        a = self.as_kommune(request.antragsteller_ags, "SubmitAntrag", request).antrag
        self.as_rp("BeginPruefung", pb.BeginPruefungRequest(request_id=str(uuid.uuid4()), antrag_id=a.id))
        if self.rng.random() < 0.1:
            frist = datetime.now(UTC).date().isoformat()
            self.as_rp("RequestNachforderung", pb.RequestNachforderungRequest(
                request_id=str(uuid.uuid4()), antrag_id=a.id, text="Bitte Stellenplan nachreichen.", frist=frist
            ))
            self.as_kommune(a.antragsteller_ags, "AnswerNachforderung", pb.AnswerNachforderungRequest(
                request_id=str(uuid.uuid4()), antrag_id=a.id, antwort="Stellenplan liegt bei."
            ))
        self.as_rp("CompletePruefung", pb.CompletePruefungRequest(request_id=str(uuid.uuid4()), antrag_id=a.id))
        self.open.append((a.id, a.antragsteller_ags))

    def draw_down_one(self) -> None:
        """Follow up an earlier Antrag: once approved, draw part of it and pay it out."""
        if not self.open:
            return
        antrag_id, ags = self.open.popleft()
        a = self.as_rp("GetAntrag", pb.GetAntragRequest(id=antrag_id)).antrag
        if a.status == pb.ANTRAG_STATUS_ENTSCHEIDUNGSREIF:
            self.open.append((antrag_id, ags))  # not decided yet: look again later
            return
        frei = a.bewilligt_cent - a.abgerufen_cent
        if a.status not in (pb.ANTRAG_STATUS_BEWILLIGT, pb.ANTRAG_STATUS_TEILWEISE_BEWILLIGT) or frei <= 0:
            return
        abruf = self.as_kommune(ags, "RequestMittelabruf", pb.RequestMittelabrufRequest(
            request_id=str(uuid.uuid4()), antrag_id=antrag_id, betrag_cent=max(1, frei // self.rng.choice([1, 2, 4]))
        )).mittelabruf
        self.as_rp("ConfirmAuszahlung", pb.ConfirmAuszahlungRequest(
            request_id=str(uuid.uuid4()), antrag_id=antrag_id, mittelabruf_id=abruf.id
        ))


# -- Integrationspläne -------------------------------------------------------------------------------

# Integrationsmanager work in the largest Gemeinden, this many each, as "<AGS>:im1", "<AGS>:im2" ….
IM_GEMEINDEN = 8
IM_JE_GEMEINDE = 2
# About one case-plan step per this many Anträge.
CASEPLAN_SHARE = 1 / 3
# Below this many open plans of its own, the demo opens new ones rather than working on old ones.
MIN_OFFENE_PLAENE = 12
MAX_OFFENE_PLAENE = 300
MAX_OFFENE_ZIELE = 4
EINWILLIGUNG = "Integrationsplan und Beratung nach Pakt für Integration"
SPRACHEN = [
    "Arabisch", "Dari", "Paschtu", "Kurdisch", "Tigrinya", "Ukrainisch", "Russisch", "Türkisch", "Farsi",
    "Somali", "Englisch", "Französisch",
]
STAATSANGEHOERIGKEITEN = ["syrisch", "afghanisch", "irakisch", "eritreisch", "ukrainisch", "türkisch", "iranisch", "somalisch"]
HAUSHALTE = ["alleinstehend", "verheiratet, ein Kind", "verheiratet, zwei Kinder", "alleinerziehend, drei Kinder", "mit Eltern und Geschwistern"]
DEUTSCH = ["Deutsch A1", "Deutsch A2", "Deutsch B1", "keine Deutschkenntnisse"]
# Goals per field: (Beschreibung, Maßnahmen, verantwortlich).
ZIELE = {
    cp.ZIELFELD_SPRACHE: [
        ("Deutsch B1 erreichen", "Integrationskurs mit Abschlussprüfung (DTZ)", "Sprachkursträger"),
        ("Berufssprachkurs B2 abschließen", "Anmeldung über das Jobcenter", "Jobcenter"),
    ],
    cp.ZIELFELD_ARBEIT: [
        ("Ausbildungsplatz finden", "Bewerbungstraining, Praktikum", "Agentur für Arbeit"),
        ("Sozialversicherungspflichtige Beschäftigung aufnehmen", "Vermittlung, Bewerbungsunterlagen", "Jobcenter"),
    ],
    cp.ZIELFELD_ANERKENNUNG: [
        ("Berufsabschluss anerkennen lassen", "Antrag bei der zuständigen Kammer, Übersetzung der Zeugnisse", "Person selbst"),
    ],
    cp.ZIELFELD_WOHNEN: [
        ("Eigene Wohnung finden", "Wohnungssuche, Wohnberechtigungsschein", "Integrationsmanager"),
    ],
    cp.ZIELFELD_SCHULE_BILDUNG: [
        ("Schulabschluss nachholen", "Anmeldung an der Volkshochschule", "Person selbst"),
        ("Kita-Platz für die Kinder", "Anmeldung beim Jugendamt", "Integrationsmanager"),
    ],
    cp.ZIELFELD_SONSTIGES: [
        ("Führerschein erwerben", "Fahrschule, Finanzierung klären", "Person selbst"),
        ("Anschluss an einen Sportverein", "Kontakt zum Ehrenamtskreis", "Ehrenamtskreis"),
    ],
}
NOTIZEN = [
    "Beratungsgespräch geführt, Kurs läuft planmäßig.",
    "Termin beim Jobcenter vorbereitet.",
    "Unterlagen für die Anerkennung vollständig.",
    "Wohnungssuche weiterhin schwierig.",
    "Gespräch mit Dolmetscher geführt, nächste Schritte vereinbart.",
]
ABSCHLUSSGRUENDE = [
    cp.ABSCHLUSSGRUND_FOERDERENDE, cp.ABSCHLUSSGRUND_KEIN_KONTAKT, cp.ABSCHLUSSGRUND_WEGZUG, cp.ABSCHLUSSGRUND_SONSTIGES,
]


@dataclass
class DemoPlan:
    identity: str
    # Goals not yet reached or abandoned, by id, with their field.
    ziele: dict[str, int] = field(default_factory=dict)
    erreicht: int = 0


def synthetic_person(rng: random.Random) -> cp.Person:
    """A made-up person: the name says it is a test record; nothing refers to anyone real."""
    geburt = date(1960, 1, 1) + timedelta(days=rng.randrange((date(2005, 12, 31) - date(1960, 1, 1)).days + 1))
    return cp.Person(
        name=f"Testperson {rng.randrange(10_000):04d}",
        geburtsdatum=geburt.isoformat(),
        staatsangehoerigkeit=rng.choice(STAATSANGEHOERIGKEITEN),
        sprachen=[*rng.sample(SPRACHEN, rng.choice([1, 1, 2, 3])), rng.choice(DEUTSCH)],
        haushalt=rng.choice(HAUSHALTE),
        qualifikationen=rng.choice(["", "Berufserfahrung im Handwerk", "Berufserfahrung in der Pflege", "Studium begonnen"]),
        schulbildung=rng.choice(["", "8 Jahre Schule", "Abitur im Herkunftsland", "keine"]),
        berufsabschluss=rng.choice(["", "keiner", "Ausbildung (nicht anerkannt)"]),
        entwicklung="Testdaten der Demo",
    )


def im_identities() -> list[tuple[str, int]]:
    """The demo's Integrationsmanager, "<AGS>:im1", "<AGS>:im2" … of the most populous Gemeinden,
    each with the population of its Gemeinde (larger ones open more plans)."""
    largest = sorted(gebiete().gemeinden.values(), key=lambda g: (-g.population, g.ags))[:IM_GEMEINDEN]
    return [(f"{g.ags}:im{n}", g.population) for g in largest for n in range(1, IM_JE_GEMEINDE + 1)]


class CasePlanFeeder:
    """Integrationsmanager of the largest Gemeinden at work on their plans, one step at a time."""

    def __init__(self, target: str, rng: random.Random) -> None:
        self.target = target
        self.rng = rng
        self.identities, self.weights = (list(t) for t in zip(*im_identities(), strict=True))
        self.plans: dict[str, DemoPlan] = {}
        self.stubs: dict[str, caseplan_pb2_grpc.CasePlanServiceStub] = {}

    def call(self, identity: str, method: str, request):
        # One channel per Integrationsmanager (a channel carries one caller's credential); a handful.
        stub = self.stubs.get(identity)
        if stub is None:
            stub = self.stubs[identity] = caseplan_pb2_grpc.CasePlanServiceStub(channel(self.target, identity))
        return getattr(stub, method)(request, timeout=CALL_TIMEOUT_S, wait_for_ready=True)

    def step(self) -> str:
        """One action of one Integrationsmanager; returns its name (for the log, never data)."""
        r = self.rng.random()
        if len(self.plans) < MIN_OFFENE_PLAENE or (r < 0.3 and len(self.plans) < MAX_OFFENE_PLAENE):
            return self.open_plan()
        plan_id = self.rng.choice(list(self.plans))
        plan = self.plans[plan_id]
        try:
            if r < 0.3:  # as many plans as the demo keeps: one ends instead
                return self.close(plan_id, plan)
            if r < 0.7:
                # Agree a goal, or record progress on one: a plan has a few goals at a time.
                if plan.ziele and (r >= 0.55 or len(plan.ziele) >= MAX_OFFENE_ZIELE):
                    return self.update_goal(plan_id, plan)
                return self.agree_goal(plan_id, plan)
            if r < 0.9:
                return self.review(plan_id, plan)
            return self.close(plan_id, plan)
        except grpc.RpcError as err:
            if err.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.FAILED_PRECONDITION):
                self.plans.pop(plan_id, None)  # closed or handed over meanwhile: no longer ours to work on
            raise

    def open_plan(self) -> str:
        identity = self.rng.choices(self.identities, weights=self.weights)[0]
        heute = datetime.now(UTC).date()
        plan = self.call(identity, "CreatePlan", cp.CreatePlanRequest(
            request_id=str(uuid.uuid4()), person=synthetic_person(self.rng),
            einwilligung=cp.Einwilligung(zweck=EINWILLIGUNG, erteilt_am=heute.isoformat()),
        )).plan
        self.plans[plan.id] = DemoPlan(identity)
        return "CreatePlan"

    def agree_goal(self, plan_id: str, plan: DemoPlan) -> str:
        feld = self.rng.choice(list(ZIELE))
        beschreibung, massnahmen, verantwortlich = self.rng.choice(ZIELE[feld])
        frist = datetime.now(UTC).date() + timedelta(days=self.rng.randrange(30, 366))
        reply = self.call(plan.identity, "AddZiel", cp.AddZielRequest(
            request_id=str(uuid.uuid4()), plan_id=plan_id, ziel=cp.Ziel(
                feld=feld, beschreibung=beschreibung, massnahmen=massnahmen, verantwortlich=verantwortlich,
                frist=frist.isoformat(),
            ),
        )).plan
        z = reply.ziele[-1]
        plan.ziele[z.id] = z.feld
        return "AddZiel"

    def update_goal(self, plan_id: str, plan: DemoPlan) -> str:
        # Read in the counselling session, then record progress on one goal.
        current = self.call(plan.identity, "GetPlan", cp.GetPlanRequest(plan_id=plan_id, zweck="Beratungsgespräch")).plan
        open_goals = [z for z in current.ziele if z.id in plan.ziele]
        if not open_goals:
            plan.ziele.clear()
            return "GetPlan"
        ziel = cp.Ziel()
        ziel.CopyFrom(self.rng.choice(open_goals))
        ziel.status = self.rng.choices(
            [cp.ZIELSTATUS_ERREICHT, cp.ZIELSTATUS_IN_ARBEIT, cp.ZIELSTATUS_ABGEBROCHEN], weights=[0.55, 0.35, 0.1]
        )[0]
        self.call(plan.identity, "UpdateZiel", cp.UpdateZielRequest(request_id=str(uuid.uuid4()), plan_id=plan_id, ziel=ziel))
        if ziel.status in (cp.ZIELSTATUS_ERREICHT, cp.ZIELSTATUS_ABGEBROCHEN):
            del plan.ziele[ziel.id]
            plan.erreicht += ziel.status == cp.ZIELSTATUS_ERREICHT
        return "UpdateZiel"

    def review(self, plan_id: str, plan: DemoPlan) -> str:
        naechste = datetime.now(UTC).date() + timedelta(days=self.rng.randrange(30, 121))
        self.call(plan.identity, "RecordFortschreibung", cp.RecordFortschreibungRequest(
            request_id=str(uuid.uuid4()), plan_id=plan_id, notiz=self.rng.choice(NOTIZEN), naechste_am=naechste.isoformat(),
        ))
        return "RecordFortschreibung"

    def close(self, plan_id: str, plan: DemoPlan) -> str:
        grund = cp.ABSCHLUSSGRUND_ZIELE_ERREICHT if plan.erreicht and not plan.ziele else self.rng.choice(ABSCHLUSSGRUENDE)
        self.call(plan.identity, "ClosePlan", cp.ClosePlanRequest(request_id=str(uuid.uuid4()), plan_id=plan_id, grund=grund))
        del self.plans[plan_id]
        return "ClosePlan"


def run(
    target: str, rate_per_s: float, count: int | None = None, seed: int | None = None, caseplan_target: str | None = None
) -> int:
    """Submit Anträge at about rate_per_s until count is reached (None: until interrupted), and
    now and then let an Integrationsmanager work on Integrationspläne (at caseplan_target,
    default: PAKT_CASEPLAN_TARGET or the local port)."""
    rng = random.Random(seed)
    feeder = Feeder(target, rng)
    caseplan = CasePlanFeeder(caseplan_target or service_target("caseplan"), rng)
    sent = 0
    while count is None or sent < count:
        try:
            feeder.submit_and_check()
            sent += 1
            if rng.random() < 0.5:
                feeder.draw_down_one()
        except grpc.RpcError as err:
            log.warning("demo step failed", extra={"code": err.code().name, "details": err.details()})
        if rng.random() < CASEPLAN_SHARE:
            caseplan_step(caseplan)
        time.sleep(rng.expovariate(rate_per_s))
    return sent


def caseplan_step(caseplan: CasePlanFeeder) -> None:
    """One case-plan step; a failure is logged by status code only: the request holds personal data."""
    try:
        caseplan.step()
    except grpc.RpcError as err:
        log.warning("demo caseplan step failed", extra={"code": err.code().name})
    except CallFailed:
        log.warning("demo caseplan step failed", extra={"code": "NO_CREDENTIAL"})
