from pakt.antrag.v1 import antrag_pb2 as _antrag_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AntragEingereicht(_message.Message):
    __slots__ = ("antrag",)
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    antrag: _antrag_pb2.Antrag
    def __init__(self, antrag: _Optional[_Union[_antrag_pb2.Antrag, _Mapping]] = ...) -> None: ...

class AntragBeschieden(_message.Message):
    __slots__ = ("antrag", "bescheid_id")
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    BESCHEID_ID_FIELD_NUMBER: _ClassVar[int]
    antrag: _antrag_pb2.Antrag
    bescheid_id: str
    def __init__(self, antrag: _Optional[_Union[_antrag_pb2.Antrag, _Mapping]] = ..., bescheid_id: _Optional[str] = ...) -> None: ...

class AntragFortgeschrieben(_message.Message):
    __slots__ = ("antrag", "schritt")
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    SCHRITT_FIELD_NUMBER: _ClassVar[int]
    antrag: _antrag_pb2.Antrag
    schritt: _antrag_pb2.Schritt
    def __init__(self, antrag: _Optional[_Union[_antrag_pb2.Antrag, _Mapping]] = ..., schritt: _Optional[_Union[_antrag_pb2.Schritt, str]] = ...) -> None: ...
