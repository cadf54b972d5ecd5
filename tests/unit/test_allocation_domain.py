"""'Geld folgt Flüchtling' without a database: largest-remainder shares and the Rechenweg, the
parameters in force, how an Antrag is decided against its Pool, what a Verwendungsnachweis
releases, an Umverteilung, the checks of parameters, euro()."""

from __future__ import annotations

import itertools
import math
import types
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pakt.allocation.v1.allocation_pb2 import (
    Ablehnungsgrund,
    Entscheidung,
    Parameter,
    ParameterArt,
    SetParameterRequest,
    Tranche,
)
from pakt.antrag.v1.antrag_pb2 import Antrag, Kooperationsmitglied
from pakt.geld import euro
from pakt.platform.errors import FailedPrecondition, InvalidArgument
from pakt.referenzdaten import gebiete
from services.allocation import domain
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


# --- largest_remainder: zeros, order and the paradoxes of Hamilton's method ----------------------
#
# What holds, and why (s = share, q = exact quota budget·w/W, every s is floor(q) or floor(q)+1):
#   * rank: w_i > w_j gives q_i > q_j, so s_i >= s_j; equal weights differ by at most one cent.
#   * one count raised, the others fixed: that Kommune's share never falls (not even by a cent).
#     Its quota rises and everyone else's falls by the same factor. If its floor rises, its share
#     is at least the old floor + 1. If not, its remainder rises; every other Kommune either keeps
#     its floor and its remainder falls (so it does not overtake), or loses k >= 1 whole cents,
#     which frees k more leftover cents than it can take ranks ahead of ours. The population
#     paradox needs more than one count to change (test_population_paradox_…); exhaustively
#     checked on small cases below, and by test_more_weight_never_means_a_smaller_share above.
#   * a Kommune whose quota does not fall, whatever the other counts do, loses at most one cent;
#     that cent is the population paradox and can really be lost.
#   * budget raised, counts fixed (Alabama paradox): a share can fall, by at most one cent, since
#     every quota rises and floor(q') >= floor(q) >= s - 1. Only the sum is strictly monotone.
#   * a Kommune whose count stays the same can still gain or lose a cent when another's changes.

small_weight_maps = st.dictionaries(keys, st.integers(min_value=0, max_value=6), min_size=1, max_size=12).filter(
    lambda w: sum(w.values()) > 0
)  # equal weights and zeros come up often
weights_with_zeros = st.dictionaries(
    keys, st.just(0) | st.integers(min_value=1, max_value=10**9), min_size=1, max_size=12
).filter(lambda w: sum(w.values()) > 0)


@given(budgets, weights_with_zeros)
def test_zero_weights_get_nothing_and_the_others_share_the_whole_budget(budget, weights):
    shares = largest_remainder(budget, weights)
    assert all(shares[k] == 0 for k, w in weights.items() if w == 0)
    assert sum(shares[k] for k, w in weights.items() if w > 0) == budget


@given(budgets, st.dictionaries(keys, st.just(0), max_size=11), keys, st.integers(min_value=1, max_value=10**9))
def test_a_single_positive_weight_gets_the_whole_budget(budget, zeros, key, weight):
    shares = largest_remainder(budget, {**zeros, key: weight})
    assert shares == {**dict.fromkeys(zeros, 0), key: budget}


@given(budgets, weight_maps | small_weight_maps)
def test_a_larger_weight_never_gets_less_and_equal_weights_differ_by_at_most_one_cent(budget, weights):
    shares = largest_remainder(budget, weights)
    for i in weights:
        for j in weights:
            if weights[i] > weights[j]:
                assert shares[i] >= shares[j], (i, j)
            elif weights[i] == weights[j]:
                assert abs(shares[i] - shares[j]) <= 1, (i, j)


@given(budgets, weight_maps | small_weight_maps, st.data())
def test_raising_one_count_raises_its_quota_and_lowers_no_other(budget, weights, data):
    key = data.draw(st.sampled_from(sorted(weights)))
    raised = {**weights, key: weights[key] + data.draw(st.integers(min_value=1, max_value=10**9))}
    assert _quota(budget, raised, key) >= _quota(budget, weights, key)
    for other in weights:
        if other != key:
            assert _quota(budget, raised, other) <= _quota(budget, weights, other)


