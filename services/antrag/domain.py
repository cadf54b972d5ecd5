"""Rules for Anträge that need no database or network: validation, the status machine, money.

Validation reports every violation at once, each naming its field as a path into the request
(e.g. "stellen[0].vzae_hundertstel"), with a German description for the person who fixes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from pakt import texte
from pakt.allocation.v1.allocation_pb2 import Entscheidung
from pakt.antrag.v1.antrag_pb2 import (
    AntragStatus,
    ListAntraegeRequest,
    Qualifikation,
    Schritt,
    SubmitAntragRequest,
    Traegerschaft,
)
from pakt.common.v1.programm_pb2 import Programm
from pakt.geld import euro
from pakt.platform import validation
from pakt.referenzdaten import Gebiete, Programmdefinition

S = AntragStatus
AGS = re.compile(r"[0-9]{5}(?:[0-9]{3})?")
EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
TELEFON = re.compile(r"\+?[0-9][0-9 ()/-]{4,29}")

# The roles of a Kommune in an Antrag (beteiligung.rolle).
ANTRAGSTELLER, MITGLIED, UEBERTRAGEND = "ANTRAGSTELLER", "MITGLIED", "UEBERTRAGEND"
MAX_FRIST = timedelta(days=365)
MAX_STELLEN = 50
MAX_MITGLIEDER = 50
NAME_LEN = 200

# The steps and the statuses they may start from. Withdrawal ends once the Prüfung is completed:
# from then on allocation may be committing money for the Antrag.
ERLAUBT_AB = {
    Schritt.SCHRITT_ZURUECKGEZOGEN: {S.ANTRAG_STATUS_EINGEGANGEN, S.ANTRAG_STATUS_IN_PRUEFUNG, S.ANTRAG_STATUS_NACHFORDERUNG},
    Schritt.SCHRITT_PRUEFUNG_BEGONNEN: {S.ANTRAG_STATUS_EINGEGANGEN},
    Schritt.SCHRITT_NACHFORDERUNG_GESTELLT: {S.ANTRAG_STATUS_IN_PRUEFUNG},
    Schritt.SCHRITT_NACHFORDERUNG_BEANTWORTET: {S.ANTRAG_STATUS_NACHFORDERUNG},
    Schritt.SCHRITT_PRUEFUNG_ABGESCHLOSSEN: {S.ANTRAG_STATUS_IN_PRUEFUNG},
    Schritt.SCHRITT_BESCHIEDEN: {S.ANTRAG_STATUS_ENTSCHEIDUNGSREIF},
    Schritt.SCHRITT_MITTELABRUF_EINGEGANGEN: {S.ANTRAG_STATUS_BEWILLIGT, S.ANTRAG_STATUS_TEILWEISE_BEWILLIGT},
    Schritt.SCHRITT_AUSZAHLUNG_ANGEWIESEN: {S.ANTRAG_STATUS_BEWILLIGT, S.ANTRAG_STATUS_TEILWEISE_BEWILLIGT},
    Schritt.SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN: {S.ANTRAG_STATUS_BEWILLIGT, S.ANTRAG_STATUS_TEILWEISE_BEWILLIGT},
}

STATUS_NACH = {
    Schritt.SCHRITT_ZURUECKGEZOGEN: S.ANTRAG_STATUS_ZURUECKGEZOGEN,
    Schritt.SCHRITT_PRUEFUNG_BEGONNEN: S.ANTRAG_STATUS_IN_PRUEFUNG,
    Schritt.SCHRITT_NACHFORDERUNG_GESTELLT: S.ANTRAG_STATUS_NACHFORDERUNG,
    Schritt.SCHRITT_NACHFORDERUNG_BEANTWORTET: S.ANTRAG_STATUS_IN_PRUEFUNG,
    Schritt.SCHRITT_PRUEFUNG_ABGESCHLOSSEN: S.ANTRAG_STATUS_ENTSCHEIDUNGSREIF,
    Schritt.SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN: S.ANTRAG_STATUS_ABGESCHLOSSEN,
}

STATUS_NACH_BESCHEID = {
    Entscheidung.ENTSCHEIDUNG_BEWILLIGT: S.ANTRAG_STATUS_BEWILLIGT,
    Entscheidung.ENTSCHEIDUNG_TEILWEISE_BEWILLIGT: S.ANTRAG_STATUS_TEILWEISE_BEWILLIGT,
    Entscheidung.ENTSCHEIDUNG_ABGELEHNT: S.ANTRAG_STATUS_ABGELEHNT,
}

# An Antrag in these states no longer binds its Kommunen (for Kooperation and Übertragung rules).
BEENDET = {S.ANTRAG_STATUS_ZURUECKGEZOGEN, S.ANTRAG_STATUS_ABGELEHNT}


def status_text(status: int) -> str:
    return texte.ANTRAG_STATUS.get(status, AntragStatus.Name(status))


def transition_error(schritt: int, status: int) -> str | None:
    """Why the step is not possible in this status (German), or None if it is."""
    if status in ERLAUBT_AB[schritt]:
        return None
    erlaubt = ", ".join(sorted(status_text(s) for s in ERLAUBT_AB[schritt]))
    return (
        f"{texte.SCHRITT[schritt]} ist im Status „{status_text(status)}“ nicht möglich "
        f"(nur im Status: {erlaubt})."
    )


@dataclass(frozen=True)
class Abrechnung:
    """What a Verwendungsnachweis settles, every cent accounted for."""

    rueckforderung_cent: int  # paid out but not spent: the Kommune pays it back
    freigegeben_cent: int  # approved but not spent: released back to the Planungsrahmen


def abrechnen(bewilligt_cent: int, ausgezahlt_cent: int, verwendet_cent: int) -> Abrechnung:
    if not 0 <= verwendet_cent <= ausgezahlt_cent <= bewilligt_cent:
        raise ValueError("0 <= verwendet <= ausgezahlt <= bewilligt")
    return Abrechnung(ausgezahlt_cent - verwendet_cent, bewilligt_cent - verwendet_cent)


def mittelabruf_error(betrag_cent: int, bewilligt_cent: int, abgerufen_cent: int) -> str | None:
    """Why a Mittelabruf of this amount is not possible, or None: no more than approved and not drawn."""
    frei = bewilligt_cent - abgerufen_cent
    if betrag_cent > frei:
        return (
            f"Der Mittelabruf über {euro(betrag_cent)} übersteigt den noch abrufbaren Betrag von "
            f"{euro(frei)} (bewilligt {euro(bewilligt_cent)}, abgerufen {euro(abgerufen_cent)})."
        )
    return None


def verwendungsnachweis_error(
    heute: date, ende: date, mittelabruf_offen: bool, verwendet_cent: int, ausgezahlt_cent: int
) -> str | None:
    """Why a Verwendungsnachweis is not possible yet, or None: after the Förderzeitraum, with every
    Mittelabruf paid out, for no more than was paid out."""
    if heute <= ende:
        return f"Der Verwendungsnachweis folgt auf das Ende des Förderzeitraums am {ende.isoformat()}."
    if mittelabruf_offen:
        return "Ein Mittelabruf ist noch nicht ausgezahlt; der Nachweis folgt danach."
    if verwendet_cent > ausgezahlt_cent:
        return (
            f"Verwendet {euro(verwendet_cent)} ist mehr als ausgezahlt ({euro(ausgezahlt_cent)}): "
            "noch nicht abgerufene Mittel bitte vor dem Nachweis abrufen."
        )
    return None


def frist_error(frist: date, heute: date) -> str | None:
    """A Nachforderung's Frist lies between today and a year from now."""
    if not heute <= frist <= heute + MAX_FRIST:
        return f"muss zwischen heute ({heute.isoformat()}) und einem Jahr danach liegen"
    return None


