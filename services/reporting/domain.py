"""The rules of the read model, without a database: which event is newer than what the read model
holds, where an Integrationsplan is counted, which questions are valid, and the figures' rows
(Integrationsmanagement under statistical confidentiality, pakt/geheimhaltung.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from pakt import geheimhaltung, texte
from pakt.antrag.v1.antrag_pb2 import AntragStatus
from pakt.caseplan.v1.caseplan_pb2 import Planstatus, Zielfeld, Zielstatus
from pakt.geheimhaltung import Zelle, ZielfeldZellen
from pakt.platform.validation import Violations
from pakt.referenzdaten import gebiete, programme
from pakt.reporting.v1.reporting_pb2 import Gliederung

WITHDRAWN = AntragStatus.Name(AntragStatus.ANTRAG_STATUS_ZURUECKGEZOGEN)
PLAN_OFFEN = Planstatus.Name(Planstatus.PLANSTATUS_OFFEN)
PLAN_ABGESCHLOSSEN = Planstatus.Name(Planstatus.PLANSTATUS_ABGESCHLOSSEN)
ZIEL_ERREICHT = Zielstatus.Name(Zielstatus.ZIELSTATUS_ERREICHT)

# What a handler tells the consumer's metrics.
APPLIED, STALE, IGNORED = "applied", "stale", "ignored"

# Who may compare, empty and rebuild the read model.
NUR_BEWILLIGUNGSSTELLE = "Abgleich und Neuaufbau sind der Bewilligungsstelle (RP Stuttgart) vorbehalten."

LANDKREIS, PROGRAMM, KOMMUNE = Gliederung.GLIEDERUNG_LANDKREIS, Gliederung.GLIEDERUNG_PROGRAMM, Gliederung.GLIEDERUNG_KOMMUNE


# -- applying events ------------------------------------------------------------------------------


def neuer(current: int | None, version: int) -> bool:
    """Whether an event at this aggregate version changes a row that is at `current` (None: no row
    yet). Versions only grow at the producer, so an older or repeated event changes nothing: the
    read model is the same however often and in whatever order the events arrive."""
    return current is None or version > current


def erzeuger(producer: str) -> str:
    """The producer an event is counted under (how a rebuild measures its progress)."""
    return producer or "unbekannt"


@dataclass(frozen=True)
class Faltung:
    """A batch of whole-aggregate events folded at once (falte_staende)."""

    angewandt: list[bool]  # per event, in the batch's order: whether it changes the read model
    zu_schreiben: dict[str, int]  # per aggregate changed: the index of the event whose state is written


def falte_staende(im_lesemodell: Mapping[str, int | None], ereignisse: Sequence[tuple[str, int]]) -> Faltung:
    """Events that each carry their whole aggregate at its version (the Anträge), in a batch's
    order as (aggregate, version), against the versions the read model holds (None: no row).

    An event counts as applied exactly when it would, applied one by one: its version is newer than
    the read model's and than every event of its aggregate before it in the batch. Each aggregate
    is then at the state of its newest applied event, so only that one needs writing."""
    stand = dict(im_lesemodell)
    angewandt = []
    zu_schreiben: dict[str, int] = {}
    for i, (key, version) in enumerate(ereignisse):
        neu = neuer(stand.get(key), version)
        angewandt.append(neu)
        if neu:
            stand[key] = version
            zu_schreiben[key] = i
    return Faltung(angewandt, zu_schreiben)


@dataclass
class Zaehlung:
    """The counters of a batch, summed so that they are written once: events processed per
    producer, events applied and when the newest of them happened. The sums are what counting
    each event on its own gives."""

    verarbeitet: Counter[str] = field(default_factory=Counter)
    angewandt: int = 0
    neuestes_ereignis_at: datetime | None = None

    def verarbeitet_von(self, producer: str) -> None:
        self.verarbeitet[erzeuger(producer)] += 1

    def angewandt_am(self, occurred_at: datetime, anzahl: int = 1) -> None:
        """More events changed the read model; the newest of them happened at occurred_at."""
        self.angewandt += anzahl
        if self.neuestes_ereignis_at is None or occurred_at > self.neuestes_ereignis_at:
            self.neuestes_ereignis_at = occurred_at


@dataclass(frozen=True)
class Plan:
    """An Integrationsplan in the read model: nothing personal, only where it is counted."""

    version: int
    kommune_ags: str
    kreis_ags: str
    status: str


def plan_nach(current: Plan | None, kommune_ags: str, version: int, abgeschlossen: bool) -> Plan | None:
    """The plan after one of its events, or None if the event changes nothing. Every event of a
    plan names its Kommune as it was then (a handover: the new one), so the newest event decides
    where the plan is counted; closing is final, whenever its event arrives."""
    status = PLAN_ABGESCHLOSSEN if abgeschlossen else PLAN_OFFEN
    if current is None:
        return Plan(version, kommune_ags, kreis(kommune_ags), status)
    plan = current
    if version > current.version:
        plan = replace(plan, version=version)
        if kommune_ags != current.kommune_ags:
            plan = replace(plan, kommune_ags=kommune_ags, kreis_ags=kreis(kommune_ags))
    if abgeschlossen:
        plan = replace(plan, status=PLAN_ABGESCHLOSSEN)
    return None if plan == current else plan


def kreis(kommune_ags: str) -> str:
    """The Kreis of a Gemeinde or Kreis; for a key the reference data does not know, its first five
    digits (an event of a newer producer is counted, not dropped)."""
    return gebiete().kreis_of(kommune_ags) or kommune_ags[:5]


def name(ags: str) -> str:
    g = gebiete()
    if ags in g.kreise:
        return g.kreise[ags].bezeichnung
    if ags in g.gemeinden:
        return g.gemeinden[ags].name
    return ags


# -- the questions and their figures --------------------------------------------------------------


def pruefe_auslastung(by: int, foerderjahr: int) -> None:
    jahre = {j for p in programme().values() for j in p.foerderjahre}
    v = Violations()
    if by not in (LANDKREIS, PROGRAMM):
        v.add("by", "Gliederung fehlt: LANDKREIS oder PROGRAMM")
    if foerderjahr and foerderjahr not in jahre:
        v.add("foerderjahr", f"{foerderjahr} ist kein Förderjahr (möglich: {sorted(jahre)})")
    v.raise_if_any()


def pruefe_integrationsmanagement(by: int, kreis_ags: str) -> None:
    v = Violations()
    if by not in (LANDKREIS, KOMMUNE):
        v.add("by", "Gliederung fehlt: LANDKREIS oder KOMMUNE")
    elif by == KOMMUNE:
        v.ags(kreis_ags, "kreis_ags", kind="kreis")
    elif kreis_ags:
        v.add("kreis_ags", "nur mit Gliederung KOMMUNE")
    v.raise_if_any()


@dataclass(frozen=True)
class Zeile:
    key: str
    name: str
    planungsrahmen_cent: int
    beantragt_cent: int
    bewilligt_cent: int
    ausgezahlt_cent: int
    antraege: int


@dataclass(frozen=True)
class Antragssummen:
    """The Anträge of one row: beantragt and antraege count the ones not withdrawn; bewilligt is
    what stays committed (bewilligt - freigegeben: the Verwendungsnachweis releases the rest)."""

    beantragt_cent: int = 0
    bewilligt_cent: int = 0
    ausgezahlt_cent: int = 0
    antraege: int = 0


def auslastung(by: int, rahmen: Mapping[str, int], antraege: Mapping[str, Antragssummen]) -> list[Zeile]:
    """A row for every Kreis or programme, zeros included, in the reference data's order."""
    if by == LANDKREIS:
        names = {ags: k.bezeichnung for ags, k in sorted(gebiete().kreise.items())}
    else:
        names = {key: p.name for key, p in programme().items()}
    rows = []
    for key, bezeichnung in names.items():
        s = antraege.get(key, Antragssummen())
        rows.append(
            Zeile(key, bezeichnung, rahmen.get(key, 0), s.beantragt_cent, s.bewilligt_cent, s.ausgezahlt_cent, s.antraege)
        )
    return rows