def test_raising_one_count_never_lowers_its_share_exhaustively_on_small_cases():
    # Every 3 Kommunen with counts 0..5, budgets 0..15 cent, each count raised by 1..3.
    for counts in itertools.product(range(6), repeat=3):
        if not any(counts):
            continue
        weights = dict(zip("abc", counts, strict=True))
        for budget in range(16):
            before = largest_remainder(budget, weights)
            for key in weights:
                for increase in (1, 2, 3):
                    after = largest_remainder(budget, {**weights, key: weights[key] + increase})
                    assert after[key] >= before[key], (budget, weights, key, increase)


@given(budgets, weight_maps | small_weight_maps, st.data())
def test_a_share_whose_quota_does_not_fall_loses_at_most_one_cent(budget, weights, data):
    # Any new counts for the same Kommunen (some may rise, some fall, e.g. an Erhebung).
    count = st.integers(min_value=0, max_value=10**9) | st.integers(min_value=0, max_value=6)
    new = {k: data.draw(count) for k in weights}
    if sum(new.values()) == 0:
        new[min(new)] = 1
    before, after = largest_remainder(budget, weights), largest_remainder(budget, new)
    for key in weights:
        if _quota(budget, new, key) >= _quota(budget, weights, key):
            assert after[key] >= before[key] - 1, key


def test_population_paradox_a_faster_growing_kommune_loses_a_cent_to_a_slower_one():
    # Found by searching small cases (3 Kommunen, counts < 25, budgets < 12; no ties in remainders).
    # 3 cent over 2:6:5 (W = 13): quotas 0.46, 1.38, 1.15 → floors 0+1+1, the one cent left goes
    # to a (remainder .46 > .38 > .15) → 1, 1, 1.
    assert largest_remainder(3, {"a": 2, "b": 6, "c": 5}) == {"a": 1, "b": 1, "c": 1}
    # a doubles (×2), b grows less (×1.83), c stays: quotas 0.60, 1.65, 0.75 (W = 20) → floors
    # 0+1+0, two cents left go to c (.75) and b (.65), not to a (.60). a's quota rose from 0.46 to
    # 0.60, yet it loses its cent to b: one cent, never more (see the bound above).
    assert largest_remainder(3, {"a": 4, "b": 11, "c": 5}) == {"a": 0, "b": 2, "c": 1}


def test_a_kommune_whose_count_stays_the_same_can_gain_a_cent_when_another_grows():
    # 3 cent over 3:2:6 (W = 11): quotas 0.82, 0.55, 1.64 → 1, 0, 2.
    assert largest_remainder(3, {"a": 3, "b": 2, "c": 6}) == {"a": 1, "b": 0, "c": 2}
    # Only a grows (3 → 5; W = 13): quotas 1.15, 0.46, 1.38 → floors 1+0+1, the one cent left
    # goes to b (.46 > .38 > .15). b's quota fell from 0.55 to 0.46, yet b gains a cent, and c,
    # whose count did not change either, loses one; a keeps its 1 (it can never lose).
    assert largest_remainder(3, {"a": 5, "b": 2, "c": 6}) == {"a": 1, "b": 1, "c": 1}


@given(
    budgets,
    st.integers(min_value=1, max_value=10**9) | st.integers(min_value=1, max_value=3),
    weight_maps | small_weight_maps,
)
def test_a_larger_budget_lowers_no_share_by_more_than_one_cent(budget, extra, weights):
    before, after = largest_remainder(budget, weights), largest_remainder(budget + extra, weights)
    for key in weights:
        assert after[key] >= before[key] - 1, key
    assert sum(after.values()) > sum(before.values())


def test_alabama_paradox_one_cent_more_budget_can_cost_a_kommune_a_cent():
    # Found by searching small cases (3 Kommunen, counts < 12, budgets < 15; no ties in remainders).
    # 3 cent over 3:9:10 (W = 22): quotas 0.41, 1.23, 1.36 → floors 0+1+1, one cent left → a.
    assert largest_remainder(3, {"a": 3, "b": 9, "c": 10}) == {"a": 1, "b": 1, "c": 1}
    # 4 cent: quotas 0.55, 1.64, 1.82 → floors 0+1+1, two cents left → c (.82), b (.64); a (.55)
    # loses the cent it had, although every quota rose.
    assert largest_remainder(4, {"a": 3, "b": 9, "c": 10}) == {"a": 0, "b": 2, "c": 2}


