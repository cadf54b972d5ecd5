"""Reconciliation of the services' records, as `pakt abgleich` runs it: pure comparison, no I/O.

Each service's database is the system of record for its part: antrag for the Anträge (status,
Bescheid applied, money paid out and settled), allocation for the Bescheide (money committed and
released), reporting keeps a read model built from both services' events. Given the three
listings, `vergleiche` finds where they disagree:

(a) every Antrag whose Prüfung was completed has exactly one Bescheid in allocation;
(b) every Bescheid in allocation is applied in antrag (the Antrag's bescheid_id and
    bewilligt_cent are the Bescheid's);
(c) per Kommune (the applicant), programme and year, Σ bewilligt, Σ ausgezahlt and Σ freigegeben
    agree between antrag, allocation (bewilligt and freigegeben; it knows no payouts) and reporting;
(d) reporting has every Antrag at antrag's version (and nothing antrag does not have).

Each finding says in German what is wrong and which owner could repair it by publishing the
affected aggregate's events again: antrag (a missing Entscheidung, reporting behind, a release
allocation did not get) or allocation (a Bescheid antrag did not apply). Consumers are
idempotent, so asking for too much does no harm. What republishing cannot repair is reported for a
person to look at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pakt import texte
from pakt.geld import euro

# Statuses of an Antrag whose Prüfung was completed: allocation must have decided it.
NACH_PRUEFUNG = frozenset(
    {
        "ANTRAG_STATUS_ENTSCHEIDUNGSREIF",
        "ANTRAG_STATUS_BEWILLIGT",
        "ANTRAG_STATUS_TEILWEISE_BEWILLIGT",
        "ANTRAG_STATUS_ABGELEHNT",
        "ANTRAG_STATUS_ABGESCHLOSSEN",
    }
)
WARTET_AUF_BESCHEID = "ANTRAG_STATUS_ENTSCHEIDUNGSREIF"

# The kinds of finding, with how `pakt abgleich` names them.
ARTEN = {
    "bescheid_fehlt": "Prüfung abgeschlossen, aber kein Bescheid in allocation",
    "bescheid_mehrfach": "mehr als ein Bescheid in allocation",
    "bescheid_nicht_angewendet": "Bescheid in antrag nicht angewendet",
    "bescheid_abweichend": "Bescheid in antrag anders als in allocation",
    "bescheid_ohne_antrag": "Bescheid zu einem Antrag, den antrag nicht kennt",
    "freigabe_fehlt": "Freigabe nach dem Verwendungsnachweis fehlt in allocation",
    "reporting_fehlt": "Antrag fehlt in reporting",
    "reporting_zurueck": "reporting auf älterem Stand",
    "reporting_voraus": "reporting auf neuerem Stand als antrag",
    "reporting_abweichend": "reporting mit anderen Beträgen bei gleichem Stand",
    "reporting_ohne_antrag": "Antrag in reporting, den antrag nicht kennt",
    "summe": "Summen je Kommune, Programm und Jahr weichen ab",
}


@dataclass(frozen=True)
class AntragGeld:
    """An Antrag as antrag, the system of record, has it (ListGeldstaende)."""

    antrag_id: str
    antragsteller_ags: str
    programm: str  # enum name, e.g. PROGRAMM_SPRACHERWERB
    foerderjahr: int
    status: str  # enum name, e.g. ANTRAG_STATUS_BEWILLIGT
    version: int
    bescheid_id: str  # empty until a Bescheid is applied
    bewilligt_cent: int
    ausgezahlt_cent: int
    freigegeben_cent: int
    rueckforderung_cent: int


@dataclass(frozen=True)
class BescheidGeld:
    """A Bescheid as allocation, the system of record for money committed, has it (ListBescheide)."""

    bescheid_id: str
    antrag_id: str
    kommune_ags: str
    programm: str
    foerderjahr: int
    entscheidung: str
    bewilligt_cent: int
    freigegeben_cent: int


@dataclass(frozen=True)
class ReportingGeld:
    """An Antrag as reporting's read model has it (ListAntragStaende)."""

    antrag_id: str
    version: int
    antragsteller_ags: str
    programm: str
    foerderjahr: int
    status: str
    bewilligt_cent: int
    ausgezahlt_cent: int
    freigegeben_cent: int
    rueckforderung_cent: int


@dataclass(frozen=True)
class Befund:
    """One disagreement. schluessel identifies it across checks (kind and what it concerns); the
    repair lists the Anträge whose events antrag or allocation should publish again (none: it
    needs a person)."""

    art: str
    schluessel: str
    text: str
    antrag_nachsenden: tuple[str, ...] = ()
    allocation_nachsenden: tuple[str, ...] = ()

    @property
    def reparierbar(self) -> bool:
        return bool(self.antrag_nachsenden or self.allocation_nachsenden)


