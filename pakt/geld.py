"""Money and shares as German readers expect them; amounts are always integer cents."""

from __future__ import annotations


def euro(cent: int) -> str:
    """German money format: 1.234.567,89 €."""
    euros, cents = divmod(abs(cent), 100)
    sign = "-" if cent < 0 else ""
    return f"{sign}{euros:,}".replace(",", ".") + f",{cents:02d} €"


def euro_kurz(cent: int) -> str:
    """Large sums for headline figures: 140,0 Mio. €."""
    if abs(cent) >= 1_000_000_000_00:
        return f"{cent / 1_000_000_000_00:.1f} Mrd. €".replace(".", ",", 1)
    if abs(cent) >= 1_000_000_00:
        return f"{cent / 1_000_000_00:.1f} Mio. €".replace(".", ",", 1)
    return euro(cent)


def quote(part_cent: int, whole_cent: int) -> str:
    """A share in German notation (12,3 %), or a dash where there is no whole."""
    if whole_cent == 0:
        return "–"
    return f"{part_cent / whole_cent * 100:.1f} %".replace(".", ",")