def test_worked_example_of_docs_allocation_md():
    weights = {ags: g.population for ags, g in gebiete().gemeinden.items()}
    shares = largest_remainder(5_800_000_000, weights)
    # Böllen, 99 inhabitants: 51,710.908… ct, its remainder ranks 115th of the 555 cents left.
    assert (weights["08336010"], shares["08336010"]) == (99, 51_711)
    # Emeringen, 157 inhabitants: 82,006.188… ct, its remainder ranks 888th, after the 555.
    assert (weights["08425035"], shares["08425035"]) == (157, 82_006)


def test_alabama_paradox_in_the_real_verteilung():
    # Integrationsmanagement over the 1,101 Gemeinden: one cent more budget (58.000.000,01 € →
    # 58.000.000,02 €) costs Wieden (Landkreis Lörrach, 540 inhabitants) one cent.
    weights = {ags: g.population for ags, g in gebiete().gemeinden.items()}
    before, after = largest_remainder(5_800_000_001, weights), largest_remainder(5_800_000_002, weights)
    assert (before["08336096"], after["08336096"]) == (282_060, 282_059)
    assert [ags for ags in weights if after[ags] < before[ags]] == ["08336096"]


# --- decide ---------------------------------------------------------------------------------------


def test_full_approval():
    e = decide(beantragt_cent=3_000_000, rahmen_cent=10_000_000, gebunden_cent=2_000_000, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent, e.ablehnungsgrund) == (
        Entscheidung.ENTSCHEIDUNG_BEWILLIGT,
        3_000_000,
        Ablehnungsgrund.ABLEHNUNGSGRUND_UNSPECIFIED,
    )
    assert e.begruendung == "Bewilligt in voller Höhe von 30.000,00 €."


def test_full_approval_of_exactly_the_remaining_planungsrahmen():
    e = decide(beantragt_cent=6_000_000, rahmen_cent=10_000_000, gebunden_cent=4_000_000, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent) == (Entscheidung.ENTSCHEIDUNG_BEWILLIGT, 6_000_000)


def test_partial_approval_at_the_remaining_planungsrahmen():
    e = decide(beantragt_cent=8_000_000, rahmen_cent=10_000_000, gebunden_cent=4_000_000, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent, e.ablehnungsgrund) == (
        Entscheidung.ENTSCHEIDUNG_TEILWEISE_BEWILLIGT,
        6_000_000,
        Ablehnungsgrund.ABLEHNUNGSGRUND_UNSPECIFIED,
    )
    assert "Teilweise bewilligt" in e.begruendung
    assert "60.000,00 €" in e.begruendung  # granted
    assert "80.000,00 €" in e.begruendung  # applied for
    assert "100.000,00 €" in e.begruendung  # the Planungsrahmen


@pytest.mark.parametrize("gebunden", [10_000_000, 10_000_001])
def test_rejection_when_the_planungsrahmen_is_exhausted(gebunden):
    e = decide(beantragt_cent=1, rahmen_cent=10_000_000, gebunden_cent=gebunden, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent, e.ablehnungsgrund) == (
        Entscheidung.ENTSCHEIDUNG_ABGELEHNT,
        0,
        Ablehnungsgrund.ABLEHNUNGSGRUND_RAHMEN_AUSGESCHOEPFT,
    )
    assert e.begruendung == "Der Planungsrahmen von 100.000,00 € ist vollständig gebunden."


def test_rejection_below_the_schwellenwert():
    e = decide(beantragt_cent=1_000_000, rahmen_cent=5_099_999, gebunden_cent=0, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent, e.ablehnungsgrund) == (
        Entscheidung.ENTSCHEIDUNG_ABGELEHNT,
        0,
        Ablehnungsgrund.ABLEHNUNGSGRUND_UNTER_SCHWELLENWERT,
    )
    assert "50.999,99 €" in e.begruendung
    assert "51.000,00 €" in e.begruendung
    assert "Landkreis" in e.begruendung


