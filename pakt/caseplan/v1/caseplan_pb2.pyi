from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Zielfeld(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ZIELFELD_UNSPECIFIED: _ClassVar[Zielfeld]
    ZIELFELD_SPRACHE: _ClassVar[Zielfeld]
    ZIELFELD_ARBEIT: _ClassVar[Zielfeld]
    ZIELFELD_ANERKENNUNG: _ClassVar[Zielfeld]
    ZIELFELD_WOHNEN: _ClassVar[Zielfeld]
    ZIELFELD_SCHULE_BILDUNG: _ClassVar[Zielfeld]
    ZIELFELD_SONSTIGES: _ClassVar[Zielfeld]

class Zielstatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ZIELSTATUS_UNSPECIFIED: _ClassVar[Zielstatus]
    ZIELSTATUS_OFFEN: _ClassVar[Zielstatus]
    ZIELSTATUS_IN_ARBEIT: _ClassVar[Zielstatus]
    ZIELSTATUS_ERREICHT: _ClassVar[Zielstatus]
    ZIELSTATUS_ABGEBROCHEN: _ClassVar[Zielstatus]

class Planstatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLANSTATUS_UNSPECIFIED: _ClassVar[Planstatus]
    PLANSTATUS_OFFEN: _ClassVar[Planstatus]
    PLANSTATUS_ABGESCHLOSSEN: _ClassVar[Planstatus]

class Abschlussgrund(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ABSCHLUSSGRUND_UNSPECIFIED: _ClassVar[Abschlussgrund]
    ABSCHLUSSGRUND_ZIELE_ERREICHT: _ClassVar[Abschlussgrund]
    ABSCHLUSSGRUND_WEGZUG: _ClassVar[Abschlussgrund]
    ABSCHLUSSGRUND_FOERDERENDE: _ClassVar[Abschlussgrund]
    ABSCHLUSSGRUND_KEIN_KONTAKT: _ClassVar[Abschlussgrund]
    ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN: _ClassVar[Abschlussgrund]
    ABSCHLUSSGRUND_SONSTIGES: _ClassVar[Abschlussgrund]
ZIELFELD_UNSPECIFIED: Zielfeld
ZIELFELD_SPRACHE: Zielfeld
ZIELFELD_ARBEIT: Zielfeld
ZIELFELD_ANERKENNUNG: Zielfeld
ZIELFELD_WOHNEN: Zielfeld
ZIELFELD_SCHULE_BILDUNG: Zielfeld
ZIELFELD_SONSTIGES: Zielfeld
ZIELSTATUS_UNSPECIFIED: Zielstatus
ZIELSTATUS_OFFEN: Zielstatus
ZIELSTATUS_IN_ARBEIT: Zielstatus
ZIELSTATUS_ERREICHT: Zielstatus
ZIELSTATUS_ABGEBROCHEN: Zielstatus
PLANSTATUS_UNSPECIFIED: Planstatus
PLANSTATUS_OFFEN: Planstatus
PLANSTATUS_ABGESCHLOSSEN: Planstatus
ABSCHLUSSGRUND_UNSPECIFIED: Abschlussgrund
ABSCHLUSSGRUND_ZIELE_ERREICHT: Abschlussgrund
ABSCHLUSSGRUND_WEGZUG: Abschlussgrund
ABSCHLUSSGRUND_FOERDERENDE: Abschlussgrund
ABSCHLUSSGRUND_KEIN_KONTAKT: Abschlussgrund
ABSCHLUSSGRUND_EINWILLIGUNG_WIDERRUFEN: Abschlussgrund
ABSCHLUSSGRUND_SONSTIGES: Abschlussgrund

class Person(_message.Message):
    __slots__ = ("name", "geburtsdatum", "staatsangehoerigkeit", "sprachen", "haushalt", "qualifikationen", "schulbildung", "berufsabschluss", "entwicklung")
    NAME_FIELD_NUMBER: _ClassVar[int]
    GEBURTSDATUM_FIELD_NUMBER: _ClassVar[int]
    STAATSANGEHOERIGKEIT_FIELD_NUMBER: _ClassVar[int]
    SPRACHEN_FIELD_NUMBER: _ClassVar[int]
    HAUSHALT_FIELD_NUMBER: _ClassVar[int]
    QUALIFIKATIONEN_FIELD_NUMBER: _ClassVar[int]
    SCHULBILDUNG_FIELD_NUMBER: _ClassVar[int]
    BERUFSABSCHLUSS_FIELD_NUMBER: _ClassVar[int]
    ENTWICKLUNG_FIELD_NUMBER: _ClassVar[int]
    name: str
    geburtsdatum: str
    staatsangehoerigkeit: str
    sprachen: _containers.RepeatedScalarFieldContainer[str]
    haushalt: str
    qualifikationen: str
    schulbildung: str
    berufsabschluss: str
    entwicklung: str
    def __init__(self, name: _Optional[str] = ..., geburtsdatum: _Optional[str] = ..., staatsangehoerigkeit: _Optional[str] = ..., sprachen: _Optional[_Iterable[str]] = ..., haushalt: _Optional[str] = ..., qualifikationen: _Optional[str] = ..., schulbildung: _Optional[str] = ..., berufsabschluss: _Optional[str] = ..., entwicklung: _Optional[str] = ...) -> None: ...

class Einwilligung(_message.Message):
    __slots__ = ("zweck", "erteilt_am", "widerrufen_am")
    ZWECK_FIELD_NUMBER: _ClassVar[int]
    ERTEILT_AM_FIELD_NUMBER: _ClassVar[int]
    WIDERRUFEN_AM_FIELD_NUMBER: _ClassVar[int]
    zweck: str
    erteilt_am: str
    widerrufen_am: str
    def __init__(self, zweck: _Optional[str] = ..., erteilt_am: _Optional[str] = ..., widerrufen_am: _Optional[str] = ...) -> None: ...

class Ziel(_message.Message):
    __slots__ = ("id", "feld", "beschreibung", "massnahmen", "verantwortlich", "frist", "status")
    ID_FIELD_NUMBER: _ClassVar[int]
    FELD_FIELD_NUMBER: _ClassVar[int]
    BESCHREIBUNG_FIELD_NUMBER: _ClassVar[int]
    MASSNAHMEN_FIELD_NUMBER: _ClassVar[int]
    VERANTWORTLICH_FIELD_NUMBER: _ClassVar[int]
    FRIST_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    feld: Zielfeld
    beschreibung: str
    massnahmen: str
    verantwortlich: str
    frist: str
    status: Zielstatus
    def __init__(self, id: _Optional[str] = ..., feld: _Optional[_Union[Zielfeld, str]] = ..., beschreibung: _Optional[str] = ..., massnahmen: _Optional[str] = ..., verantwortlich: _Optional[str] = ..., frist: _Optional[str] = ..., status: _Optional[_Union[Zielstatus, str]] = ...) -> None: ...

class Fortschreibung(_message.Message):
    __slots__ = ("datum", "notiz", "naechste_am", "akteur")
    DATUM_FIELD_NUMBER: _ClassVar[int]
    NOTIZ_FIELD_NUMBER: _ClassVar[int]
    NAECHSTE_AM_FIELD_NUMBER: _ClassVar[int]
    AKTEUR_FIELD_NUMBER: _ClassVar[int]
    datum: str
    notiz: str
    naechste_am: str
    akteur: str
    def __init__(self, datum: _Optional[str] = ..., notiz: _Optional[str] = ..., naechste_am: _Optional[str] = ..., akteur: _Optional[str] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("id", "kommune_ags", "integrationsmanager", "status", "eroeffnet_am", "laufzeit_bis", "naechste_fortschreibung", "abgeschlossen_am", "abschlussgrund", "person", "einwilligung", "ziele", "fortschreibungen", "geloescht", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    INTEGRATIONSMANAGER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EROEFFNET_AM_FIELD_NUMBER: _ClassVar[int]
    LAUFZEIT_BIS_FIELD_NUMBER: _ClassVar[int]
    NAECHSTE_FORTSCHREIBUNG_FIELD_NUMBER: _ClassVar[int]
    ABGESCHLOSSEN_AM_FIELD_NUMBER: _ClassVar[int]
    ABSCHLUSSGRUND_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    EINWILLIGUNG_FIELD_NUMBER: _ClassVar[int]
    ZIELE_FIELD_NUMBER: _ClassVar[int]
    FORTSCHREIBUNGEN_FIELD_NUMBER: _ClassVar[int]
    GELOESCHT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    kommune_ags: str
    integrationsmanager: str
    status: Planstatus
    eroeffnet_am: str
    laufzeit_bis: str
    naechste_fortschreibung: str
    abgeschlossen_am: str
    abschlussgrund: Abschlussgrund
    person: Person
    einwilligung: Einwilligung
    ziele: _containers.RepeatedCompositeFieldContainer[Ziel]
    fortschreibungen: _containers.RepeatedCompositeFieldContainer[Fortschreibung]
    geloescht: bool
    version: int
    def __init__(self, id: _Optional[str] = ..., kommune_ags: _Optional[str] = ..., integrationsmanager: _Optional[str] = ..., status: _Optional[_Union[Planstatus, str]] = ..., eroeffnet_am: _Optional[str] = ..., laufzeit_bis: _Optional[str] = ..., naechste_fortschreibung: _Optional[str] = ..., abgeschlossen_am: _Optional[str] = ..., abschlussgrund: _Optional[_Union[Abschlussgrund, str]] = ..., person: _Optional[_Union[Person, _Mapping]] = ..., einwilligung: _Optional[_Union[Einwilligung, _Mapping]] = ..., ziele: _Optional[_Iterable[_Union[Ziel, _Mapping]]] = ..., fortschreibungen: _Optional[_Iterable[_Union[Fortschreibung, _Mapping]]] = ..., geloescht: _Optional[bool] = ..., version: _Optional[int] = ...) -> None: ...

class CreatePlanRequest(_message.Message):
    __slots__ = ("request_id", "person", "einwilligung", "integrationsmanager", "eroeffnet_am", "naechste_fortschreibung")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    EINWILLIGUNG_FIELD_NUMBER: _ClassVar[int]
    INTEGRATIONSMANAGER_FIELD_NUMBER: _ClassVar[int]
    EROEFFNET_AM_FIELD_NUMBER: _ClassVar[int]
    NAECHSTE_FORTSCHREIBUNG_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    person: Person
    einwilligung: Einwilligung
    integrationsmanager: str
    eroeffnet_am: str
    naechste_fortschreibung: str
    def __init__(self, request_id: _Optional[str] = ..., person: _Optional[_Union[Person, _Mapping]] = ..., einwilligung: _Optional[_Union[Einwilligung, _Mapping]] = ..., integrationsmanager: _Optional[str] = ..., eroeffnet_am: _Optional[str] = ..., naechste_fortschreibung: _Optional[str] = ...) -> None: ...

class CreatePlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class GetPlanRequest(_message.Message):
    __slots__ = ("plan_id", "zweck")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    ZWECK_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    zweck: str
    def __init__(self, plan_id: _Optional[str] = ..., zweck: _Optional[str] = ...) -> None: ...

class GetPlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ("status", "integrationsmanager")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    INTEGRATIONSMANAGER_FIELD_NUMBER: _ClassVar[int]
    status: Planstatus
    integrationsmanager: str
    def __init__(self, status: _Optional[_Union[Planstatus, str]] = ..., integrationsmanager: _Optional[str] = ...) -> None: ...

class PlanUebersicht(_message.Message):
    __slots__ = ("id", "integrationsmanager", "status", "eroeffnet_am", "naechste_fortschreibung", "offene_ziele")
    ID_FIELD_NUMBER: _ClassVar[int]
    INTEGRATIONSMANAGER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EROEFFNET_AM_FIELD_NUMBER: _ClassVar[int]
    NAECHSTE_FORTSCHREIBUNG_FIELD_NUMBER: _ClassVar[int]
    OFFENE_ZIELE_FIELD_NUMBER: _ClassVar[int]
    id: str
    integrationsmanager: str
    status: Planstatus
    eroeffnet_am: str
    naechste_fortschreibung: str
    offene_ziele: int
    def __init__(self, id: _Optional[str] = ..., integrationsmanager: _Optional[str] = ..., status: _Optional[_Union[Planstatus, str]] = ..., eroeffnet_am: _Optional[str] = ..., naechste_fortschreibung: _Optional[str] = ..., offene_ziele: _Optional[int] = ...) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plaene",)
    PLAENE_FIELD_NUMBER: _ClassVar[int]
    plaene: _containers.RepeatedCompositeFieldContainer[PlanUebersicht]
    def __init__(self, plaene: _Optional[_Iterable[_Union[PlanUebersicht, _Mapping]]] = ...) -> None: ...

class UpdatePersonRequest(_message.Message):
    __slots__ = ("request_id", "plan_id", "person")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    plan_id: str
    person: Person
    def __init__(self, request_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., person: _Optional[_Union[Person, _Mapping]] = ...) -> None: ...

class UpdatePersonResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class AddZielRequest(_message.Message):
    __slots__ = ("request_id", "plan_id", "ziel")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    ZIEL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    plan_id: str
    ziel: Ziel
    def __init__(self, request_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., ziel: _Optional[_Union[Ziel, _Mapping]] = ...) -> None: ...

class AddZielResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class UpdateZielRequest(_message.Message):
    __slots__ = ("request_id", "plan_id", "ziel")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    ZIEL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    plan_id: str
    ziel: Ziel
    def __init__(self, request_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., ziel: _Optional[_Union[Ziel, _Mapping]] = ...) -> None: ...

class UpdateZielResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class RecordFortschreibungRequest(_message.Message):
    __slots__ = ("request_id", "plan_id", "notiz", "naechste_am")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIZ_FIELD_NUMBER: _ClassVar[int]
    NAECHSTE_AM_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    plan_id: str
    notiz: str
    naechste_am: str
    def __init__(self, request_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., notiz: _Optional[str] = ..., naechste_am: _Optional[str] = ...) -> None: ...

class RecordFortschreibungResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class ClosePlanRequest(_message.Message):
    __slots__ = ("request_id", "plan_id", "grund")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    GRUND_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    plan_id: str
    grund: Abschlussgrund
    def __init__(self, request_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., grund: _Optional[_Union[Abschlussgrund, str]] = ...) -> None: ...

class ClosePlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class HandOverPlanRequest(_message.Message):
    __slots__ = ("request_id", "plan_id", "neue_kommune_ags", "neuer_integrationsmanager")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    NEUE_KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    NEUER_INTEGRATIONSMANAGER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    plan_id: str
    neue_kommune_ags: str
    neuer_integrationsmanager: str
    def __init__(self, request_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., neue_kommune_ags: _Optional[str] = ..., neuer_integrationsmanager: _Optional[str] = ...) -> None: ...

class HandOverPlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: PlanUebersicht
    def __init__(self, plan: _Optional[_Union[PlanUebersicht, _Mapping]] = ...) -> None: ...

class WithdrawEinwilligungRequest(_message.Message):
    __slots__ = ("request_id", "plan_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    plan_id: str
    def __init__(self, request_id: _Optional[str] = ..., plan_id: _Optional[str] = ...) -> None: ...

class WithdrawEinwilligungResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class GetCaseloadRequest(_message.Message):
    __slots__ = ("stichtag",)
    STICHTAG_FIELD_NUMBER: _ClassVar[int]
    stichtag: str
    def __init__(self, stichtag: _Optional[str] = ...) -> None: ...

class Fallbelastung(_message.Message):
    __slots__ = ("integrationsmanager", "offene_plaene")
    INTEGRATIONSMANAGER_FIELD_NUMBER: _ClassVar[int]
    OFFENE_PLAENE_FIELD_NUMBER: _ClassVar[int]
    integrationsmanager: str
    offene_plaene: int
    def __init__(self, integrationsmanager: _Optional[str] = ..., offene_plaene: _Optional[int] = ...) -> None: ...

class Faelligkeit(_message.Message):
    __slots__ = ("plan_id", "integrationsmanager", "was", "faellig_am")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    INTEGRATIONSMANAGER_FIELD_NUMBER: _ClassVar[int]
    WAS_FIELD_NUMBER: _ClassVar[int]
    FAELLIG_AM_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    integrationsmanager: str
    was: str
    faellig_am: str
    def __init__(self, plan_id: _Optional[str] = ..., integrationsmanager: _Optional[str] = ..., was: _Optional[str] = ..., faellig_am: _Optional[str] = ...) -> None: ...

class GetCaseloadResponse(_message.Message):
    __slots__ = ("fallbelastung", "ueberfaellig")
    FALLBELASTUNG_FIELD_NUMBER: _ClassVar[int]
    UEBERFAELLIG_FIELD_NUMBER: _ClassVar[int]
    fallbelastung: _containers.RepeatedCompositeFieldContainer[Fallbelastung]
    ueberfaellig: _containers.RepeatedCompositeFieldContainer[Faelligkeit]
    def __init__(self, fallbelastung: _Optional[_Iterable[_Union[Fallbelastung, _Mapping]]] = ..., ueberfaellig: _Optional[_Iterable[_Union[Faelligkeit, _Mapping]]] = ...) -> None: ...

class ExportPersonRequest(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class ExportPersonResponse(_message.Message):
    __slots__ = ("json",)
    JSON_FIELD_NUMBER: _ClassVar[int]
    json: str
    def __init__(self, json: _Optional[str] = ...) -> None: ...

class ErasePersonRequest(_message.Message):
    __slots__ = ("request_id", "plan_id", "grund")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    GRUND_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    plan_id: str
    grund: str
    def __init__(self, request_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., grund: _Optional[str] = ...) -> None: ...

class ErasePersonResponse(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class GetFallzahlenRequest(_message.Message):
    __slots__ = ("kreis_ags",)
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    kreis_ags: str
    def __init__(self, kreis_ags: _Optional[str] = ...) -> None: ...

class Fallzahl(_message.Message):
    __slots__ = ("kommune_ags", "offene_plaene", "suppressed")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    OFFENE_PLAENE_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    offene_plaene: int
    suppressed: bool
    def __init__(self, kommune_ags: _Optional[str] = ..., offene_plaene: _Optional[int] = ..., suppressed: _Optional[bool] = ...) -> None: ...

class GetFallzahlenResponse(_message.Message):
    __slots__ = ("fallzahlen",)
    FALLZAHLEN_FIELD_NUMBER: _ClassVar[int]
    fallzahlen: _containers.RepeatedCompositeFieldContainer[Fallzahl]
    def __init__(self, fallzahlen: _Optional[_Iterable[_Union[Fallzahl, _Mapping]]] = ...) -> None: ...

class RepublishRequest(_message.Message):
    __slots__ = ("alle",)
    ALLE_FIELD_NUMBER: _ClassVar[int]
    alle: bool
    def __init__(self, alle: _Optional[bool] = ...) -> None: ...

class RepublishResponse(_message.Message):
    __slots__ = ("events_queued",)
    EVENTS_QUEUED_FIELD_NUMBER: _ClassVar[int]
    events_queued: int
    def __init__(self, events_queued: _Optional[int] = ...) -> None: ...
