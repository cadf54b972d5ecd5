"""The German display text of every enum value in the contracts (proto/), one mapping per enum.

The CLI, the dashboard and the services render statuses, programmes, Zielfelder, Schritte,
Entscheidungen and the rest with these texts and nowhere else define their own. Each mapping is
keyed by the enum's numbers, looked up from the generated descriptors by value name, so a name the
enum does not have fails at import; tests/unit/test_texte.py fails for an enum value without a
text and for an enum of the contracts without a mapping here. *_UNSPECIFIED (0) has no text: it
means "not given", and callers say so in their own words.

Texts are lower case where German writes them so in a sentence (statuses: "teilweise bewilligt"),
capitalised where they are nouns ("Nachforderung offen", "Schule/Bildung"). Schritte are nouns
("Beginn der Prüfung") because they are used both as a history line and as the subject of
"… ist im Status „eingegangen“ nicht möglich".

PROGRAMM holds the short names used in lists and messages; the official title of each
Förderbereich ("Junge Flüchtlinge in Schule und auf dem Weg in den Beruf") is reference data with
its source, in pakt/referenzdaten/programme.json.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from pakt.allocation.v1 import allocation_pb2
from pakt.antrag.v1 import antrag_pb2
from pakt.caseplan.v1 import caseplan_pb2
from pakt.common.v1 import programm_pb2
from pakt.reporting.v1 import reporting_pb2


class Texte(Mapping[int, str]):
    """The German texts of one enum's values, keyed by number (as messages carry them); `name()`
    looks one up by value name (as events, tables and JSON carry them)."""

    def __init__(self, enum: EnumTypeWrapper, texte: Mapping[str, str]) -> None:
        self.enum = enum
        self._texte = {enum.Value(name): text for name, text in texte.items()}

    def __getitem__(self, value: int) -> str:
        return self._texte[value]

    def __iter__(self) -> Iterator[int]:
        return iter(self._texte)

    def __len__(self) -> int:
        return len(self._texte)

    @property
    def full_name(self) -> str:
        """The enum's full name in the contracts, e.g. "pakt.antrag.v1.AntragStatus"."""
        return self.enum.DESCRIPTOR.full_name

    def name(self, value_name: str, default: str | None = None) -> str:
        """The text of the value called value_name; default (else value_name itself) if there is none."""
        value = self.enum.DESCRIPTOR.values_by_name.get(value_name)
        text = self._texte.get(value.number) if value is not None else None
        if text is not None:
            return text
        return value_name if default is None else default


# -- antrag ----------------------------------------------------------------------------------------

ANTRAG_STATUS = Texte(
    antrag_pb2.AntragStatus,
    {
        "ANTRAG_STATUS_EINGEGANGEN": "eingegangen",
        "ANTRAG_STATUS_IN_PRUEFUNG": "in Prüfung",
        "ANTRAG_STATUS_NACHFORDERUNG": "Nachforderung offen",
        "ANTRAG_STATUS_ENTSCHEIDUNGSREIF": "entscheidungsreif",
        "ANTRAG_STATUS_BEWILLIGT": "bewilligt",
        "ANTRAG_STATUS_TEILWEISE_BEWILLIGT": "teilweise bewilligt",
        "ANTRAG_STATUS_ABGELEHNT": "abgelehnt",
        "ANTRAG_STATUS_ZURUECKGEZOGEN": "zurückgezogen",
        "ANTRAG_STATUS_ABGESCHLOSSEN": "abgeschlossen",
    },
)

SCHRITT = Texte(
    antrag_pb2.Schritt,
    {
        "SCHRITT_EINGEREICHT": "Einreichung",
        "SCHRITT_ZURUECKGEZOGEN": "Rücknahme",
        "SCHRITT_PRUEFUNG_BEGONNEN": "Beginn der Prüfung",
        "SCHRITT_NACHFORDERUNG_GESTELLT": "Nachforderung",
        "SCHRITT_NACHFORDERUNG_BEANTWORTET": "Antwort auf die Nachforderung",
        "SCHRITT_PRUEFUNG_ABGESCHLOSSEN": "Abschluss der Prüfung",
        "SCHRITT_BESCHIEDEN": "Bescheid",
        "SCHRITT_MITTELABRUF_EINGEGANGEN": "Mittelabruf",
        "SCHRITT_AUSZAHLUNG_ANGEWIESEN": "Auszahlung",
        "SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN": "Verwendungsnachweis",
    },
)

QUALIFIKATION = Texte(
    antrag_pb2.Qualifikation,
    {
        "QUALIFIKATION_HOCHSCHULABSCHLUSS_SOZIALWESEN": "Hochschulabschluss im Sozialwesen",
        "QUALIFIKATION_ANDERER_GEEIGNETER_STUDIENGANG": "anderer geeigneter Studiengang",
        "QUALIFIKATION_BERUFSAUSBILDUNG_MIT_ERFAHRUNGSWISSEN": "Berufsausbildung mit Erfahrungswissen",
    },
)

TRAEGERSCHAFT = Texte(
    antrag_pb2.Traegerschaft,
    {
        "TRAEGERSCHAFT_EIGENREGIE": "Eigenregie",
        "TRAEGERSCHAFT_DRITTE": "durch Dritte",
    },
)