@dataclass(frozen=True)
class FaelleZeile:
    key: str
    name: str
    offene_plaene: Zelle


@dataclass(frozen=True)
class ZielfeldZeile:
    feld: int
    name: str
    zellen: ZielfeldZellen


@dataclass(frozen=True)
class Integrationsmanagement:
    rows: list[FaelleZeile]
    offene_plaene_gesamt: Zelle
    zielfelder: list[ZielfeldZeile]


_KEINE_ZIELE = geheimhaltung.ZieleImFeld(0, 0, 0, 0, 0)


def integrationsmanagement(
    by: int,
    kreis_ags: str,
    offen: Iterable[tuple[str, str, int]],
    ziele: Mapping[str, geheimhaltung.ZieleImFeld],
) -> Integrationsmanagement:
    """Open plans per Kreis (LANDKREIS) or per Kommune of one Kreis (KOMMUNE), and goals per field
    Land-wide (LANDKREIS only), with no published count describing fewer than 5 people.
    offen: (Kreis, Kommune, open plans); ziele: per Zielfeld name."""
    kreise = gebiete().kreise
    # Every Kreis and Kommune, zeros included, and whatever else the events name: the rows of
    # each level must add up to the level above, or a withheld cell could be recovered.
    je_kommune: dict[str, dict[str, int]] = {ags: {} for ags in kreise}
    for g in gebiete().gemeinden.values():
        je_kommune[g.kreis_ags][g.ags] = 0
    for ags, k in kreise.items():
        if k.typ == "Landkreis":
            je_kommune[ags][ags] = 0  # a Landkreis running Integrationsmanagement for its Gemeinden
    for kreis_key, kommune, anzahl in offen:
        je_kommune.setdefault(kreis_key, {})[kommune] = int(anzahl)
    figures = geheimhaltung.fallzahlen(je_kommune)
    if by == LANDKREIS:
        return Integrationsmanagement(
            rows=[FaelleZeile(ags, name(ags), zelle) for ags, zelle in sorted(figures.kreise.items())],
            offene_plaene_gesamt=figures.land,
            zielfelder=[
                ZielfeldZeile(feld, bezeichnung, geheimhaltung.zielfeld(ziele.get(Zielfeld.Name(feld), _KEINE_ZIELE)))
                for feld, bezeichnung in texte.ZIELFELD.items()
            ],
        )
    rows = [FaelleZeile(ags, name(ags), zelle) for ags, zelle in sorted(figures.kommunen[kreis_ags].items())]
    return Integrationsmanagement(rows=rows, offene_plaene_gesamt=figures.kreise[kreis_ags], zielfelder=[])
