"""The reporting read model (SQLAlchemy Core): the latest state of every Antrag and Planungsrahmen,
and of every Integrationsplan and Ziel by pseudonym.

Built only from events, idempotently: replaying the topics from the start gives the same figures.
"""

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table

metadata = MetaData()

antrag_stand = Table(
    "antrag_stand",
    metadata,
    Column("antrag_id", String(36), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("antragsteller_ags", String(8), nullable=False),
    Column("kreis_ags", String(5), nullable=False, index=True),
    Column("programm", String(40), nullable=False),
    Column("foerderjahr", Integer, nullable=False),
    Column("status", String(40), nullable=False),
    Column("betrag_cent", BigInteger, nullable=False),
    # As in the Antrag: the utilisation counts bewilligt - freigegeben as committed.
    Column("bewilligt_cent", BigInteger, nullable=False),
    Column("ausgezahlt_cent", BigInteger, nullable=False),
    # Default 0 for the rows from before migration 0003.
    Column("freigegeben_cent", BigInteger, nullable=False, server_default="0"),
    Column("rueckforderung_cent", BigInteger, nullable=False, server_default="0"),
)

# The Verteilung each programme and year currently follows (version: increases with every new one).
verteilung_stand = Table(
    "verteilung_stand",
    metadata,
    Column("programm", String(40), primary_key=True),
    Column("foerderjahr", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("verteilung_id", String(36), nullable=False),
)

rahmen_stand = Table(
    "rahmen_stand",
    metadata,
    Column("kommune_ags", String(8), primary_key=True),
    Column("programm", String(40), primary_key=True),
    Column("foerderjahr", Integer, primary_key=True),
    Column("kreis_ags", String(5), nullable=False, index=True),
    Column("rahmen_cent", BigInteger, nullable=False),
)

# Integrationspläne by pseudonym, from pakt.caseplan.v1.events: nothing personal, only where the plan
# is and whether it is open. version: the newest event of the plan applied (every event names the
# plan's Kommune as it was then; the newest one wins). status: PLANSTATUS_OFFEN or
# PLANSTATUS_ABGESCHLOSSEN; closing is final.
plan_stand = Table(
    "ip_plan_stand",
    metadata,
    Column("plan_id", String(36), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("kommune_ags", String(8), nullable=False),
    Column("kreis_ags", String(5), nullable=False, index=True),
    Column("status", String(40), nullable=False),
)

# Goals by id, with their plan's current Kommune (a handover moves them along). version: the newest
# ZielFortgeschrieben of the goal applied.
ziel_stand = Table(
    "ip_ziel_stand",
    metadata,
    Column("ziel_id", String(36), primary_key=True),
    Column("plan_id", String(36), nullable=False, index=True),
    Column("version", BigInteger, nullable=False),
    Column("feld", String(40), nullable=False),
    Column("status", String(40), nullable=False),
    Column("kommune_ags", String(8), nullable=False),
    Column("kreis_ags", String(5), nullable=False),
)

# How far the aggregation has got: events applied and when.
aggregation_stand = Table(
    "aggregation_stand",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("events_applied", BigInteger, nullable=False),
    Column("aktualisiert_at", DateTime(timezone=True), nullable=True),
    # When the newest event applied happened at its producer (the envelope's occurred_at).
    Column("neuestes_ereignis_at", DateTime(timezone=True), nullable=True),
)

# Events handed to the read model per producing service ("antrag", "allocation", "caseplan"),
# whatever their effect: how far a rebuild has got (`pakt report rebuild`).
aggregation_erzeuger = Table(
    "aggregation_erzeuger",
    metadata,
    Column("producer", String(50), primary_key=True),
    Column("events_processed", BigInteger, nullable=False),
)
