"""'Geld folgt Flüchtling' without a database: largest-remainder shares, the decision rule, euro()."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakt.allocation.v1.allocation_pb2 import Ablehnungsgrund, Entscheidung
from pakt.referenzdaten import gebiete
from pakt.geld import euro
from services.allocation.domain import decide, largest_remainder

SCHWELLE = 5_100_000  # 51.000,00 €

budgets = st.integers(min_value=0, max_value=10**13)
keys = st.text(alphabet="abcdefghij", min_size=1, max_size=3)
weight_maps = st.dictionaries(keys, st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12).filter(
    lambda w: sum(w.values()) > 0
)


def _quota(budget: int, weights: dict[str, int], key: str) -> Fraction:
    return Fraction(budget * weights[key], sum(weights.values()))


# --- largest_remainder: concrete figures ---------------------------------------------------------


def test_100_cent_over_three_equal_weights():
    assert largest_remainder(100, {"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    # The order in which the keys come does not matter: the smaller key wins the tie.
    assert largest_remainder(100, {"c": 1, "b": 1, "a": 1}) == {"a": 34, "b": 33, "c": 33}


def test_largest_remainder_not_first_key_wins():
    # Quotas 14.2857…, 28.5714…, 57.1428…: remainders .29, .57, .14 — the one cent left goes to b.
    assert largest_remainder(100, {"a": 1, "b": 2, "c": 4}) == {"a": 14, "b": 29, "c": 57}


def test_integrationsmanagement_58_mio_over_all_gemeinden_by_population():
    weights = {ags: g.population for ags, g in gebiete().gemeinden.items()}
    shares = largest_remainder(5_800_000_000, weights)
    assert sum(shares.values()) == 5_800_000_000
    assert len(shares) == 1101
    # Stuttgart: 58 M€ × 610,458 / 11,104,040 = 3,188,619.997766… € → 3.188.620,00 €
    assert shares["08111000"] == 318_862_000
    assert shares["08115003"] == 26_484_865  # Böblingen


def test_zero_budget_gives_zero_everywhere():
    assert largest_remainder(0, {"a": 3, "b": 0}) == {"a": 0, "b": 0}


@pytest.mark.parametrize(
    ("budget", "weights"),
    [
        (-1, {"a": 1}),
        (100, {"a": 1, "b": -1}),
        (100, {"a": 0, "b": 0}),
        (100, {}),
    ],
    ids=["negative-budget", "negative-weight", "all-zero-weights", "no-keys"],
)
def test_largest_remainder_rejects(budget, weights):
    with pytest.raises(ValueError):
        largest_remainder(budget, weights)


# --- largest_remainder: properties ---------------------------------------------------------------


@given(budgets, weight_maps)
def test_shares_add_up_exactly_to_the_budget(budget, weights):
    shares = largest_remainder(budget, weights)
    assert set(shares) == set(weights)
    assert sum(shares.values()) == budget


@given(budgets, weight_maps)
def test_every_share_is_floor_or_floor_plus_one_of_its_quota(budget, weights):
    shares = largest_remainder(budget, weights)
    for key, share in shares.items():
        floor = math.floor(_quota(budget, weights, key))
        assert share in (floor, floor + 1), (key, share, _quota(budget, weights, key))
        if weights[key] == 0:
            assert share == 0


@given(budgets, weight_maps)
def test_extra_cents_go_to_the_largest_remainders_smaller_key_first(budget, weights):
    shares = largest_remainder(budget, weights)
    remainder = {k: _quota(budget, weights, k) - math.floor(_quota(budget, weights, k)) for k in weights}
    up = [k for k in weights if shares[k] > math.floor(_quota(budget, weights, k))]
    down = [k for k in weights if k not in up]
    for winner in up:
        for loser in down:
            assert remainder[winner] > remainder[loser] or (
                remainder[winner] == remainder[loser] and winner < loser
            ), (winner, loser)


@given(budgets, weight_maps, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_key_order(budget, weights, rnd):
    items = list(weights.items())
    rnd.shuffle(items)
    assert largest_remainder(budget, dict(items)) == largest_remainder(budget, weights)


@given(budgets, weight_maps, st.data())
def test_more_weight_never_means_a_smaller_share(budget, weights, data):
    key = data.draw(st.sampled_from(sorted(weights)))
    increase = data.draw(st.integers(min_value=1, max_value=10**9))
    before = largest_remainder(budget, weights)[key]
    after = largest_remainder(budget, {**weights, key: weights[key] + increase})[key]
    assert after >= before


# --- decide ---------------------------------------------------------------------------------------


def test_full_approval():
    e = decide(beantragt_cent=3_000_000, rahmen_cent=10_000_000, gebunden_cent=2_000_000, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent, e.ablehnungsgrund) == (
        Entscheidung.ENTSCHEIDUNG_BEWILLIGT,
        3_000_000,
        Ablehnungsgrund.ABLEHNUNGSGRUND_UNSPECIFIED,
    )
    assert e.begruendung == "Bewilligt in voller Höhe von 30.000,00 €."


def test_full_approval_of_exactly_the_remaining_frame():
    e = decide(beantragt_cent=6_000_000, rahmen_cent=10_000_000, gebunden_cent=4_000_000, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent) == (Entscheidung.ENTSCHEIDUNG_BEWILLIGT, 6_000_000)


def test_partial_approval_at_the_remaining_frame():
    e = decide(beantragt_cent=8_000_000, rahmen_cent=10_000_000, gebunden_cent=4_000_000, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent, e.ablehnungsgrund) == (
        Entscheidung.ENTSCHEIDUNG_TEILWEISE_BEWILLIGT,
        6_000_000,
        Ablehnungsgrund.ABLEHNUNGSGRUND_UNSPECIFIED,
    )
    assert "Teilweise bewilligt" in e.begruendung
    assert "60.000,00 €" in e.begruendung  # granted
    assert "80.000,00 €" in e.begruendung  # applied for
    assert "100.000,00 €" in e.begruendung  # the frame


@pytest.mark.parametrize("gebunden", [10_000_000, 10_000_001])
def test_rejection_when_the_frame_is_exhausted(gebunden):
    e = decide(beantragt_cent=1, rahmen_cent=10_000_000, gebunden_cent=gebunden, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent, e.ablehnungsgrund) == (
        Entscheidung.ENTSCHEIDUNG_ABGELEHNT,
        0,
        Ablehnungsgrund.ABLEHNUNGSGRUND_RAHMEN_AUSGESCHOEPFT,
    )
    assert e.begruendung == "Der Planungsrahmen von 100.000,00 € ist vollständig gebunden."


def test_rejection_below_the_threshold():
    e = decide(beantragt_cent=1_000_000, rahmen_cent=5_099_999, gebunden_cent=0, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent, e.ablehnungsgrund) == (
        Entscheidung.ENTSCHEIDUNG_ABGELEHNT,
        0,
        Ablehnungsgrund.ABLEHNUNGSGRUND_UNTER_SCHWELLENWERT,
    )
    assert "50.999,99 €" in e.begruendung
    assert "51.000,00 €" in e.begruendung
    assert "Landkreis" in e.begruendung


def test_frame_exactly_at_the_threshold_may_apply():
    e = decide(beantragt_cent=5_100_000, rahmen_cent=5_100_000, gebunden_cent=0, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent) == (Entscheidung.ENTSCHEIDUNG_BEWILLIGT, 5_100_000)
    assert e.begruendung == "Bewilligt in voller Höhe von 51.000,00 €."


def test_threshold_applies_only_when_given():
    e = decide(beantragt_cent=50_000, rahmen_cent=100_000, gebunden_cent=0, schwelle_cent=None)
    assert (e.entscheidung, e.bewilligt_cent) == (Entscheidung.ENTSCHEIDUNG_BEWILLIGT, 50_000)


@given(
    st.integers(min_value=1, max_value=10**12),
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=0, max_value=10**12),
    st.none() | st.integers(min_value=0, max_value=10**10),
)
def test_a_decision_never_commits_more_than_the_frame_or_the_request(beantragt, rahmen, gebunden, schwelle):
    e = decide(beantragt, rahmen, gebunden, schwelle)
    assert 0 <= e.bewilligt_cent <= beantragt
    if e.bewilligt_cent:
        assert gebunden + e.bewilligt_cent <= rahmen
    expected = {
        Entscheidung.ENTSCHEIDUNG_BEWILLIGT: beantragt,
        Entscheidung.ENTSCHEIDUNG_TEILWEISE_BEWILLIGT: rahmen - gebunden,
        Entscheidung.ENTSCHEIDUNG_ABGELEHNT: 0,
    }[e.entscheidung]
    assert e.bewilligt_cent == expected
    if schwelle is not None and rahmen < schwelle:
        assert e.ablehnungsgrund == Ablehnungsgrund.ABLEHNUNGSGRUND_UNTER_SCHWELLENWERT


# --- euro -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cent", "text"),
    [
        (123456789, "1.234.567,89 €"),
        (5, "0,05 €"),
        (0, "0,00 €"),
        (100, "1,00 €"),
        (5_100_000, "51.000,00 €"),
        (5_800_000_000, "58.000.000,00 €"),
    ],
)
def test_euro(cent, text):
    assert euro(cent) == text


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_euro_is_exact_over_the_whole_int64_range(cent):
    euros, rest = divmod(abs(cent), 100)
    digits = f"{euros:,}".replace(",", ".")
    assert euro(cent) == ("-" if cent < 0 else "") + f"{digits},{rest:02d} €"
