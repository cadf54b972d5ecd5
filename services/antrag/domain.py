"""Rules for Anträge that need no database or network: validation and status after a Bescheid."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pakt.antrag.v1.antrag_pb2 import AntragStatus
from pakt.allocation.v1.allocation_pb2 import Entscheidung
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform.errors import FieldViolation
from pakt.referenzdaten import Gebiete, Programmdefinition

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
AGS = re.compile(r"[0-9]{5}(?:[0-9]{3})?")

# A Bescheid is only applied to an Antrag that is still undecided.
UNDECIDED = {AntragStatus.ANTRAG_STATUS_EINGEGANGEN, AntragStatus.ANTRAG_STATUS_IN_PRUEFUNG}

STATUS_AFTER = {
    Entscheidung.ENTSCHEIDUNG_BEWILLIGT: AntragStatus.ANTRAG_STATUS_BEWILLIGT,
    Entscheidung.ENTSCHEIDUNG_TEILWEISE_BEWILLIGT: AntragStatus.ANTRAG_STATUS_TEILWEISE_BEWILLIGT,
    Entscheidung.ENTSCHEIDUNG_ABGELEHNT: AntragStatus.ANTRAG_STATUS_ABGELEHNT,
}


@dataclass(frozen=True)
class Einreichung:
    """A submitted Antrag as the applicant sent it."""

    request_id: str
    antragsteller_ags: str
    programm: int
    foerderjahr: int
    betrag_cent: int


def validate(
    e: Einreichung, gebiete: Gebiete, programme: dict[str, Programmdefinition]
) -> list[FieldViolation]:
    """Every violation of the submission, each naming its field, in German."""
    violations: list[FieldViolation] = []
    if not e.request_id:
        violations.append(FieldViolation("request_id", "fehlt: jeder Antrag braucht einen Idempotenzschlüssel"))
    elif not REQUEST_ID.fullmatch(e.request_id):
        violations.append(
            FieldViolation("request_id", "höchstens 100 Zeichen aus Buchstaben, Ziffern und . _ : -")
        )

    if not e.antragsteller_ags:
        violations.append(FieldViolation("antragsteller_ags", "fehlt"))
    elif not AGS.fullmatch(e.antragsteller_ags):
        violations.append(
            FieldViolation(
                "antragsteller_ags",
                f"„{e.antragsteller_ags}“ ist kein Gemeindeschlüssel (8 Ziffern) oder Kreisschlüssel (5 Ziffern)",
            )
        )
    elif gebiete.kreis_of(e.antragsteller_ags) is None:
        violations.append(
            FieldViolation(
                "antragsteller_ags",
                f"{e.antragsteller_ags} ist keine Gemeinde und kein Kreis in Baden-Württemberg",
            )
        )

    definition = None
    if e.programm == Programm.PROGRAMM_UNSPECIFIED:
        violations.append(FieldViolation("programm", "fehlt"))
    elif e.programm not in Programm.values() or Programm.Name(e.programm) not in programme:
        violations.append(FieldViolation("programm", f"unbekanntes Förderprogramm ({e.programm})"))
    else:
        definition = programme[Programm.Name(e.programm)]

    if definition is not None and e.foerderjahr not in definition.foerderjahre:
        jahre = ", ".join(str(j) for j in definition.foerderjahre)
        violations.append(
            FieldViolation("foerderjahr", f"{e.foerderjahr} liegt außerhalb des Programms (Förderjahre: {jahre})")
        )

    if e.betrag_cent <= 0:
        violations.append(FieldViolation("betrag_cent", "muss größer als 0 sein"))
    elif definition is not None and e.betrag_cent > definition.hoechstbetrag_cent:
        violations.append(
            FieldViolation(
                "betrag_cent",
                f"{e.betrag_cent} Cent übersteigt das gesamte Jahresvolumen des Programms "
                f"({definition.hoechstbetrag_cent} Cent)",
            )
        )
    return violations
