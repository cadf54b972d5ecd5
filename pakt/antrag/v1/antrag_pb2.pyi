import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from pakt.common.v1 import programm_pb2 as _programm_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
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
    ANTRAG_STATUS_ENTSCHEIDUNGSREIF: _ClassVar[AntragStatus]
    ANTRAG_STATUS_ABGESCHLOSSEN: _ClassVar[AntragStatus]

class Schritt(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCHRITT_UNSPECIFIED: _ClassVar[Schritt]
    SCHRITT_EINGEREICHT: _ClassVar[Schritt]
    SCHRITT_ZURUECKGEZOGEN: _ClassVar[Schritt]
    SCHRITT_PRUEFUNG_BEGONNEN: _ClassVar[Schritt]
    SCHRITT_NACHFORDERUNG_GESTELLT: _ClassVar[Schritt]
    SCHRITT_NACHFORDERUNG_BEANTWORTET: _ClassVar[Schritt]
    SCHRITT_PRUEFUNG_ABGESCHLOSSEN: _ClassVar[Schritt]
    SCHRITT_BESCHIEDEN: _ClassVar[Schritt]
    SCHRITT_MITTELABRUF_EINGEGANGEN: _ClassVar[Schritt]
    SCHRITT_AUSZAHLUNG_ANGEWIESEN: _ClassVar[Schritt]
    SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN: _ClassVar[Schritt]

class Qualifikation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALIFIKATION_UNSPECIFIED: _ClassVar[Qualifikation]
    QUALIFIKATION_HOCHSCHULABSCHLUSS_SOZIALWESEN: _ClassVar[Qualifikation]
    QUALIFIKATION_ANDERER_GEEIGNETER_STUDIENGANG: _ClassVar[Qualifikation]
    QUALIFIKATION_BERUFSAUSBILDUNG_MIT_ERFAHRUNGSWISSEN: _ClassVar[Qualifikation]

class Traegerschaft(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRAEGERSCHAFT_UNSPECIFIED: _ClassVar[Traegerschaft]
    TRAEGERSCHAFT_EIGENREGIE: _ClassVar[Traegerschaft]
    TRAEGERSCHAFT_DRITTE: _ClassVar[Traegerschaft]

class MittelabrufStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MITTELABRUF_STATUS_UNSPECIFIED: _ClassVar[MittelabrufStatus]
    MITTELABRUF_STATUS_ANGEFORDERT: _ClassVar[MittelabrufStatus]
    MITTELABRUF_STATUS_AUSGEZAHLT: _ClassVar[MittelabrufStatus]
ANTRAG_STATUS_UNSPECIFIED: AntragStatus
ANTRAG_STATUS_EINGEGANGEN: AntragStatus
ANTRAG_STATUS_IN_PRUEFUNG: AntragStatus
ANTRAG_STATUS_NACHFORDERUNG: AntragStatus
ANTRAG_STATUS_BEWILLIGT: AntragStatus
ANTRAG_STATUS_TEILWEISE_BEWILLIGT: AntragStatus
ANTRAG_STATUS_ABGELEHNT: AntragStatus
ANTRAG_STATUS_ZURUECKGEZOGEN: AntragStatus
ANTRAG_STATUS_ENTSCHEIDUNGSREIF: AntragStatus
ANTRAG_STATUS_ABGESCHLOSSEN: AntragStatus
SCHRITT_UNSPECIFIED: Schritt
SCHRITT_EINGEREICHT: Schritt
SCHRITT_ZURUECKGEZOGEN: Schritt
SCHRITT_PRUEFUNG_BEGONNEN: Schritt
SCHRITT_NACHFORDERUNG_GESTELLT: Schritt
SCHRITT_NACHFORDERUNG_BEANTWORTET: Schritt
SCHRITT_PRUEFUNG_ABGESCHLOSSEN: Schritt
SCHRITT_BESCHIEDEN: Schritt
SCHRITT_MITTELABRUF_EINGEGANGEN: Schritt
SCHRITT_AUSZAHLUNG_ANGEWIESEN: Schritt
SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN: Schritt
QUALIFIKATION_UNSPECIFIED: Qualifikation
QUALIFIKATION_HOCHSCHULABSCHLUSS_SOZIALWESEN: Qualifikation
QUALIFIKATION_ANDERER_GEEIGNETER_STUDIENGANG: Qualifikation
QUALIFIKATION_BERUFSAUSBILDUNG_MIT_ERFAHRUNGSWISSEN: Qualifikation
TRAEGERSCHAFT_UNSPECIFIED: Traegerschaft
TRAEGERSCHAFT_EIGENREGIE: Traegerschaft
TRAEGERSCHAFT_DRITTE: Traegerschaft
MITTELABRUF_STATUS_UNSPECIFIED: MittelabrufStatus
MITTELABRUF_STATUS_ANGEFORDERT: MittelabrufStatus
MITTELABRUF_STATUS_AUSGEZAHLT: MittelabrufStatus

class Stelle(_message.Message):
    __slots__ = ("vzae_hundertstel", "qualifikation")
    VZAE_HUNDERTSTEL_FIELD_NUMBER: _ClassVar[int]
    QUALIFIKATION_FIELD_NUMBER: _ClassVar[int]
    vzae_hundertstel: int
    qualifikation: Qualifikation
    def __init__(self, vzae_hundertstel: _Optional[int] = ..., qualifikation: _Optional[_Union[Qualifikation, str]] = ...) -> None: ...

class Ansprechperson(_message.Message):
    __slots__ = ("name", "email", "telefon")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    TELEFON_FIELD_NUMBER: _ClassVar[int]
    name: str
    email: str
    telefon: str
    def __init__(self, name: _Optional[str] = ..., email: _Optional[str] = ..., telefon: _Optional[str] = ...) -> None: ...

class Kooperationsmitglied(_message.Message):
    __slots__ = ("ags", "anteil_prozent")
    AGS_FIELD_NUMBER: _ClassVar[int]
    ANTEIL_PROZENT_FIELD_NUMBER: _ClassVar[int]
    ags: str
    anteil_prozent: int
    def __init__(self, ags: _Optional[str] = ..., anteil_prozent: _Optional[int] = ...) -> None: ...

class Nachforderung(_message.Message):
    __slots__ = ("text", "frist", "antwort")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FRIST_FIELD_NUMBER: _ClassVar[int]
    ANTWORT_FIELD_NUMBER: _ClassVar[int]
    text: str
    frist: str
    antwort: str
    def __init__(self, text: _Optional[str] = ..., frist: _Optional[str] = ..., antwort: _Optional[str] = ...) -> None: ...

class Mittelabruf(_message.Message):
    __slots__ = ("id", "betrag_cent", "status", "angefordert_at", "ausgezahlt_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    BETRAG_CENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ANGEFORDERT_AT_FIELD_NUMBER: _ClassVar[int]
    AUSGEZAHLT_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    betrag_cent: int
    status: MittelabrufStatus
    angefordert_at: _timestamp_pb2.Timestamp
    ausgezahlt_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., betrag_cent: _Optional[int] = ..., status: _Optional[_Union[MittelabrufStatus, str]] = ..., angefordert_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ausgezahlt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Antrag(_message.Message):
    __slots__ = ("id", "status", "antragsteller_ags", "kreis_ags", "programm", "foerderjahr", "betrag_cent", "bewilligt_cent", "ausgezahlt_cent", "bescheid_begruendung", "eingegangen_at", "geaendert_at", "version", "beginn", "ende", "stellen", "traegerschaft", "traeger_name", "ansprechperson", "begruendung", "mitglieder", "uebertragende_ags", "bescheid_id", "abgerufen_cent", "mittelabrufe", "nachforderung", "verwendet_cent", "rueckforderung_cent", "freigegeben_cent")
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
    BEGINN_FIELD_NUMBER: _ClassVar[int]
    ENDE_FIELD_NUMBER: _ClassVar[int]
    STELLEN_FIELD_NUMBER: _ClassVar[int]
    TRAEGERSCHAFT_FIELD_NUMBER: _ClassVar[int]
    TRAEGER_NAME_FIELD_NUMBER: _ClassVar[int]
    ANSPRECHPERSON_FIELD_NUMBER: _ClassVar[int]
    BEGRUENDUNG_FIELD_NUMBER: _ClassVar[int]
    MITGLIEDER_FIELD_NUMBER: _ClassVar[int]
    UEBERTRAGENDE_AGS_FIELD_NUMBER: _ClassVar[int]
    BESCHEID_ID_FIELD_NUMBER: _ClassVar[int]
    ABGERUFEN_CENT_FIELD_NUMBER: _ClassVar[int]
    MITTELABRUFE_FIELD_NUMBER: _ClassVar[int]
    NACHFORDERUNG_FIELD_NUMBER: _ClassVar[int]
    VERWENDET_CENT_FIELD_NUMBER: _ClassVar[int]
    RUECKFORDERUNG_CENT_FIELD_NUMBER: _ClassVar[int]
    FREIGEGEBEN_CENT_FIELD_NUMBER: _ClassVar[int]
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
    beginn: str
    ende: str
    stellen: _containers.RepeatedCompositeFieldContainer[Stelle]
    traegerschaft: Traegerschaft
    traeger_name: str
    ansprechperson: Ansprechperson
    begruendung: str
    mitglieder: _containers.RepeatedCompositeFieldContainer[Kooperationsmitglied]
    uebertragende_ags: _containers.RepeatedScalarFieldContainer[str]
    bescheid_id: str
    abgerufen_cent: int
    mittelabrufe: _containers.RepeatedCompositeFieldContainer[Mittelabruf]
    nachforderung: Nachforderung
    verwendet_cent: int
    rueckforderung_cent: int
    freigegeben_cent: int
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[AntragStatus, str]] = ..., antragsteller_ags: _Optional[str] = ..., kreis_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., betrag_cent: _Optional[int] = ..., bewilligt_cent: _Optional[int] = ..., ausgezahlt_cent: _Optional[int] = ..., bescheid_begruendung: _Optional[str] = ..., eingegangen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., geaendert_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., beginn: _Optional[str] = ..., ende: _Optional[str] = ..., stellen: _Optional[_Iterable[_Union[Stelle, _Mapping]]] = ..., traegerschaft: _Optional[_Union[Traegerschaft, str]] = ..., traeger_name: _Optional[str] = ..., ansprechperson: _Optional[_Union[Ansprechperson, _Mapping]] = ..., begruendung: _Optional[str] = ..., mitglieder: _Optional[_Iterable[_Union[Kooperationsmitglied, _Mapping]]] = ..., uebertragende_ags: _Optional[_Iterable[str]] = ..., bescheid_id: _Optional[str] = ..., abgerufen_cent: _Optional[int] = ..., mittelabrufe: _Optional[_Iterable[_Union[Mittelabruf, _Mapping]]] = ..., nachforderung: _Optional[_Union[Nachforderung, _Mapping]] = ..., verwendet_cent: _Optional[int] = ..., rueckforderung_cent: _Optional[int] = ..., freigegeben_cent: _Optional[int] = ...) -> None: ...

class Uebertragung(_message.Message):
    __slots__ = ("id", "gemeinde_ags", "kreis_ags", "programm", "beginn", "ende", "erfasst_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    GEMEINDE_AGS_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    BEGINN_FIELD_NUMBER: _ClassVar[int]
    ENDE_FIELD_NUMBER: _ClassVar[int]
    ERFASST_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    gemeinde_ags: str
    kreis_ags: str
    programm: _programm_pb2.Programm
    beginn: str
    ende: str
    erfasst_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., gemeinde_ags: _Optional[str] = ..., kreis_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., beginn: _Optional[str] = ..., ende: _Optional[str] = ..., erfasst_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HistorienEintrag(_message.Message):
    __slots__ = ("version", "zeitpunkt", "akteur", "schritt", "status_vorher", "status_nachher", "begruendung", "betrag_cent")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ZEITPUNKT_FIELD_NUMBER: _ClassVar[int]
    AKTEUR_FIELD_NUMBER: _ClassVar[int]
    SCHRITT_FIELD_NUMBER: _ClassVar[int]
    STATUS_VORHER_FIELD_NUMBER: _ClassVar[int]
    STATUS_NACHHER_FIELD_NUMBER: _ClassVar[int]
    BEGRUENDUNG_FIELD_NUMBER: _ClassVar[int]
    BETRAG_CENT_FIELD_NUMBER: _ClassVar[int]
    version: int
    zeitpunkt: _timestamp_pb2.Timestamp
    akteur: str
    schritt: Schritt
    status_vorher: AntragStatus
    status_nachher: AntragStatus
    begruendung: str
    betrag_cent: int
    def __init__(self, version: _Optional[int] = ..., zeitpunkt: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., akteur: _Optional[str] = ..., schritt: _Optional[_Union[Schritt, str]] = ..., status_vorher: _Optional[_Union[AntragStatus, str]] = ..., status_nachher: _Optional[_Union[AntragStatus, str]] = ..., begruendung: _Optional[str] = ..., betrag_cent: _Optional[int] = ...) -> None: ...

class SubmitAntragRequest(_message.Message):
    __slots__ = ("request_id", "antragsteller_ags", "programm", "foerderjahr", "betrag_cent", "beginn", "ende", "stellen", "traegerschaft", "traeger_name", "ansprechperson", "begruendung", "mitglieder")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAGSTELLER_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    BETRAG_CENT_FIELD_NUMBER: _ClassVar[int]
    BEGINN_FIELD_NUMBER: _ClassVar[int]
    ENDE_FIELD_NUMBER: _ClassVar[int]
    STELLEN_FIELD_NUMBER: _ClassVar[int]
    TRAEGERSCHAFT_FIELD_NUMBER: _ClassVar[int]
    TRAEGER_NAME_FIELD_NUMBER: _ClassVar[int]
    ANSPRECHPERSON_FIELD_NUMBER: _ClassVar[int]
    BEGRUENDUNG_FIELD_NUMBER: _ClassVar[int]
    MITGLIEDER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    antragsteller_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    betrag_cent: int
    beginn: str
    ende: str
    stellen: _containers.RepeatedCompositeFieldContainer[Stelle]
    traegerschaft: Traegerschaft
    traeger_name: str
    ansprechperson: Ansprechperson
    begruendung: str
    mitglieder: _containers.RepeatedCompositeFieldContainer[Kooperationsmitglied]
    def __init__(self, request_id: _Optional[str] = ..., antragsteller_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., betrag_cent: _Optional[int] = ..., beginn: _Optional[str] = ..., ende: _Optional[str] = ..., stellen: _Optional[_Iterable[_Union[Stelle, _Mapping]]] = ..., traegerschaft: _Optional[_Union[Traegerschaft, str]] = ..., traeger_name: _Optional[str] = ..., ansprechperson: _Optional[_Union[Ansprechperson, _Mapping]] = ..., begruendung: _Optional[str] = ..., mitglieder: _Optional[_Iterable[_Union[Kooperationsmitglied, _Mapping]]] = ...) -> None: ...

class SubmitAntragResponse(_message.Message):
    __slots__ = ("antrag",)
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    antrag: Antrag
    def __init__(self, antrag: _Optional[_Union[Antrag, _Mapping]] = ...) -> None: ...

class WithdrawAntragRequest(_message.Message):
    __slots__ = ("request_id", "antrag_id", "begruendung")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    BEGRUENDUNG_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    antrag_id: str
    begruendung: str
    def __init__(self, request_id: _Optional[str] = ..., antrag_id: _Optional[str] = ..., begruendung: _Optional[str] = ...) -> None: ...

class WithdrawAntragResponse(_message.Message):
    __slots__ = ("antrag",)
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    antrag: Antrag
    def __init__(self, antrag: _Optional[_Union[Antrag, _Mapping]] = ...) -> None: ...

class AnswerNachforderungRequest(_message.Message):
    __slots__ = ("request_id", "antrag_id", "antwort")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    ANTWORT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    antrag_id: str
    antwort: str
    def __init__(self, request_id: _Optional[str] = ..., antrag_id: _Optional[str] = ..., antwort: _Optional[str] = ...) -> None: ...

class AnswerNachforderungResponse(_message.Message):
    __slots__ = ("antrag",)
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    antrag: Antrag
    def __init__(self, antrag: _Optional[_Union[Antrag, _Mapping]] = ...) -> None: ...

class RequestMittelabrufRequest(_message.Message):
    __slots__ = ("request_id", "antrag_id", "betrag_cent")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    BETRAG_CENT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    antrag_id: str
    betrag_cent: int
    def __init__(self, request_id: _Optional[str] = ..., antrag_id: _Optional[str] = ..., betrag_cent: _Optional[int] = ...) -> None: ...

class RequestMittelabrufResponse(_message.Message):
    __slots__ = ("antrag", "mittelabruf")
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    MITTELABRUF_FIELD_NUMBER: _ClassVar[int]
    antrag: Antrag
    mittelabruf: Mittelabruf
    def __init__(self, antrag: _Optional[_Union[Antrag, _Mapping]] = ..., mittelabruf: _Optional[_Union[Mittelabruf, _Mapping]] = ...) -> None: ...

class SubmitVerwendungsnachweisRequest(_message.Message):
    __slots__ = ("request_id", "antrag_id", "verwendet_cent", "bericht")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    VERWENDET_CENT_FIELD_NUMBER: _ClassVar[int]
    BERICHT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    antrag_id: str
    verwendet_cent: int
    bericht: str
    def __init__(self, request_id: _Optional[str] = ..., antrag_id: _Optional[str] = ..., verwendet_cent: _Optional[int] = ..., bericht: _Optional[str] = ...) -> None: ...

class SubmitVerwendungsnachweisResponse(_message.Message):
    __slots__ = ("antrag",)
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    antrag: Antrag
    def __init__(self, antrag: _Optional[_Union[Antrag, _Mapping]] = ...) -> None: ...

class RecordUebertragungRequest(_message.Message):
    __slots__ = ("request_id", "gemeinde_ags", "programm", "beginn", "ende")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    GEMEINDE_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    BEGINN_FIELD_NUMBER: _ClassVar[int]
    ENDE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    gemeinde_ags: str
    programm: _programm_pb2.Programm
    beginn: str
    ende: str
    def __init__(self, request_id: _Optional[str] = ..., gemeinde_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., beginn: _Optional[str] = ..., ende: _Optional[str] = ...) -> None: ...

class RecordUebertragungResponse(_message.Message):
    __slots__ = ("uebertragung",)
    UEBERTRAGUNG_FIELD_NUMBER: _ClassVar[int]
    uebertragung: Uebertragung
    def __init__(self, uebertragung: _Optional[_Union[Uebertragung, _Mapping]] = ...) -> None: ...

class BeginPruefungRequest(_message.Message):
    __slots__ = ("request_id", "antrag_id", "vermerk")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    VERMERK_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    antrag_id: str
    vermerk: str
    def __init__(self, request_id: _Optional[str] = ..., antrag_id: _Optional[str] = ..., vermerk: _Optional[str] = ...) -> None: ...

class BeginPruefungResponse(_message.Message):
    __slots__ = ("antrag",)
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    antrag: Antrag
    def __init__(self, antrag: _Optional[_Union[Antrag, _Mapping]] = ...) -> None: ...

class RequestNachforderungRequest(_message.Message):
    __slots__ = ("request_id", "antrag_id", "text", "frist")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FRIST_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    antrag_id: str
    text: str
    frist: str
    def __init__(self, request_id: _Optional[str] = ..., antrag_id: _Optional[str] = ..., text: _Optional[str] = ..., frist: _Optional[str] = ...) -> None: ...

class RequestNachforderungResponse(_message.Message):
    __slots__ = ("antrag",)
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    antrag: Antrag
    def __init__(self, antrag: _Optional[_Union[Antrag, _Mapping]] = ...) -> None: ...

class CompletePruefungRequest(_message.Message):
    __slots__ = ("request_id", "antrag_id", "vermerk")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    VERMERK_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    antrag_id: str
    vermerk: str
    def __init__(self, request_id: _Optional[str] = ..., antrag_id: _Optional[str] = ..., vermerk: _Optional[str] = ...) -> None: ...

class CompletePruefungResponse(_message.Message):
    __slots__ = ("antrag",)
    ANTRAG_FIELD_NUMBER: _ClassVar[int]
    antrag: Antrag
    def __init__(self, antrag: _Optional[_Union[Antrag, _Mapping]] = ...) -> None: ...

class ConfirmAuszahlungRequest(_message.Message):
    __slots__ = ("request_id", "antrag_id", "mittelabruf_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    MITTELABRUF_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    antrag_id: str
    mittelabruf_id: str
    def __init__(self, request_id: _Optional[str] = ..., antrag_id: _Optional[str] = ..., mittelabruf_id: _Optional[str] = ...) -> None: ...

class ConfirmAuszahlungResponse(_message.Message):
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

class ListAntraegeRequest(_message.Message):
    __slots__ = ("kommune_ags", "kreis_ags", "programm", "foerderjahr", "status", "page_size", "page_token")
    KOMMUNE_AGS_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kommune_ags: str
    kreis_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    status: AntragStatus
    page_size: int
    page_token: str
    def __init__(self, kommune_ags: _Optional[str] = ..., kreis_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., status: _Optional[_Union[AntragStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAntraegeResponse(_message.Message):
    __slots__ = ("antraege", "next_page_token")
    ANTRAEGE_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    antraege: _containers.RepeatedCompositeFieldContainer[Antrag]
    next_page_token: str
    def __init__(self, antraege: _Optional[_Iterable[_Union[Antrag, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetAntragHistoryRequest(_message.Message):
    __slots__ = ("antrag_id",)
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    antrag_id: str
    def __init__(self, antrag_id: _Optional[str] = ...) -> None: ...

class GetAntragHistoryResponse(_message.Message):
    __slots__ = ("eintraege",)
    EINTRAEGE_FIELD_NUMBER: _ClassVar[int]
    eintraege: _containers.RepeatedCompositeFieldContainer[HistorienEintrag]
    def __init__(self, eintraege: _Optional[_Iterable[_Union[HistorienEintrag, _Mapping]]] = ...) -> None: ...

class ListUebertragungenRequest(_message.Message):
    __slots__ = ("gemeinde_ags", "kreis_ags")
    GEMEINDE_AGS_FIELD_NUMBER: _ClassVar[int]
    KREIS_AGS_FIELD_NUMBER: _ClassVar[int]
    gemeinde_ags: str
    kreis_ags: str
    def __init__(self, gemeinde_ags: _Optional[str] = ..., kreis_ags: _Optional[str] = ...) -> None: ...

class ListUebertragungenResponse(_message.Message):
    __slots__ = ("uebertragungen",)
    UEBERTRAGUNGEN_FIELD_NUMBER: _ClassVar[int]
    uebertragungen: _containers.RepeatedCompositeFieldContainer[Uebertragung]
    def __init__(self, uebertragungen: _Optional[_Iterable[_Union[Uebertragung, _Mapping]]] = ...) -> None: ...

class Geldstand(_message.Message):
    __slots__ = ("antrag_id", "antragsteller_ags", "programm", "foerderjahr", "status", "version", "bescheid_id", "bewilligt_cent", "ausgezahlt_cent", "freigegeben_cent", "rueckforderung_cent", "geaendert_at")
    ANTRAG_ID_FIELD_NUMBER: _ClassVar[int]
    ANTRAGSTELLER_AGS_FIELD_NUMBER: _ClassVar[int]
    PROGRAMM_FIELD_NUMBER: _ClassVar[int]
    FOERDERJAHR_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    BESCHEID_ID_FIELD_NUMBER: _ClassVar[int]
    BEWILLIGT_CENT_FIELD_NUMBER: _ClassVar[int]
    AUSGEZAHLT_CENT_FIELD_NUMBER: _ClassVar[int]
    FREIGEGEBEN_CENT_FIELD_NUMBER: _ClassVar[int]
    RUECKFORDERUNG_CENT_FIELD_NUMBER: _ClassVar[int]
    GEAENDERT_AT_FIELD_NUMBER: _ClassVar[int]
    antrag_id: str
    antragsteller_ags: str
    programm: _programm_pb2.Programm
    foerderjahr: int
    status: AntragStatus
    version: int
    bescheid_id: str
    bewilligt_cent: int
    ausgezahlt_cent: int
    freigegeben_cent: int
    rueckforderung_cent: int
    geaendert_at: _timestamp_pb2.Timestamp
    def __init__(self, antrag_id: _Optional[str] = ..., antragsteller_ags: _Optional[str] = ..., programm: _Optional[_Union[_programm_pb2.Programm, str]] = ..., foerderjahr: _Optional[int] = ..., status: _Optional[_Union[AntragStatus, str]] = ..., version: _Optional[int] = ..., bescheid_id: _Optional[str] = ..., bewilligt_cent: _Optional[int] = ..., ausgezahlt_cent: _Optional[int] = ..., freigegeben_cent: _Optional[int] = ..., rueckforderung_cent: _Optional[int] = ..., geaendert_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListGeldstaendeRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListGeldstaendeResponse(_message.Message):
    __slots__ = ("geldstaende", "next_page_token")
    GELDSTAENDE_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    geldstaende: _containers.RepeatedCompositeFieldContainer[Geldstand]
    next_page_token: str
    def __init__(self, geldstaende: _Optional[_Iterable[_Union[Geldstand, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RepublishRequest(_message.Message):
    __slots__ = ("antrag_ids", "alle")
    ANTRAG_IDS_FIELD_NUMBER: _ClassVar[int]
    ALLE_FIELD_NUMBER: _ClassVar[int]
    antrag_ids: _containers.RepeatedScalarFieldContainer[str]
    alle: bool
    def __init__(self, antrag_ids: _Optional[_Iterable[str]] = ..., alle: _Optional[bool] = ...) -> None: ...

class RepublishResponse(_message.Message):
    __slots__ = ("events_queued",)
    EVENTS_QUEUED_FIELD_NUMBER: _ClassVar[int]
    events_queued: int
    def __init__(self, events_queued: _Optional[int] = ...) -> None: ...
