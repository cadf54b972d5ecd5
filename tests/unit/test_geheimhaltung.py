"""Statistical confidentiality of the Integrationsmanagement figures, without a database: no
published count describes fewer than five people, and no withheld one can be recovered by
subtracting the published cells from a published total."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakt.geheimhaltung import (
    GESPERRT,
    MIN_PERSONEN,
    Zelle,
    ZieleImFeld,
    ZielfeldZellen,
    fallzahlen,
    sperren,
    zielfeld,
    zu_klein,
)

# Small counts, so that small cells, ties and totals near five come up often.
counts = st.integers(min_value=0, max_value=12)
breakdowns = st.dictionaries(st.from_regex(r"08\d{3}", fullmatch=True), counts, max_size=8)


def test_small_cells_are_withheld_and_zero_is_published():
    assert sperren({"a": 0, "b": 5, "c": 9}, summe_gesperrt=False) == set()
    assert sperren({"a": 4, "b": 0}, summe_gesperrt=True) == {"a"}


def test_one_small_cell_beside_a_published_total_takes_the_next_smallest_with_it():
    # Total 25 published: 25 - 6 - 12 would give the 2 exactly, so the 5 goes too (2 + 5 >= 5).
    assert sperren({"a": 2, "b": 5, "c": 6, "d": 12, "e": 0}, summe_gesperrt=False) == {"a", "b"}


def test_withheld_cells_together_describe_at_least_five_people():
    # 1 + 2 = 3 people: the difference of total and published cells would describe them.
    assert sperren({"a": 1, "b": 2, "c": 7, "d": 8}, summe_gesperrt=False) == {"a", "b", "c"}
    assert sperren({"a": 1, "b": 4, "c": 7}, summe_gesperrt=False) == {"a", "b"}


def test_ties_are_broken_by_key():
    assert sperren({"x": 3, "b": 6, "a": 6}, summe_gesperrt=False) == {"x", "a"}


def test_under_a_withheld_total_the_cells_must_not_add_up_to_it():
    # The Kreis is withheld in the list of Kreise; its only Kommune with plans must be too.
    assert sperren({"k1": 7, "k2": 0}, summe_gesperrt=True) == {"k1"}
    assert sperren({"k1": 0, "k2": 0}, summe_gesperrt=True) == set()


def test_a_published_total_below_five_is_refused():
    with pytest.raises(ValueError):
        sperren({"a": 3}, summe_gesperrt=False)


@given(breakdowns, st.booleans())
def test_no_published_cell_is_small_and_no_withheld_cell_follows_from_the_total(personen, total_withheld):
    total = sum(personen.values())
    total_withheld = total_withheld or zu_klein(total)
    gesperrt = sperren(personen, total_withheld)
    published = {k: n for k, n in personen.items() if k not in gesperrt}
    assert all(n == 0 or n >= MIN_PERSONEN for n in published.values())
    assert all(personen[k] > 0 for k in gesperrt), "only cells with people in them are withheld"
    rest = total - sum(published.values())
    if not total_withheld:
        # total - sum(published) is all anyone learns about the withheld cells: it is no single
        # one of them, and it describes five people or more.
        assert not gesperrt or (len(gesperrt) >= 2 and rest >= MIN_PERSONEN)
        assert all(rest != personen[k] for k in gesperrt) or not gesperrt
    elif total > 0:
        # The published cells never add up to the withheld total.
        assert gesperrt
        assert rest >= MIN_PERSONEN or set(gesperrt) == {k for k, n in personen.items() if n > 0}


hierarchies = st.dictionaries(
    st.sampled_from(["08111", "08115", "08116", "08117"]),
    st.dictionaries(st.sampled_from(["0", "1", "2", "3"]), counts, max_size=4),
    max_size=4,
).map(lambda h: {kreis: {kreis + suffix: n for suffix, n in kommunen.items()} for kreis, kommunen in h.items()})


@given(hierarchies)
def test_the_three_levels_publish_no_small_figure_and_agree(je_kommune):
    f = fallzahlen(je_kommune)
    land = sum(n for kommunen in je_kommune.values() for n in kommunen.values())
    cells = [f.land, *f.kreise.values(), *(z for kommunen in f.kommunen.values() for z in kommunen.values())]
    assert all(c.suppressed or c.value == 0 or c.value >= MIN_PERSONEN for c in cells)
    assert all(c.value == 0 for c in cells if c.suppressed)
    assert f.land == (GESPERRT if zu_klein(land) else Zelle(land, False))
    for kreis, kommunen in je_kommune.items():
        assert f.kreise[kreis] == (GESPERRT if f.kreise[kreis].suppressed else Zelle(sum(kommunen.values()), False))
        published = sum(z.value for z in f.kommunen[kreis].values())
        withheld = [ags for ags, z in f.kommunen[kreis].items() if z.suppressed]
        if not f.kreise[kreis].suppressed:
            # The Kreis is the published total of its Kommunen.
            assert not withheld or (len(withheld) >= 2 and f.kreise[kreis].value - published >= MIN_PERSONEN)
        elif sum(kommunen.values()) > 0:
            assert withheld
    if not f.land.suppressed:
        withheld_kreise = [k for k, z in f.kreise.items() if z.suppressed]
        rest = land - sum(z.value for z in f.kreise.values())
        assert not withheld_kreise or (len(withheld_kreise) >= 2 and rest >= MIN_PERSONEN)
        # Subtracting also every published Kommune of the withheld Kreise leaves five people or more.
        published_below = sum(z.value for k in withheld_kreise for z in f.kommunen[k].values())
        assert not withheld_kreise or rest - published_below >= MIN_PERSONEN


def test_a_kreis_with_one_small_kommune_and_the_kreis_total_published():
    f = fallzahlen({"08115": {"08115003": 6, "08115010": 2, "08115021": 0}, "08116": {"08116019": 9}})
    assert f.land == Zelle(17, False)
    assert f.kreise == {"08115": Zelle(8, False), "08116": Zelle(9, False)}
    # 8 - 6 would give the 2: the 6 is withheld too.
    assert f.kommunen["08115"] == {"08115003": GESPERRT, "08115010": GESPERRT, "08115021": Zelle(0, False)}
    assert f.kommunen["08116"] == {"08116019": Zelle(9, False)}


def test_a_small_kreis_takes_a_second_kreis_and_that_kreis_keeps_its_kommunen_hidden():
    f = fallzahlen({"08111": {"08111000": 3}, "08115": {"08115003": 7, "08115010": 0}, "08116": {"08116019": 20}})
    assert f.land == Zelle(30, False)
    assert f.kreise == {"08111": GESPERRT, "08115": GESPERRT, "08116": Zelle(20, False)}
    # 08115's 7 would otherwise appear as its only Kommune and give away 08111's 3.
    assert f.kommunen["08115"]["08115003"] == GESPERRT
    assert f.kommunen["08111"] == {"08111000": GESPERRT}


@given(st.integers(0, 8), st.integers(0, 8), st.integers(0, 3))
def test_zielfeld_publishes_no_group_of_fewer_than_five(reached_only, open_only, both):
    # People with goals reached only, not reached only, and both (each one goal of each kind).
    z = ZieleImFeld(
        ziele=reached_only + open_only + 2 * both,
        erreicht=reached_only + both,
        personen=reached_only + open_only + both,
        personen_erreicht=reached_only + both,
        personen_nicht_erreicht=open_only + both,
    )
    cells = zielfeld(z)
    if not cells.ziele.suppressed:
        assert z.personen == 0 or z.personen >= MIN_PERSONEN
        assert cells.ziele.value == z.ziele
    if not cells.erreicht.suppressed:
        assert not cells.ziele.suppressed
        # Reached, and ziele minus reached, each describe no one or five people and more.
        assert z.personen_erreicht == 0 or z.personen_erreicht >= MIN_PERSONEN
        assert z.personen_nicht_erreicht == 0 or z.personen_nicht_erreicht >= MIN_PERSONEN
        assert cells.erreicht.value == z.erreicht


def test_zielfeld_examples():
    assert zielfeld(ZieleImFeld(0, 0, 0, 0, 0)) == ZielfeldZellen(Zelle(0, False), Zelle(0, False))
    assert zielfeld(ZieleImFeld(14, 8, 10, 6, 5)) == ZielfeldZellen(Zelle(14, False), Zelle(8, False))
    # 9 goals of 6 people; 3 people have one not reached: ziele - erreicht would describe them.
    assert zielfeld(ZieleImFeld(9, 6, 6, 5, 3)) == ZielfeldZellen(Zelle(9, False), GESPERRT)
    assert zielfeld(ZieleImFeld(7, 0, 4, 0, 4)) == ZielfeldZellen(GESPERRT, GESPERRT)