def ausschliessende_rollen(antragsteller: bool) -> list[str]:
    """A Kommune either applies itself or is a member of one Kooperation, per programme and
    period: the roles in another active, overlapping Antrag that exclude the new one."""
    return [MITGLIED] if antragsteller else [ANTRAGSTELLER, MITGLIED]


def kooperation_error(ags: str, bestehende_rolle: str) -> str:
    return (
        f"{ags} ist für dieses Programm und einen überschneidenden Zeitraum bereits "
        + ("Mitglied eines gemeinsamen Antrags." if bestehende_rolle == MITGLIED else "an einem Antrag beteiligt.")
        + " Eine Kommune ist entweder Mitglied einer Kooperation oder beantragt selbst."
    )


def overlaps(a_beginn: date, a_ende: date, b_beginn: date, b_ende: date) -> bool:
    return a_beginn <= b_ende and b_beginn <= a_ende


# -- validation ---------------------------------------------------------------------------------


class Violations(validation.Violations):
    """Field violations, with the checks the antrag service's requests share."""

    def antrag_id(self, value: str, field: str = "antrag_id") -> None:
        self.uuid(value, field, what="Antrags-ID")


def step_violations(r, text_field: str | None = None, *, required: bool = False) -> Violations:
    """The checks every step on an Antrag shares: request_id, antrag_id and its free text, if it
    has one. The caller adds its own and raises."""
    v = Violations()
    v.request_id(r.request_id)
    v.antrag_id(r.antrag_id)
    if text_field is not None:
        v.text(getattr(r, text_field), text_field, required=required)
    return v


