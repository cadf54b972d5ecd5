"""The dashboard's "Stand" line and its warning, from the reporting service's measurement."""

from datetime import UTC, datetime

from dashboard.data import VERALTET_AB_S, stand_text, warnung
from pakt.reporting.v1 import reporting_pb2


def _stand(**fields) -> reporting_pb2.GetAktualitaetResponse:
    return reporting_pb2.GetAktualitaetResponse(broker_erreichbar=True, **fields)


def test_current_figures_carry_no_warning_however_old_the_newest_event():
    stand = _stand(events_applied=12_345)
    stand.neuestes_ereignis_at.FromDatetime(datetime(2017, 7, 1, 10, 0, tzinfo=UTC))
    assert warnung(stand) is None
    assert "neuestes Ereignis 01.07.2017" in stand_text(stand)
    assert "12.345 Ereignisse verarbeitet" in stand_text(stand)


def test_figures_behind_by_more_than_ten_seconds_are_flagged_with_the_lag():
    assert warnung(_stand(rueckstand_ereignisse=3, rueckstand_sekunden=VERALTET_AB_S)) is None
    text = warnung(_stand(rueckstand_ereignisse=1_204, rueckstand_sekunden=42.4))
    assert text == "Die Zahlen sind nicht aktuell: 1.204 Ereignisse warten seit 42 s auf die Auswertung."


def test_an_unreachable_broker_makes_the_figures_doubtful_not_current():
    text = warnung(reporting_pb2.GetAktualitaetResponse(broker_erreichbar=False))
    assert text.startswith("Aktualität nicht feststellbar")


def test_before_the_first_event():
    assert "noch keines" in stand_text(_stand())
