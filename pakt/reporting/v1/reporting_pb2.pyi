import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from pakt.caseplan.v1 import caseplan_pb2 as _caseplan_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Gliederung(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GLIEDERUNG_UNSPECIFIED: _ClassVar[Gliederung]
    GLIEDERUNG_LANDKREIS: _ClassVar[Gliederung]
    GLIEDERUNG_PROGRAMM: _ClassVar[Gliederung]
    GLIEDERUNG_KOMMUNE: _ClassVar[Gliederung]
GLIEDERUNG_UNSPECIFIED: Gliederung
GLIEDERUNG_LANDKREIS: Gliederung
GLIEDERUNG_PROGRAMM: Gliederung
GLIEDERUNG_KOMMUNE: Gliederung

class GetUtilisationRequest(_message.Message):
    __slots__ = ("by", "foerderjahr")
    BY_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    by: Gliederung
    foerderjahr: int
    def __init__(self, by: _Optional[_Union[Gliederung, str]] = ..., foerderjahr: _Optional[int] = ...) -> None: ...

class UtilisationRow(_message.Message):
    __slots__ = ("key", "name", "planungsrahmen_cent", "beantragt_cent", "bewilligt_cent", "ausgezahlt_cent", "antraege")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLANUNGSRAHMEN_CENT_FIELD_NUMBER: _ClassVar[int]
    BEANTRAGT_CENT_FIELD_NUMBER: _ClassVar[int]
    BEWILLIGT_CENT_FIELD_NUMBER: _ClassVar[int]
    AUSGEZAHLT_CENT_FIELD_NUMBER: _ClassVar[int]
    ANTRAEGE_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    planungsrahmen_cent: int
    beantragt_cent: int
    bewilligt_cent: int
    ausgezahlt_cent: int
    antraege: int
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., planungsrahmen_cent: _Optional[int] = ..., beantragt_cent: _Optional[int] = ..., bewilligt_cent: _Optional[int] = ..., ausgezahlt_cent: _Optional[int] = ..., antraege: _Optional[int] = ...) -> None: ...

class GetUtilisationResponse(_message.Message):
    __slots__ = ("rows", "events_applied")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[UtilisationRow]
    events_applied: int
    def __init__(self, rows: _Optional[_Iterable[_Union[UtilisationRow, _Mapping]]] = ..., events_applied: _Optional[int] = ...) -> None: ...

class GetIntegrationsmanagementRequest(_message.Message):
    __slots__ = ("by", "kreis_ags")
    BY_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    by: Gliederung
    kreis_ags: str
    def __init__(self, by: _Optional[_Union[Gliederung, str]] = ..., kreis_ags: _Optional[str] = ...) -> None: ...

class Zelle(_message.Message):
    __slots__ = ("value", "suppressed")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SUPPRESSED_FIELD_NUMBER: _ClassVar[int]
    value: int
    suppressed: bool
    def __init__(self, value: _Optional[int] = ..., suppressed: _Optional[bool] = ...) -> None: ...

class IntegrationsmanagementRow(_message.Message):
    __slots__ = ("key", "name", "offene_plaene")
    KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OFFENE_PLAENE_FIELD_NUMBER: _ClassVar[int]
    key: str
    name: str
    offene_plaene: Zelle
    def __init__(self, key: _Optional[str] = ..., name: _Optional[str] = ..., offene_plaene: _Optional[_Union[Zelle, _Mapping]] = ...) -> None: ...

class ZielfeldRow(_message.Message):
    __slots__ = ("feld", "name", "ziele", "erreicht")
    FELD_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ZIELE_FIELD_NUMBER: _ClassVar[int]
    ERREICHT_FIELD_NUMBER: _ClassVar[int]
    feld: _caseplan_pb2.Zielfeld
    name: str
    ziele: Zelle
    erreicht: Zelle
    def __init__(self, feld: _Optional[_Union[_caseplan_pb2.Zielfeld, str]] = ..., name: _Optional[str] = ..., ziele: _Optional[_Union[Zelle, _Mapping]] = ..., erreicht: _Optional[_Union[Zelle, _Mapping]] = ...) -> None: ...