def validate_submission(
    r: SubmitAntragRequest, gebiete: Gebiete, programme: dict[str, Programmdefinition]
) -> None:
    v = Violations()
    v.request_id(r.request_id)

    ags_ok = False
    if not r.antragsteller_ags:
        v.add("antragsteller_ags", "fehlt")
    elif not AGS.fullmatch(r.antragsteller_ags):
        v.add(
            "antragsteller_ags",
            f"„{r.antragsteller_ags[:30]}“ ist kein Gemeindeschlüssel (8 Ziffern) oder Kreisschlüssel (5 Ziffern)",
        )
    elif gebiete.kreis_of(r.antragsteller_ags) is None:
        v.add("antragsteller_ags", f"{r.antragsteller_ags} ist keine Gemeinde und kein Kreis in Baden-Württemberg")
    else:
        ags_ok = True

    definition = None
    if r.programm == Programm.PROGRAMM_UNSPECIFIED:
        v.add("programm", "fehlt")
    elif r.programm not in Programm.values() or Programm.Name(r.programm) not in programme:
        v.add("programm", f"unbekanntes Förderprogramm ({r.programm})")
    else:
        definition = programme[Programm.Name(r.programm)]
    is_im = r.programm == Programm.PROGRAMM_INTEGRATIONSMANAGEMENT

    jahr_ok = definition is not None and r.foerderjahr in definition.foerderjahre
    if definition is not None and not jahr_ok:
        jahre = ", ".join(str(j) for j in definition.foerderjahre)
        v.add("foerderjahr", f"{r.foerderjahr} liegt außerhalb des Programms (Förderjahre: {jahre})")

    if r.betrag_cent <= 0:
        v.add("betrag_cent", "muss größer als 0 sein")
    elif definition is not None and r.betrag_cent > definition.hoechstbetrag_cent:
        v.add(
            "betrag_cent",
            f"{euro(r.betrag_cent)} übersteigt das gesamte Jahresvolumen des Programms "
            f"({euro(definition.hoechstbetrag_cent)})",
        )

    beginn, ende = v.datum(r.beginn, "beginn"), v.datum(r.ende, "ende")
    if jahr_ok:
        for field, d in (("beginn", beginn), ("ende", ende)):
            if d is not None and d.year != r.foerderjahr:
                v.add(field, f"{d.isoformat()} liegt nicht im Förderjahr {r.foerderjahr}")
    if beginn is not None and ende is not None and ende < beginn:
        v.add("ende", f"{ende.isoformat()} liegt vor dem Beginn {beginn.isoformat()}")

    if is_im and not r.stellen:
        v.add("stellen", "Integrationsmanagement wird je Stelle gefördert: mindestens eine Stelle angeben")
    elif r.stellen and definition is not None and not is_im:
        v.add("stellen", "Stellen werden nur beim Integrationsmanagement angegeben")
    elif len(r.stellen) > MAX_STELLEN:
        v.add("stellen", f"höchstens {MAX_STELLEN} Stellen je Antrag")
    for i, stelle in enumerate(r.stellen[:MAX_STELLEN]):
        if not 1 <= stelle.vzae_hundertstel <= 100:
            v.add(
                f"stellen[{i}].vzae_hundertstel",
                "Stellenanteil in Hundertstel einer Vollzeitstelle: 1 bis 100 (100 = eine volle Stelle)",
            )
        if stelle.qualifikation == Qualifikation.QUALIFIKATION_UNSPECIFIED:
            v.add(f"stellen[{i}].qualifikation", "fehlt")
        elif stelle.qualifikation not in Qualifikation.values():
            v.add(f"stellen[{i}].qualifikation", f"unbekannte Qualifikation ({stelle.qualifikation})")

    if r.traegerschaft == Traegerschaft.TRAEGERSCHAFT_UNSPECIFIED:
        v.add("traegerschaft", "fehlt: " + " oder ".join(texte.TRAEGERSCHAFT.values()))
    elif r.traegerschaft not in Traegerschaft.values():
        v.add("traegerschaft", f"unbekannte Trägerschaft ({r.traegerschaft})")
    elif r.traegerschaft == Traegerschaft.TRAEGERSCHAFT_DRITTE:
        v.text(r.traeger_name, "traeger_name", required=True, max_len=NAME_LEN, single_line=True)
    elif r.traeger_name:
        v.add("traeger_name", "nur bei Trägerschaft durch Dritte anzugeben")

    p = r.ansprechperson
    v.text(p.name, "ansprechperson.name", required=True, max_len=NAME_LEN, single_line=True)
    if not p.email:
        v.add("ansprechperson.email", "fehlt")
    elif not v.characters(p.email, "ansprechperson.email", single_line=True):
        pass
    elif len(p.email) > NAME_LEN or not EMAIL.fullmatch(p.email):
        v.add("ansprechperson.email", f"„{p.email[:60]}“ ist keine E-Mail-Adresse")
    if p.telefon and (len(p.telefon) > 30 or not TELEFON.fullmatch(p.telefon)):
        v.add("ansprechperson.telefon", "nur Ziffern, Leerzeichen und + ( ) / -, 5 bis 30 Zeichen")

    v.text(r.begruendung, "begruendung", required=True)

    if r.mitglieder:
        _validate_mitglieder(r, v, gebiete, ags_ok)
    v.raise_if_any()


