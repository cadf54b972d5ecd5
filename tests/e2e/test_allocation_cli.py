"""The Bewilligungsstelle's view of the money through the CLI against the running system:
explained Planungsrahmen, the Nachverteilung, an Erhebung rejected whole or applied, and parameters."""

from __future__ import annotations

from pakt.referenzdaten import gebiete

IM = ["--programm", "integrationsmanagement"]


def test_a_planungsrahmen_is_explained_step_by_step_as_of_any_date(cli):
    today = cli.json("planungsrahmen", "explain", "08111000", *IM, "--jahr", "2017")
    assert today["tranche"] == "TRANCHE_ENDGUELTIG" and today["budget"]["betrag_cent"] == 58_000_000_00
    assert "Rang" in today["erlaeuterung"]
    august_2017 = cli.json("planungsrahmen", "explain", "08111000", *IM, "--jahr", "2017", "--stand", "2017-08-01")
    assert august_2017["tranche"] == "TRANCHE_VORLAEUFIG" and august_2017["budget"]["betrag_cent"] == 35_000_000_00
    text = cli.run("planungsrahmen", "explain", "08111000", *IM, "--jahr", "2017").stdout
    assert "58.000.000,00 €" in text


def test_nachverteilung_compares_provisional_and_final_planungsrahmen(cli):
    vergleich = cli.json("verteilung", "vergleich", *IM, "--jahr", "2017")
    assert sum(k["vorlaeufig_cent"] for k in vergleich["kommunen"]) == 35_000_000_00
    assert sum(k["endgueltig_cent"] for k in vergleich["kommunen"]) == 58_000_000_00
    assert len(vergleich["kommunen"]) == 1101


def test_an_erhebung_with_one_bad_line_is_rejected_whole_then_a_good_one_applies(cli, tmp_path):
    # Counts for the provisional Tranche's Stichtag: the Planungsrahmen in force (final Tranche) stay as
    # they are for the other tests; the provisional Verteilung follows the counts.
    ags = sorted(gebiete().gemeinden)
    lines = ["ags;anzahl"] + [f"{a};{max(1, gebiete().gemeinden[a].population // 100)}" for a in ags]
    bad = list(lines)
    bad[17] = f"{ags[16]};12,5"
    (tmp_path / "bad.csv").write_text("\n".join(bad) + "\n", encoding="utf-8")
    provisional = ["planungsrahmen", "explain", ags[0], *IM, "--jahr", "2017", "--tranche", "vorlaeufig"]
    before = cli.json(*provisional)
    args = ["--stichtag", "2017-03-31", "--art", "vorlaeufig", "--quelle", "vorläufige Zahlen der Landesverbände"]
    rejected = cli.run("erhebung", "import", str(tmp_path / "bad.csv"), *args, check=False)
    assert rejected.returncode == 1
    assert "zeile 18" in rejected.stderr and "12,5" in rejected.stderr
    assert cli.json(*provisional) == before

    lines[1] = f"{ags[0]};0"  # so the counts differ from the population
    (tmp_path / "good.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported = cli.json("erhebung", "import", str(tmp_path / "good.csv"), *args)
    assert imported["gemeinden"] == 1101
    after = cli.json(*provisional)
    assert after["basis"].startswith("Erhebung zum Stichtag 2017-03-31") and after["rahmen_cent"] == 0 < before["rahmen_cent"]
    vergleich = cli.json("verteilung", "vergleich", *IM, "--jahr", "2017")
    assert sum(k["vorlaeufig_cent"] for k in vergleich["kommunen"]) == 35_000_000_00


def test_parameter_versions_are_listed_with_their_source_and_who_set_them(cli):
    versions = cli.json("parameter", "list", "--art", "budget")
    assert any(p["tranche"] == "TRANCHE_VORLAEUFIG" and p["betrag_cent"] == 35_000_000_00 for p in versions)
    assert {p["erfasst_von"] for p in versions} >= {"system:seed"}
    refused = cli.run("--as", "08111000", "parameter", "set", "--art", "schwellenwert", *IM, "--cent", "1",
                      "--gueltig-ab", "2026-01-01", "--quelle", "Versuch", check=False)
    assert refused.returncode == 1 and "Keine Berechtigung" in refused.stderr