@dataclass(frozen=True)
class Reparatur:
    """Whom to ask to publish which Anträge' events again."""

    antrag: tuple[str, ...] = ()
    allocation: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.antrag or self.allocation)


@dataclass
class _Summen:
    bewilligt: int = 0
    ausgezahlt: int = 0
    freigegeben: int = 0
    antraege: set[str] = field(default_factory=set)


def vergleiche(
    antraege: Iterable[AntragGeld], bescheide: Iterable[BescheidGeld], reporting: Iterable[ReportingGeld]
) -> list[Befund]:
    """Every disagreement between the three listings, per Antrag first, then the sums; in a stable
    order (kind, then what it concerns)."""
    antraege = {a.antrag_id: a for a in antraege}
    bescheide = list(bescheide)
    reporting = {r.antrag_id: r for r in reporting}
    je_antrag: dict[str, list[BescheidGeld]] = defaultdict(list)
    for b in bescheide:
        je_antrag[b.antrag_id].append(b)
    befunde: list[Befund] = []
    befunde += _entscheidungen(antraege, je_antrag)
    befunde += _anwendung(antraege, bescheide)
    befunde += _freigaben(antraege, je_antrag)
    befunde += _reporting(antraege, reporting)
    befunde += _summen(antraege, bescheide, reporting)
    return sorted(befunde, key=lambda b: (list(ARTEN).index(b.art), b.schluessel))


def reporting_rueckstand(antraege: Iterable[AntragGeld], reporting: Iterable[ReportingGeld]) -> list[Befund]:
    """(d) alone, as a rebuild waits for it: the Anträge reporting lacks or has at an older
    version than antrag."""
    befunde = _reporting({a.antrag_id: a for a in antraege}, {r.antrag_id: r for r in reporting})
    return [b for b in befunde if b.art in ("reporting_fehlt", "reporting_zurueck")]


def reparatur(befunde: Iterable[Befund]) -> Reparatur:
    """What to ask the owners for, over all findings: each Antrag once per owner."""
    antrag, allocation = set(), set()
    for b in befunde:
        antrag.update(b.antrag_nachsenden)
        allocation.update(b.allocation_nachsenden)
    return Reparatur(tuple(sorted(antrag)), tuple(sorted(allocation)))


def verbleibend(vorher: Iterable[Befund], jetzt: Iterable[Befund]) -> list[Befund]:
    """The findings of an earlier check that a later one still finds (as it now describes them).

    Findings that are new in the later check are not among them: on a running system an Antrag
    can be on its way between two services at any moment, and the next run looks at it again."""
    jetzt_nach_schluessel = {b.schluessel: b for b in jetzt}
    return [jetzt_nach_schluessel[b.schluessel] for b in vorher if b.schluessel in jetzt_nach_schluessel]


def zusammenfassung(befunde: Iterable[Befund]) -> dict[str, int]:
    """How many findings of each kind, in the order of ARTEN."""
    counts: dict[str, int] = defaultdict(int)
    for b in befunde:
        counts[b.art] += 1
    return {art: counts[art] for art in ARTEN if counts[art]}


# -- the checks ---------------------------------------------------------------------------------


def _entscheidungen(antraege: dict[str, AntragGeld], je_antrag: dict[str, list[BescheidGeld]]) -> list[Befund]:
    """(a) a completed Prüfung has exactly one Bescheid."""
    befunde = []
    for a in antraege.values():
        if a.status not in NACH_PRUEFUNG:
            continue
        gefunden = je_antrag.get(a.antrag_id, [])
        if not gefunden:
            befunde.append(
                Befund(
                    "bescheid_fehlt", f"bescheid_fehlt/{a.antrag_id}",
                    f"Antrag {a.antrag_id} ({_gruppe_text(a.antragsteller_ags, a.programm, a.foerderjahr)}, "
                    f"{_status(a.status)}): Prüfung abgeschlossen, allocation hat keinen Bescheid. "
                    "Reparatur: antrag veröffentlicht die Ereignisse des Antrags erneut, allocation entscheidet.",
                    antrag_nachsenden=(a.antrag_id,),
                )
            )
        elif len(gefunden) > 1:
            ids = ", ".join(sorted(b.bescheid_id for b in gefunden))
            befunde.append(
                Befund(
                    "bescheid_mehrfach", f"bescheid_mehrfach/{a.antrag_id}",
                    f"Antrag {a.antrag_id}: allocation hat {len(gefunden)} Bescheide ({ids}). "
                    "Nicht automatisch reparierbar: bitte prüfen, welcher gilt.",
                )
            )
    return befunde