def test_planungsrahmen_exactly_at_the_schwellenwert_may_apply():
    e = decide(beantragt_cent=5_100_000, rahmen_cent=5_100_000, gebunden_cent=0, schwelle_cent=SCHWELLE)
    assert (e.entscheidung, e.bewilligt_cent) == (Entscheidung.ENTSCHEIDUNG_BEWILLIGT, 5_100_000)
    assert e.begruendung == "Bewilligt in voller Höhe von 51.000,00 €."


def test_schwellenwert_applies_only_when_given():
    e = decide(beantragt_cent=50_000, rahmen_cent=100_000, gebunden_cent=0, schwelle_cent=None)
    assert (e.entscheidung, e.bewilligt_cent) == (Entscheidung.ENTSCHEIDUNG_BEWILLIGT, 50_000)


@given(
    st.integers(min_value=1, max_value=10**12),
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=0, max_value=10**12),
    st.none() | st.integers(min_value=0, max_value=10**10),
)
def test_an_entscheidung_never_commits_more_than_the_planungsrahmen_or_the_request(beantragt, rahmen, gebunden, schwelle):
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


# --- the Rechenweg of one share ---------------------------------------------------------------------


@given(budgets, weight_maps, st.data())
def test_the_rechenweg_arrives_at_the_share_of_verteilen(budget, weights, data):
    ags = data.draw(st.sampled_from(sorted(weights)))
    s = domain.rechenweg(budget, weights, ags)
    assert s.rahmen_cent == domain.verteilen(budget, weights)[ags]
    assert budget * s.anzahl == s.quote_ganz_cent * s.anzahl_gesamt + s.rest
    assert s.plus_ein_cent == (s.rest_rang <= s.restcents_gesamt)


def test_the_erlaeuterung_names_rank_and_result():
    s = domain.rechenweg(100, {"a": 1, "b": 1, "c": 1}, "a")
    text = domain.erlaeuterung(100, s, "Bevölkerung")
    assert "Rang 1: ein Cent mehr" in text and text.endswith("Planungsrahmen: 0,34 €.")


# --- parameters in force --------------------------------------------------------------------------


def _version(id, art, programm="PROGRAMM_INTEGRATIONSMANAGEMENT", foerderjahr=2017, tranche="TRANCHE_ENDGUELTIG"):
    return types.SimpleNamespace(id=id, art=art, programm=programm, foerderjahr=foerderjahr, tranche=tranche)


def test_the_latest_version_of_each_parameter_is_in_force():
    versions = [_version(1, "budget"), _version(2, "budget", tranche="TRANCHE_VORLAEUFIG"), _version(3, "budget")]
    in_force = domain.in_force(versions)
    assert in_force[("budget", "PROGRAMM_INTEGRATIONSMANAGEMENT", 2017, "TRANCHE_ENDGUELTIG")].id == 3
    assert in_force[("budget", "PROGRAMM_INTEGRATIONSMANAGEMENT", 2017, "TRANCHE_VORLAEUFIG")].id == 2


def test_the_final_tranche_replaces_the_provisional_one_once_its_budget_is_in_force():
    assert domain.tranche_in_force({"TRANCHE_VORLAEUFIG": "b1"}, None) == "TRANCHE_VORLAEUFIG"
    assert domain.tranche_in_force({"TRANCHE_VORLAEUFIG": "b1", "TRANCHE_ENDGUELTIG": "b2"}, None) == "TRANCHE_ENDGUELTIG"
    assert domain.tranche_in_force({"TRANCHE_VORLAEUFIG": "b1", "TRANCHE_ENDGUELTIG": "b2"}, "TRANCHE_VORLAEUFIG") == "TRANCHE_VORLAEUFIG"
    assert domain.tranche_in_force({"TRANCHE_VORLAEUFIG": "b1"}, "TRANCHE_ENDGUELTIG") is None
    assert domain.tranche_in_force({}, None) is None


