"""Operator dashboard: live budget utilisation per Landkreis and per programme, and the
Integrationsmanagement caseload (German).

Run by `pakt up`; reads only the ReportingService (PAKT_REPORTING_TARGET).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.data import (
    GEHEIM,
    faelle_table,
    fetch,
    fetch_aktualitaet,
    fetch_faelle,
    stand_text,
    table,
    warnung,
    zahl,
    zielfeld_table,
)
from pakt.geld import euro_kurz, quote
from pakt.platform.client import CallFailed
from pakt.platform.settings import target
from pakt.referenzdaten import programme
from pakt.reporting.v1 import reporting_pb2

REFRESH_SECONDS = 3

st.set_page_config(page_title="Pakt für Integration – Mittelauslastung", layout="wide")
st.title("Pakt für Integration – Mittelauslastung")
st.caption("Regierungspräsidium Stuttgart · Bewilligungsstelle")

jahre = sorted({j for p in programme().values() for j in p.foerderjahre})
auswahl = st.selectbox("Förderjahr", ["alle", *jahre], index=0)
foerderjahr = 0 if auswahl == "alle" else int(auswahl)


@st.fragment(run_every=REFRESH_SECONDS)
def live() -> None:
    reporting = target("reporting")
    try:
        stand = fetch_aktualitaet(reporting)
        kreise = fetch(reporting, reporting_pb2.GLIEDERUNG_LANDKREIS, foerderjahr)
        programme_ = fetch(reporting, reporting_pb2.GLIEDERUNG_PROGRAMM, foerderjahr)
    except CallFailed as exc:
        st.error(f"Auswertung nicht erreichbar – keine aktuellen Zahlen: {exc}")
        return
    if hinweis := warnung(stand):
        st.warning(hinweis, icon="⚠️")

    rahmen, bewilligt = kreise.total("planungsrahmen_cent"), kreise.total("bewilligt_cent")
    cols = st.columns(5)
    cols[0].metric("Planungsrahmen", euro_kurz(rahmen))
    cols[1].metric("beantragt", euro_kurz(kreise.total("beantragt_cent")))
    cols[2].metric("bewilligt", euro_kurz(bewilligt))
    cols[3].metric("ausgezahlt", euro_kurz(kreise.total("ausgezahlt_cent")))
    cols[4].metric("Auslastung", quote(bewilligt, rahmen))
    st.caption(f"{stand_text(stand)} · {kreise.total('antraege')} Anträge · aktualisiert alle {REFRESH_SECONDS} s")

    je_kreis, je_programm = st.tabs(["Je Stadt- und Landkreis", "Je Programm"])
    with je_kreis:
        chart = pd.DataFrame(
            {
                "Kreis": [r.name for r in kreise.rows],
                "Auslastung in %": [
                    round(r.bewilligt_cent / r.planungsrahmen_cent * 100, 2) if r.planungsrahmen_cent else 0.0
                    for r in kreise.rows
                ],
            }
        )
        st.bar_chart(chart, x="Kreis", y="Auslastung in %", height=260)
        st.table(pd.DataFrame(table(kreise, "Kreis")).set_index("Kreis"))
    with je_programm:
        st.table(pd.DataFrame(table(programme_, "Programm")).set_index("Programm"))

    faelle_section(reporting)


def faelle_section(reporting: str) -> None:
    st.subheader("Integrationsmanagement (Fälle)")
    try:
        faelle = fetch_faelle(reporting)
    except CallFailed as exc:
        st.error(f"Fallzahlen nicht verfügbar: {exc}")
        return
    st.caption(
        f"Offene Integrationspläne landesweit: {zahl(faelle.gesamt)} · Ziele aller Pläne, auch abgeschlossener · "
        f"„{GEHEIM}“: keine Zahl beschreibt weniger als 5 Personen; unterdrückt sind kleine Werte und so viele "
        "weitere, dass sich keiner aus einer Summe zurückrechnen lässt."
    )
    je_kreis, je_zielfeld = st.columns([3, 2])
    with je_kreis:
        st.table(pd.DataFrame(faelle_table(faelle)).set_index("Stadt- oder Landkreis"))
    with je_zielfeld:
        st.table(pd.DataFrame(zielfeld_table(faelle)).set_index("Zielfeld"))


live()