def _anwendung(antraege: dict[str, AntragGeld], bescheide: list[BescheidGeld]) -> list[Befund]:
    """(b) every Bescheid is applied in antrag."""
    befunde = []
    for b in bescheide:
        a = antraege.get(b.antrag_id)
        if a is None:
            befunde.append(
                Befund(
                    "bescheid_ohne_antrag", f"bescheid_ohne_antrag/{b.bescheid_id}",
                    f"Bescheid {b.bescheid_id} (bewilligt {euro(b.bewilligt_cent)}) betrifft Antrag {b.antrag_id}, "
                    "den antrag nicht kennt. Nicht automatisch reparierbar: Datenbestand von antrag prüfen "
                    "(z. B. nach einer Wiederherstellung).",
                )
            )
            continue
        if a.bescheid_id == b.bescheid_id and a.bewilligt_cent == b.bewilligt_cent:
            continue
        if not a.bescheid_id and a.status == WARTET_AUF_BESCHEID:
            befunde.append(
                Befund(
                    "bescheid_nicht_angewendet", f"bescheid_nicht_angewendet/{b.bescheid_id}",
                    f"Bescheid {b.bescheid_id} für Antrag {b.antrag_id} (bewilligt {euro(b.bewilligt_cent)}) ist in "
                    "antrag nicht angewendet; der Antrag wartet noch. Reparatur: allocation veröffentlicht den "
                    "Bescheid erneut, antrag wendet ihn an.",
                    allocation_nachsenden=(b.antrag_id,),
                )
            )
        elif not a.bescheid_id:
            befunde.append(
                Befund(
                    "bescheid_nicht_angewendet", f"bescheid_nicht_angewendet/{b.bescheid_id}",
                    f"Bescheid {b.bescheid_id} für Antrag {b.antrag_id} (bewilligt {euro(b.bewilligt_cent)}) ist in "
                    f"antrag nicht angewendet, und der Antrag ist {_status(a.status)}, wartet also auf keinen "
                    "Bescheid. Nicht automatisch reparierbar: bitte prüfen.",
                )
            )
        else:
            befunde.append(
                Befund(
                    "bescheid_abweichend", f"bescheid_abweichend/{b.bescheid_id}",
                    f"Antrag {b.antrag_id}: in antrag Bescheid {a.bescheid_id} über {euro(a.bewilligt_cent)}, in "
                    f"allocation Bescheid {b.bescheid_id} über {euro(b.bewilligt_cent)}. Nicht automatisch "
                    "reparierbar: bitte prüfen.",
                )
            )
    return befunde


def _freigaben(antraege: dict[str, AntragGeld], je_antrag: dict[str, list[BescheidGeld]]) -> list[Befund]:
    """Part of (c), per Antrag: what the Verwendungsnachweis released is released in allocation."""
    befunde = []
    for a in antraege.values():
        gefunden = je_antrag.get(a.antrag_id, [])
        if len(gefunden) != 1 or gefunden[0].freigegeben_cent == a.freigegeben_cent:
            continue
        b = gefunden[0]
        fehlt = b.freigegeben_cent == 0 and a.freigegeben_cent > 0
        befunde.append(
            Befund(
                "freigabe_fehlt", f"freigabe_fehlt/{a.antrag_id}",
                f"Antrag {a.antrag_id}: nach dem Verwendungsnachweis freigegeben {euro(a.freigegeben_cent)}, in "
                f"allocation freigegeben {euro(b.freigegeben_cent)}. "
                + (
                    "Reparatur: antrag veröffentlicht die Ereignisse des Antrags erneut, allocation gibt frei."
                    if fehlt
                    else "Nicht automatisch reparierbar: bitte prüfen."
                ),
                antrag_nachsenden=(a.antrag_id,) if fehlt else (),
            )
        )
    return befunde