class GetIntegrationsmanagementResponse(_message.Message):
    __slots__ = ("rows", "offene_plaene_gesamt", "zielfelder", "events_applied")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    OFFENE_PLAENE_GESAMT_FIELD_NUMBER: _ClassVar[int]
    ZIELFELDER_FIELD_NUMBER: _ClassVar[int]
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[IntegrationsmanagementRow]
    offene_plaene_gesamt: Zelle
    zielfelder: _containers.RepeatedCompositeFieldContainer[ZielfeldRow]
    events_applied: int
    def __init__(self, rows: _Optional[_Iterable[_Union[IntegrationsmanagementRow, _Mapping]]] = ..., offene_plaene_gesamt: _Optional[_Union[Zelle, _Mapping]] = ..., zielfelder: _Optional[_Iterable[_Union[ZielfeldRow, _Mapping]]] = ..., events_applied: _Optional[int] = ...) -> None: ...

class AntragStand(_message.Message):
    __slots__ = ("antrag_id", "version", "antragsteller_ags", "kreis_ags", "programm", "foerderjahr", "status", "betrag_cent", "bewilligt_cent", "ausgezahlt_cent", "freigegeben_cent", "rueckforderung_cent")
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ANTRAGSTELLER_AGS_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BETRAG_CENT_FIELD_NUMBER: _ClassVar[int]
    BEWILLIGT_CENT_FIELD_NUMBER: _ClassVar[int]
    AUSGEZAHLT_CENT_FIELD_NUMBER: _ClassVar[int]
    FREIGEGEBEN_CENT_FIELD_NUMBER: _ClassVar[int]
    RUECKFORDERUNG_CENT_FIELD_NUMBER: _ClassVar[int]
    antrag_id: str
    version: int
    antragsteller_ags: str
    kreis_ags: str
    programm: str
    foerderjahr: int
    status: str
    betrag_cent: int
    bewilligt_cent: int
    ausgezahlt_cent: int
    freigegeben_cent: int
    rueckforderung_cent: int
    def __init__(self, antrag_id: _Optional[str] = ..., version: _Optional[int] = ..., antragsteller_ags: _Optional[str] = ..., kreis_ags: _Optional[str] = ..., programm: _Optional[str] = ..., foerderjahr: _Optional[int] = ..., status: _Optional[str] = ..., betrag_cent: _Optional[int] = ..., bewilligt_cent: _Optional[int] = ..., ausgezahlt_cent: _Optional[int] = ..., freigegeben_cent: _Optional[int] = ..., rueckforderung_cent: _Optional[int] = ...) -> None: ...

class ListAntragStaendeRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAntragStaendeResponse(_message.Message):
    __slots__ = ("antrag_staende", "next_page_token")
    ANTRAG_STAENDE_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    antrag_staende: _containers.RepeatedCompositeFieldContainer[AntragStand]
    next_page_token: str
    def __init__(self, antrag_staende: _Optional[_Iterable[_Union[AntragStand, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetAktualitaetRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetAktualitaetResponse(_message.Message):
    __slots__ = ("events_applied", "neuestes_ereignis_at", "broker_erreichbar", "rueckstand_ereignisse", "rueckstand_sekunden")
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    NEUESTES_EREIGNIS_AT_FIELD_NUMBER: _ClassVar[int]
    BROKER_ERREICHBAR_FIELD_NUMBER: _ClassVar[int]
    RUECKSTAND_EREIGNISSE_FIELD_NUMBER: _ClassVar[int]
    RUECKSTAND_SEKUNDEN_FIELD_NUMBER: _ClassVar[int]
    events_applied: int
    neuestes_ereignis_at: _timestamp_pb2.Timestamp
    broker_erreichbar: bool
    rueckstand_ereignisse: int
    rueckstand_sekunden: float
    def __init__(self, events_applied: _Optional[int] = ..., neuestes_ereignis_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., broker_erreichbar: _Optional[bool] = ..., rueckstand_ereignisse: _Optional[int] = ..., rueckstand_sekunden: _Optional[float] = ...) -> None: ...

class GetAggregationStandRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetAggregationStandResponse(_message.Message):
    __slots__ = ("events_applied", "events_processed")
    class EventsProcessedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    EVENTS_APPLIED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_PROCESSED_FIELD_NUMBER: _ClassVar[int]
    events_applied: int
    events_processed: _containers.ScalarMap[str, int]
    def __init__(self, events_applied: _Optional[int] = ..., events_processed: _Optional[_Mapping[str, int]] = ...) -> None: ...

class ResetReadModelRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResetReadModelResponse(_message.Message):
    __slots__ = ("antraege_removed",)
    ANTRAEGE_REMOVED_FIELD_NUMBER: _ClassVar[int]
    antraege_removed: int
    def __init__(self, antraege_removed: _Optional[int] = ...) -> None: ...
