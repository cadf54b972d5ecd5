from pakt.caseplan.v1 import caseplan_pb2 as _caseplan_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlanEroeffnet(_message.Message):
    __slots__ = ("plan_id", "kommune_ags", "altersband", "eroeffnet_am")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    ALTERSBAND_FIELD_NUMBER: _ClassVar[int]
    EROEFFNET_AM_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    kommune_ags: str
    altersband: str
    eroeffnet_am: str
    def __init__(self, plan_id: _Optional[str] = ..., kommune_ags: _Optional[str] = ..., altersband: _Optional[str] = ..., eroeffnet_am: _Optional[str] = ...) -> None: ...

class ZielFortgeschrieben(_message.Message):
    __slots__ = ("plan_id", "kommune_ags", "ziel_id", "feld", "status")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    ZIEL_ID_FIELD_NUMBER: _ClassVar[int]
    FELD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    kommune_ags: str
    ziel_id: str
    feld: _caseplan_pb2.Zielfeld
    status: _caseplan_pb2.Zielstatus
    def __init__(self, plan_id: _Optional[str] = ..., kommune_ags: _Optional[str] = ..., ziel_id: _Optional[str] = ..., feld: _Optional[_Union[_caseplan_pb2.Zielfeld, str]] = ..., status: _Optional[_Union[_caseplan_pb2.Zielstatus, str]] = ...) -> None: ...

class PlanAbgeschlossen(_message.Message):
    __slots__ = ("plan_id", "kommune_ags", "grund", "abgeschlossen_am")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    GRUND_FIELD_NUMBER: _ClassVar[int]
    ABGESCHLOSSEN_AM_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    kommune_ags: str
    grund: _caseplan_pb2.Abschlussgrund
    abgeschlossen_am: str
    def __init__(self, plan_id: _Optional[str] = ..., kommune_ags: _Optional[str] = ..., grund: _Optional[_Union[_caseplan_pb2.Abschlussgrund, str]] = ..., abgeschlossen_am: _Optional[str] = ...) -> None: ...

class PlanUebergeben(_message.Message):
    __slots__ = ("plan_id", "von_kommune_ags", "an_kommune_ags")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    VON_KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    AN_KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    von_kommune_ags: str
    an_kommune_ags: str
    def __init__(self, plan_id: _Optional[str] = ..., von_kommune_ags: _Optional[str] = ..., an_kommune_ags: _Optional[str] = ...) -> None: ...