def _reporting(antraege: dict[str, AntragGeld], reporting: dict[str, ReportingGeld]) -> list[Befund]:
    """(d) reporting has every Antrag at antrag's version, with antrag's figures."""
    befunde = []
    for a in antraege.values():
        r = reporting.get(a.antrag_id)
        if r is None:
            befunde.append(
                Befund(
                    "reporting_fehlt", f"reporting_fehlt/{a.antrag_id}",
                    f"Antrag {a.antrag_id} (Version {a.version}) fehlt in reporting. Reparatur: antrag veröffentlicht "
                    "die Ereignisse des Antrags erneut.",
                    antrag_nachsenden=(a.antrag_id,),
                )
            )
        elif r.version < a.version:
            befunde.append(
                Befund(
                    "reporting_zurueck", f"reporting_zurueck/{a.antrag_id}",
                    f"Antrag {a.antrag_id}: reporting hat Version {r.version}, antrag Version {a.version}. "
                    "Reparatur: antrag veröffentlicht die Ereignisse des Antrags erneut.",
                    antrag_nachsenden=(a.antrag_id,),
                )
            )
        elif r.version > a.version:
            befunde.append(
                Befund(
                    "reporting_voraus", f"reporting_voraus/{a.antrag_id}",
                    f"Antrag {a.antrag_id}: reporting hat Version {r.version}, antrag erst Version {a.version}. Nicht "
                    "durch erneutes Veröffentlichen reparierbar: Datenbestand von antrag prüfen, dann reporting neu "
                    "aufbauen (pakt report rebuild).",
                )
            )
        elif _zahlen(r) != _zahlen(a):
            befunde.append(
                Befund(
                    "reporting_abweichend", f"reporting_abweichend/{a.antrag_id}",
                    f"Antrag {a.antrag_id} (Version {a.version}): reporting hat {_zahlen_text(r)}, antrag "
                    f"{_zahlen_text(a)}. Nicht durch erneutes Veröffentlichen reparierbar (gleiche Version): "
                    "reporting neu aufbauen (pakt report rebuild).",
                )
            )
    for r in reporting.values():
        if r.antrag_id not in antraege:
            befunde.append(
                Befund(
                    "reporting_ohne_antrag", f"reporting_ohne_antrag/{r.antrag_id}",
                    f"Antrag {r.antrag_id} (Version {r.version}) steht in reporting, antrag kennt ihn nicht. Nicht durch "
                    "erneutes Veröffentlichen reparierbar: reporting neu aufbauen (pakt report rebuild).",
                )
            )
    return befunde


def _summen(
    antraege: dict[str, AntragGeld], bescheide: list[BescheidGeld], reporting: dict[str, ReportingGeld]
) -> list[Befund]:
    """(c) the sums per Kommune, programme and year. What the per-Antrag findings repair, repairs
    these too; a difference without such a finding (e.g. a Bescheid filed under another Kommune)
    needs a person."""
    quellen: dict[str, dict[tuple[str, str, int], _Summen]] = {
        "antrag": defaultdict(_Summen), "allocation": defaultdict(_Summen), "reporting": defaultdict(_Summen)
    }
    for a in antraege.values():
        s = quellen["antrag"][(a.antragsteller_ags, a.programm, a.foerderjahr)]
        s.bewilligt += a.bewilligt_cent
        s.ausgezahlt += a.ausgezahlt_cent
        s.freigegeben += a.freigegeben_cent
        s.antraege.add(a.antrag_id)
    for b in bescheide:
        s = quellen["allocation"][(b.kommune_ags, b.programm, b.foerderjahr)]
        s.bewilligt += b.bewilligt_cent
        s.freigegeben += b.freigegeben_cent
        s.antraege.add(b.antrag_id)
    for r in reporting.values():
        s = quellen["reporting"][(r.antragsteller_ags, r.programm, r.foerderjahr)]
        s.bewilligt += r.bewilligt_cent
        s.ausgezahlt += r.ausgezahlt_cent
        s.freigegeben += r.freigegeben_cent
        s.antraege.add(r.antrag_id)
    # allocation knows no payouts: it is compared on bewilligt and freigegeben only.
    groessen = {"bewilligt": ("antrag", "allocation", "reporting"), "ausgezahlt": ("antrag", "reporting"),
                "freigegeben": ("antrag", "allocation", "reporting")}
    befunde = []
    for gruppe in sorted(set().union(*(q.keys() for q in quellen.values()))):
        abweichungen = []
        for groesse, namen in groessen.items():
            werte = {n: getattr(quellen[n].get(gruppe, _Summen()), groesse) for n in namen}
            if len(set(werte.values())) > 1:
                abweichungen.append(f"Σ {groesse}: " + ", ".join(f"{n} {euro(v)}" for n, v in werte.items()))
        if abweichungen:
            ags, programm, jahr = gruppe
            befunde.append(
                Befund(
                    "summe", f"summe/{ags}/{programm}/{jahr}",
                    f"{_gruppe_text(ags, programm, jahr)}: " + "; ".join(abweichungen) + ".",
                )
            )
    return befunde


# -- text ---------------------------------------------------------------------------------------


def _zahlen(x: AntragGeld | ReportingGeld) -> tuple[int, int, int, int, str]:
    return (x.bewilligt_cent, x.ausgezahlt_cent, x.freigegeben_cent, x.rueckforderung_cent, x.status)


def _zahlen_text(x: AntragGeld | ReportingGeld) -> str:
    return (
        f"{_status(x.status)}, bewilligt {euro(x.bewilligt_cent)}, ausgezahlt {euro(x.ausgezahlt_cent)}, "
        f"freigegeben {euro(x.freigegeben_cent)}, Rückforderung {euro(x.rueckforderung_cent)}"
    )


def _gruppe_text(ags: str, programm: str, jahr: int) -> str:
    return f"{ags} {texte.PROGRAMM.name(programm)} {jahr}"


def _status(status: str) -> str:
    return texte.ANTRAG_STATUS.name(status)