MITTELABRUF_STATUS = Texte(
    antrag_pb2.MittelabrufStatus,
    {
        "MITTELABRUF_STATUS_ANGEFORDERT": "angefordert",
        "MITTELABRUF_STATUS_AUSGEZAHLT": "ausgezahlt",
    },
)

# -- common ----------------------------------------------------------------------------------------

PROGRAMM = Texte(
    programm_pb2.Programm,
    {
        "PROGRAMM_INTEGRATIONSMANAGEMENT": "Integrationsmanagement",
        "PROGRAMM_JUNGE_FLUECHTLINGE": "Junge Flüchtlinge",
        "PROGRAMM_SPRACHERWERB": "Spracherwerb",
        "PROGRAMM_EHRENAMT": "Ehrenamt",
    },
)

# -- allocation ------------------------------------------------------------------------------------

TRANCHE = Texte(
    allocation_pb2.Tranche,
    {
        "TRANCHE_VORLAEUFIG": "vorläufig",
        "TRANCHE_ENDGUELTIG": "endgültig",
    },
)

PARAMETER_ART = Texte(
    allocation_pb2.ParameterArt,
    {
        "PARAMETER_ART_BUDGET": "Budget",
        "PARAMETER_ART_SCHWELLENWERT": "Schwellenwert",
        "PARAMETER_ART_STICHTAG": "Stichtag",
    },
)

ENTSCHEIDUNG = Texte(
    allocation_pb2.Entscheidung,
    {
        "ENTSCHEIDUNG_BEWILLIGT": "bewilligt",
        "ENTSCHEIDUNG_TEILWEISE_BEWILLIGT": "teilweise bewilligt",
        "ENTSCHEIDUNG_ABGELEHNT": "abgelehnt",
    },
)

ABLEHNUNGSGRUND = Texte(
    allocation_pb2.Ablehnungsgrund,
    {
        "ABLEHNUNGSGRUND_RAHMEN_AUSGESCHOEPFT": "Planungsrahmen ausgeschöpft",
        "ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN": "kein Planungsrahmen",
        "ABLEHNUNGSGRUND_UNTER_SCHWELLENWERT": "Planungsrahmen unter dem Schwellenwert",
        "ABLEHNUNGSGRUND_KEIN_BUDGET": "kein Budget",
    },
)

ERHEBUNG_ART = Texte(
    allocation_pb2.ErhebungArt,
    {
        "ERHEBUNG_ART_VORLAEUFIG": "vorläufig",
        "ERHEBUNG_ART_ENDGUELTIG": "endgültig",
    },
)

# -- caseplan --------------------------------------------------------------------------------------

ZIELFELD = Texte(
    caseplan_pb2.Zielfeld,
    {
        "ZIELFELD_SPRACHE": "Sprache",
        "ZIELFELD_ARBEIT": "Arbeit",
        "ZIELFELD_ANERKENNUNG": "Anerkennung",
        "ZIELFELD_WOHNEN": "Wohnen",
        "ZIELFELD_SCHULE_BILDUNG": "Schule/Bildung",
        "ZIELFELD_SONSTIGES": "Sonstiges",
    },
)

ZIELSTATUS = Texte(
    caseplan_pb2.Zielstatus,
    {
        "ZIELSTATUS_OFFEN": "offen",
        "ZIELSTATUS_IN_ARBEIT": "in Arbeit",
        "ZIELSTATUS_ERREICHT": "erreicht",
        "ZIELSTATUS_ABGEBROCHEN": "abgebrochen",
    },
)

PLANSTATUS = Texte(
    caseplan_pb2.Planstatus,
    {
        "PLANSTATUS_OFFEN": "offen",
        "PLANSTATUS_ABGESCHLOSSEN": "abgeschlossen",
    },
)

ABSCHLUSSGRUND = Texte(
    caseplan_pb2.Abschlussgrund,
    {
        "ABSCHLUSSGRUND_ZIELE_ERREICHT": "Ziele erreicht",
        "ABSCHLUSSGRUND_WEGZUG": "Wegzug",
        "ABSCHLUSSGRUND_FOERDERENDE": "Förderende",
        "ABSCHLUSSGRUND_KEIN_KONTAKT": "kein Kontakt",
        "ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN": "Einwilligung widerrufen",
        "ABSCHLUSSGRUND_SONSTIGES": "Sonstiges",
    },
)

# -- reporting -------------------------------------------------------------------------------------

# What one row of a breakdown stands for (the column that names it).

GLIEDERUNG = Texte(
    reporting_pb2.Gliederung,
    {
        "GLIEDERUNG_LANDKREIS": "Kreis",
        "GLIEDERUNG_PROGRAMM": "Programm",
        "GLIEDERUNG_KOMMUNE": "Kommune",
    },
)

# Every mapping above, by the enum's full name in the contracts.
ALLE: dict[str, Texte] = {
    t.full_name: t
    for t in (
        ANTRAG_STATUS, SCHRITT, QUALIFIKATION, TRAEGERSCHAFT, MITTELABRUF_STATUS, PROGRAMM, TRANCHE, PARAMETER_ART,
        ENTSCHEIDUNG, ABLEHNUNGSGRUND, ERHEBUNG_ART, ZIELFELD, ZIELSTATUS, PLANSTATUS, ABSCHLUSSGRUND, GLIEDERUNG,
    )
}