def _validate_mitglieder(r: SubmitAntragRequest, v: Violations, gebiete: Gebiete, ags_ok: bool) -> None:
    if ags_ok and r.antragsteller_ags not in gebiete.gemeinden:
        v.add("mitglieder", "einen gemeinsamen Antrag stellt eine Gemeinde als federführende Kommune")
        return
    if len(r.mitglieder) > MAX_MITGLIEDER:
        v.add("mitglieder", f"höchstens {MAX_MITGLIEDER} Mitglieder")
        return
    lead_kreis = gebiete.kreis_of(r.antragsteller_ags) if ags_ok else None
    seen: set[str] = set()
    for i, m in enumerate(r.mitglieder):
        field = f"mitglieder[{i}].ags"
        if not m.ags:
            v.add(field, "fehlt")
        elif m.ags not in gebiete.gemeinden:
            v.add(field, f"„{m.ags[:30]}“ ist keine Gemeinde in Baden-Württemberg")
        elif m.ags == r.antragsteller_ags:
            v.add(field, "die federführende Kommune ist nicht zugleich Mitglied")
        elif m.ags in seen:
            v.add(field, f"{m.ags} ist doppelt genannt")
        elif lead_kreis is not None and gebiete.gemeinden[m.ags].kreis_ags != lead_kreis:
            v.add(field, f"{m.ags} gehört nicht zum Kreis der federführenden Kommune ({lead_kreis})")
        seen.add(m.ags)
        if not 1 <= m.anteil_prozent <= 99:
            v.add(f"mitglieder[{i}].anteil_prozent", "Anteil in Prozent: 1 bis 99")
    if sum(m.anteil_prozent for m in r.mitglieder) >= 100:
        v.add("mitglieder", "die Anteile der Mitglieder lassen der federführenden Kommune keinen Anteil")