def test_a_verteilung_below_what_is_bound_is_refused_naming_the_gemeinden():
    domain.keep_what_is_bound({"a": 10, "b": 5}, {"a": 10, "b": 0})
    with pytest.raises(FailedPrecondition, match=r"für 2 Gemeinde\(n\).*a \(gebunden 0,11 €, neu 0,10 €\), c \(gebunden"):
        domain.keep_what_is_bound({"a": 10, "b": 5}, {"a": 11, "c": 1})


def _parameter(**fields) -> SetParameterRequest:
    values = {
        "art": ParameterArt.PARAMETER_ART_BUDGET, "programm": 1, "foerderjahr": 2018, "tranche": Tranche.TRANCHE_ENDGUELTIG,
        "betrag_cent": 60_000_000_00, "gueltig_ab": "2018-01-01", "quelle": "Haushaltsbeschluss",
    }
    return SetParameterRequest(request_id="r-1", parameter=Parameter(**{**values, **fields}))


def test_a_parameter_version_is_the_row_the_request_gives():
    assert domain.parameter_version(_parameter()) == {
        "art": "budget", "programm": "PROGRAMM_INTEGRATIONSMANAGEMENT", "foerderjahr": 2018,
        "tranche": "TRANCHE_ENDGUELTIG", "stichtag": None, "betrag_cent": 60_000_000_00,
        "gueltig_ab": date(2018, 1, 1), "quelle": "Haushaltsbeschluss",
    }
    stichtag = _parameter(art=ParameterArt.PARAMETER_ART_STICHTAG, programm=0, betrag_cent=0, stichtag="2017-06-30")
    assert domain.parameter_version(stichtag)["stichtag"] == date(2017, 6, 30)
    schwelle = _parameter(art=ParameterArt.PARAMETER_ART_SCHWELLENWERT, foerderjahr=0, tranche=0, betrag_cent=51_000_00)
    assert (domain.parameter_version(schwelle)["foerderjahr"], domain.parameter_version(schwelle)["tranche"]) == (None, None)


@pytest.mark.parametrize(
    ("fields", "violations"),
    [
        ({"art": 0}, ["parameter.art"]),
        ({"betrag_cent": 0, "programm": 99}, ["parameter.programm", "parameter.betrag_cent"]),
        ({"foerderjahr": 1999, "tranche": 0}, ["parameter.foerderjahr", "parameter.tranche"]),
        ({"gueltig_ab": "2018-02-30"}, ["parameter.gueltig_ab"]),
        ({"quelle": " "}, ["parameter.quelle"]),
        ({"quelle": "x" * 2001}, ["parameter.quelle"]),
        ({"stichtag": "2017-06-30"}, ["parameter.stichtag"]),
    ],
)
def test_a_bad_parameter_version_names_every_field(fields, violations):
    with pytest.raises(InvalidArgument) as err:
        domain.parameter_version(_parameter(**fields))
    assert [v.field for v in err.value.violations] == violations


# --- the Pool, the Bindungen and a Freigabe -------------------------------------------------------


def test_the_pool_of_a_gemeinde_a_kooperation_a_stadtkreis_and_a_landkreis():
    g = gebiete()
    assert domain.rahmen_pool(Antrag(antragsteller_ags="08116019"), g) == ["08116019"]
    kooperation = Antrag(antragsteller_ags="08116019", mitglieder=[Kooperationsmitglied(ags="08116004")])
    assert domain.rahmen_pool(kooperation, g) == ["08116004", "08116019"]
    assert domain.rahmen_pool(Antrag(antragsteller_ags="08111"), g) == ["08111000"]  # Stuttgart, a Stadtkreis
    landkreis = Antrag(antragsteller_ags="08116", uebertragende_ags=["08116076", "08116004"])
    assert domain.rahmen_pool(landkreis, g) == ["08116004", "08116076"]
    assert domain.rahmen_pool(Antrag(antragsteller_ags="08115"), g) == []  # nothing transferred to it


