"""The whole life of an Antrag: details, Kooperation, Übertragung, Mittelabrufe, history.

Idempotency keys become per caller and keep the first response; the keys of revision 0001 are
not carried over (they lack the response, and such keys are short-lived by nature).

Revision ID: 0002
Revises: 0001
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

from pakt.platform.db import AUTO_ID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TEXT_COLUMNS = (
    ("traegerschaft", sa.String(40), "TRAEGERSCHAFT_EIGENREGIE"),
    ("traeger_name", sa.String(200), ""),
    ("ansprechperson_name", sa.String(200), ""),
    ("ansprechperson_email", sa.String(200), ""),
    ("ansprechperson_telefon", sa.String(30), ""),
    ("begruendung", sa.Text, ""),
    ("nachforderung_text", sa.Text, ""),
    ("nachforderung_antwort", sa.Text, ""),
)
_CENT_COLUMNS = ("abgerufen_cent", "verwendet_cent", "rueckforderung_cent", "freigegeben_cent")


def upgrade() -> None:
    with op.batch_alter_table("antrag") as batch:
        batch.add_column(sa.Column("beginn", sa.Date, nullable=True))
        batch.add_column(sa.Column("ende", sa.Date, nullable=True))
        for name, type_, default in _TEXT_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=default))
        for name in _CENT_COLUMNS:
            batch.add_column(sa.Column(name, sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("nachforderung_frist", sa.Date, nullable=True))

    # Anträge of revision 0001 had no Förderzeitraum: they ran for their whole Förderjahr.
    conn = op.get_bind()
    antrag = sa.table("antrag", sa.column("id"), sa.column("foerderjahr"), sa.column("beginn"), sa.column("ende"),
                      sa.column("bewilligt_cent"), sa.column("ausgezahlt_cent"), sa.column("abgerufen_cent"))
    for row in conn.execute(sa.select(antrag.c.id, antrag.c.foerderjahr)).all():
        conn.execute(
            antrag.update()
            .where(antrag.c.id == row.id)
            .values(beginn=date(row.foerderjahr, 1, 1), ende=date(row.foerderjahr, 12, 31))
        )
    conn.execute(antrag.update().values(abgerufen_cent=antrag.c.ausgezahlt_cent))

    with op.batch_alter_table("antrag") as batch:
        batch.alter_column("beginn", nullable=False)
        batch.alter_column("ende", nullable=False)
        batch.drop_constraint("ck_antrag_ausgezahlt", type_="check")
        batch.create_check_constraint(
            "ck_antrag_geldfluss",
            "verwendet_cent >= 0 AND verwendet_cent <= ausgezahlt_cent AND ausgezahlt_cent <= abgerufen_cent "
            "AND abgerufen_cent <= bewilligt_cent",
        )
        batch.create_check_constraint(
            "ck_antrag_abrechnung",
            "rueckforderung_cent >= 0 AND freigegeben_cent >= 0 AND freigegeben_cent <= bewilligt_cent",
        )
        batch.create_check_constraint("ck_antrag_zeitraum", "beginn <= ende")

    op.create_table(
        "stelle",
        sa.Column("antrag_id", sa.String(36), sa.ForeignKey("antrag.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("vzae_hundertstel", sa.Integer, nullable=False),
        sa.Column("qualifikation", sa.String(60), nullable=False),
        sa.CheckConstraint("vzae_hundertstel BETWEEN 1 AND 100", name="ck_stelle_vzae"),
    )
    op.create_table(
        "beteiligung",
        sa.Column("antrag_id", sa.String(36), sa.ForeignKey("antrag.id"), primary_key=True),
        sa.Column("ags", sa.String(8), primary_key=True),
        sa.Column("rolle", sa.String(20), nullable=False),
        sa.Column("anteil_prozent", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_beteiligung_ags", "beteiligung", ["ags"])
    op.execute(
        "INSERT INTO beteiligung (antrag_id, ags, rolle, anteil_prozent, position) "
        "SELECT id, antragsteller_ags, 'ANTRAGSTELLER', 100, 0 FROM antrag"
    )
    op.create_table(
        "mittelabruf",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("antrag_id", sa.String(36), sa.ForeignKey("antrag.id"), nullable=False, index=True),
        sa.Column("betrag_cent", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("angefordert_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ausgezahlt_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("betrag_cent > 0", name="ck_mittelabruf_betrag_positiv"),
    )
    op.create_table(
        "historie",
        sa.Column("id", AUTO_ID, primary_key=True, autoincrement=True),
        sa.Column("antrag_id", sa.String(36), sa.ForeignKey("antrag.id"), nullable=False, index=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("zeitpunkt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("akteur", sa.String(80), nullable=False),
        sa.Column("schritt", sa.String(60), nullable=False),
        sa.Column("status_vorher", sa.String(40), nullable=False),
        sa.Column("status_nachher", sa.String(40), nullable=False),
        sa.Column("begruendung", sa.Text, nullable=False),
        sa.Column("betrag_cent", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("antrag_id", "version", name="uq_historie_version"),
    )
    op.create_table(
        "uebertragung",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("gemeinde_ags", sa.String(8), nullable=False, index=True),
        sa.Column("kreis_ags", sa.String(5), nullable=False, index=True),
        sa.Column("programm", sa.String(40), nullable=False),
        sa.Column("beginn", sa.Date, nullable=False),
        sa.Column("ende", sa.Date, nullable=False),
        sa.Column("erfasst_von", sa.String(80), nullable=False),
        sa.Column("erfasst_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("beginn <= ende", name="ck_uebertragung_zeitraum"),
    )
    op.create_table(
        "idempotenzschluessel",
        sa.Column("akteur", sa.String(80), primary_key=True),
        sa.Column("request_id", sa.String(100), primary_key=True),
        sa.Column("methode", sa.String(60), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("antwort", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.drop_table("idempotenz")


def downgrade() -> None:
    raise NotImplementedError("0002 is not reversible: Anträge would lose their details and history")