def validate_uebertragung(
    request_id: str, gemeinde_ags: str, programm: int, beginn: str, ende: str, gebiete: Gebiete,
    programme: dict[str, Programmdefinition],
) -> tuple[date, date]:
    v = Violations()
    v.request_id(request_id)
    if not gemeinde_ags:
        v.add("gemeinde_ags", "fehlt")
    elif gemeinde_ags not in gebiete.gemeinden:
        v.add("gemeinde_ags", f"„{gemeinde_ags[:30]}“ ist keine Gemeinde in Baden-Württemberg")
    elif gebiete.kreise[gebiete.gemeinden[gemeinde_ags].kreis_ags].typ != "Landkreis":
        v.add("gemeinde_ags", f"{gemeinde_ags} ist ein Stadtkreis und hat keinen Landkreis, dem sie übertragen könnte")
    if programm != Programm.PROGRAMM_INTEGRATIONSMANAGEMENT:
        v.add("programm", "übertragen werden kann nur das Integrationsmanagement")
    b, e = v.datum(beginn, "beginn"), v.datum(ende, "ende")
    if b is not None and e is not None:
        if e < b:
            v.add("ende", f"{e.isoformat()} liegt vor dem Beginn {b.isoformat()}")
        jahre = programme[Programm.Name(Programm.PROGRAMM_INTEGRATIONSMANAGEMENT)].foerderjahre
        if b.year < min(jahre) or e.year > max(jahre):
            v.add("ende" if b.year >= min(jahre) else "beginn", f"liegt außerhalb der Förderjahre {min(jahre)}–{max(jahre)}")
    v.raise_if_any()
    assert b is not None and e is not None
    return b, e


def validate_list(r: ListAntraegeRequest) -> None:
    v = Violations()
    if r.kommune_ags and not AGS.fullmatch(r.kommune_ags):
        v.add("kommune_ags", f"„{r.kommune_ags[:30]}“ ist kein Gemeinde- oder Kreisschlüssel")
    if r.kreis_ags and not re.fullmatch(r"[0-9]{5}", r.kreis_ags):
        v.add("kreis_ags", f"„{r.kreis_ags[:30]}“ ist kein Kreisschlüssel (5 Ziffern)")
    if r.programm and r.programm not in Programm.values():
        v.add("programm", f"unbekanntes Förderprogramm ({r.programm})")
    if r.foerderjahr and not 2000 <= r.foerderjahr <= 2100:
        v.add("foerderjahr", f"{r.foerderjahr} ist kein plausibles Förderjahr")
    if r.status and r.status not in AntragStatus.values():
        v.add("status", f"unbekannter Status ({r.status})")
    if not 0 <= r.page_size <= 500:
        v.add("page_size", "0 bis 500")
    v.raise_if_any()