def test_an_antrag_without_planungsrahmen_is_rejected_for_want_of_budget_or_of_planungsrahmen():
    kein_budget = domain.kein_rahmen("08111000", "PROGRAMM_EHRENAMT", 2019, has_budget=False)
    assert (kein_budget.entscheidung, kein_budget.ablehnungsgrund) == (
        Entscheidung.ENTSCHEIDUNG_ABGELEHNT, Ablehnungsgrund.ABLEHNUNGSGRUND_KEIN_BUDGET
    )
    assert "im Förderjahr 2019 kein Budget" in kein_budget.begruendung
    kein_rahmen = domain.kein_rahmen("08115", "PROGRAMM_EHRENAMT", 2017, has_budget=True)
    assert kein_rahmen.ablehnungsgrund == Ablehnungsgrund.ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN
    assert kein_rahmen.begruendung.startswith("Für 08115 besteht kein Planungsrahmen.")


def test_an_approval_is_bound_in_proportion_to_what_is_free_in_the_pool():
    assert domain.bindungen(0, {"a": 5, "b": 5}) == {}
    assert domain.bindungen(10, {"a": 30, "b": 10, "c": 0}) == {"a": 8, "b": 2, "c": 0}
    assert sum(domain.bindungen(1_000_01, {"a": 7_000_00, "b": 3_000_00}).values()) == 1_000_01


def test_a_freigabe_gives_back_in_proportion_to_what_was_bound_once_and_never_more():
    assert domain.freigabe(30, {"a": (60, 0), "b": (30, 0)}) == ("applied", {"a": 20, "b": 10})
    assert domain.freigabe(30, {"a": (60, 20), "b": (30, 10)}) == ("duplicate", {})
    assert domain.freigabe(91, {"a": (60, 0), "b": (30, 0)}) == ("rejected", {})
    assert domain.freigabe(0, {"a": (60, 0)}) == ("ignored", {})
    assert domain.freigabe(1, {}) == ("rejected", {})  # a rejected Antrag bound nothing


# --- Umverteilung ---------------------------------------------------------------------------------


@given(
    st.dictionaries(keys, st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)), min_size=1, max_size=12),
    st.data(),
)
def test_an_umverteilung_keeps_the_budget_and_what_is_bound(stand, data):
    rahmen = {ags: (max(a, b), min(a, b)) for ags, (a, b) in stand.items()}  # rahmen >= gebunden
    weights = {ags: data.draw(st.integers(1, 10**6)) for ags in rahmen}
    u = domain.umverteilen(rahmen, weights)
    assert u.frei_gesamt_cent == sum(r - g for r, g in rahmen.values())
    assert sum(u.neu.values()) == sum(r for r, _ in rahmen.values())
    assert all(u.neu[ags] >= g for ags, (_, g) in rahmen.items())
    assert {ags: u.neu[ags] - g for ags, (_, g) in rahmen.items()} == largest_remainder(u.frei_gesamt_cent, weights)


def test_an_umverteilung_is_applied_only_if_something_is_free_and_it_changes_something():
    with pytest.raises(FailedPrecondition, match="nichts frei"):
        domain.umverteilung_changes_something("PROGRAMM_EHRENAMT", 2017, {"a": (5, 5)}, domain.umverteilen({"a": (5, 5)}, {"a": 1}))
    unchanged = {"a": (50, 0), "b": (50, 0)}
    with pytest.raises(FailedPrecondition, match="bereits nach der Regel verteilt"):
        domain.umverteilung_changes_something("PROGRAMM_EHRENAMT", 2017, unchanged, domain.umverteilen(unchanged, {"a": 1, "b": 1}))
    changed = {"a": (50, 50), "b": (50, 0)}
    u = domain.umverteilen(changed, {"a": 1, "b": 1})
    domain.umverteilung_changes_something("PROGRAMM_EHRENAMT", 2017, changed, u)
    assert u.neu == {"a": 75, "b": 25}


@pytest.mark.parametrize(
    ("args", "violations"),
    [
        ((1, 2017), []),
        ((0, 1999), ["programm", "foerderjahr"]),
        ((1, 2017, "", " "), ["request_id", "quelle"]),
        ((1, 2017, "r-1", "x" * 61), ["quelle"]),
    ],
)
def test_a_bad_umverteilung_names_every_field(args, violations):
    try:
        domain.check_umverteilung(*args)
    except InvalidArgument as err:
        assert [v.field for v in err.violations] == violations
    else:
        assert violations == []


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
