import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from pakt.common.v1 import programm_pb2 as _programm_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AntragStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ANTRAG_STATUS_UNSPECIFIED: _ClassVar[AntragStatus]
    ANTRAG_STATUS_EINGEGANGEN: _ClassVar[AntragStatus]
    ANTRAG_STATUS_IN_PRUEFUNG: _ClassVar[AntragStatus]
    ANTRAG_STATUS_NACHFORDERUNG: _ClassVar[AntragStatus]
    ANTRAG_STATUS_BEWILLIGT: _ClassVar[AntragStatus]
    ANTRAG_STATUS_TEILWEISE_BEWILLIGT: _ClassVar[AntragStatus]
    ANTRAG_STATUS_ABGELEHNT: _ClassVar[AntragStatus]
    ANTRAG_STATUS_ZURUECKGEZOGEN: _ClassVar[AntragStatus]
ANTRAG_STATUS_UNSPECIFIED: AntragStatus
ANTRAG_STATUS_EINGEGANGEN: AntragStatus
ANTRAG_STATUS_IN_PRUEFUNG: AntragStatus
ANTRAG_STATUS_NACHFORDERUNG: AntragStatus
ANTRAG_STATUS_BEWILLIGT: AntragStatus
ANTRAG_STATUS_TEILWEISE_BEWILLIGT: AntragStatus
ANTRAG_STATUS_ABGELEHNT: AntragStatus
ANTRAG_STATUS_ZURUECKGEZOGEN: AntragStatus

class Antrag(_message.Message):
    __slots__ = ("id", "status", "antragsteller_ags", "kreis_ags", "programm", "foerderjahr", "betrag_cent", "bewilligt_cent", "ausgezahlt_cent", "bescheid_begruendung", "eingegangen_at", "geaendert_at", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ANTRAGSTELLER_AGS_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    BETRAG_CENT_FIELD_NUMBER: _ClassVar[int]
    BEWILLIGT_CENT_FIELD_NUMBER: _ClassVar[int]
    AUSGEZAHLT_CENT_FIELD_NUMBER: _ClassVar[int]
    BESCHEID_BEGRUENDUNG_FIELD_NUMBER: _ClassVar[int]
    EINGEGANGEN_AT_FIELD_NUMBER: _ClassVar[int]
    GEAENDERT_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: AntragStatus
    antragsteller_ags: str
    kreis_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    betrag_cent: int
    bewilligt_cent: int
    ausgezahlt_cent: int
    bescheid_begruendung: str
    eingegangen_at: _timestamp_pb2.Timestamp
    geaendert_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[AntragStatus, str]] = ..., antragsteller_ags: _Optional[str] = ..., kreis_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., betrag_cent: _Optional[int] = ..., bewilligt_cent: _Optional[int] = ..., ausgezahlt_cent: _Optional[int] = ..., bescheid_begruendung: _Optional[str] = ..., eingegangen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., geaendert_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class SubmitAntragRequest(_message.Message):
    __slots__ = ("request_id", "antragsteller_ags", "programm", "foerderjahr", "betrag_cent")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAGSTELLER_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    BETRAG_CENT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    antragsteller_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    betrag_cent: int
    def __init__(self, request_id: _Optional[str] = ..., antragsteller_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., betrag_cent: _Optional[int] = ...) -> None: ...

class SubmitAntragResponse(_message.Message):
    __slots__ = ("antrag",)
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    antrag: Antrag
    def __init__(self, antrag: _Optional[_Union[Antrag, _Mapping]] = ...) -> None: ...

class GetAntragRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetAntragResponse(_message.Message):
    __slots__ = ("antrag",)
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    antrag: Antrag
    def __init__(self, antrag: _Optional[_Union[Antrag, _Mapping]] = ...) -> None: ...
