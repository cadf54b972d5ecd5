"""The dashboard, in headless Chromium, shows the figures the ReportingService reports.

Needs Debian's chromium (.ci/run installs it). Required where CI=true; elsewhere it skips and says why.
"""

from __future__ import annotations

import os
import shutil

import pytest

from pakt.geld import euro
from tests.e2e.conftest import decide, eventually, full_request

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required in CI (apt-get install chromium); .ci/run installs it")
        pytest.skip("no Chromium on this machine: apt-get install chromium (required where CI=true)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def test_dashboard_shows_every_kreis_and_the_reported_figures(stack, cli, browser, tmp_path):
    antrag = cli.submit(tmp_path, full_request("08425141", 2018, 3_250_055))  # Blaustein, Alb-Donau-Kreis
    decide(cli, antrag["id"])
    row = eventually(
        lambda: next(
            (r for r in cli.json("report", "utilisation", "--by", "landkreis") if r["key"] == "08425" and r["bewilligt_cent"] >= 3_250_055),
            None,
        )
    )
    assert antrag["kreis_ags"] == "08425"

    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(stack.dashboard_url)
    table_row = page.locator("tr", has_text="08425")
    table_row.wait_for(timeout=45_000)
    # The Kreis row shows name, Planungsrahmen and approved sum exactly as reported, in German format.
    eventually(lambda: euro(row["bewilligt_cent"]) in table_row.inner_text(), timeout_s=20)
    text = table_row.inner_text()
    assert "Alb-Donau-Kreis" in text
    assert euro(row["planungsrahmen_cent"]) in text
    assert page.locator("tbody tr", has_text="08").count() >= 44
    page.get_by_text("Je Programm").click()
    # Programmes by their German names (pakt/texte.py), not as enum names.
    page.locator("tr", has_text="Junge Flüchtlinge").first.wait_for(timeout=10_000)
    assert page.get_by_text("PROGRAMM_").count() == 0
    # The Integrationsmanagement caseload: open plans per Kreis (by name) and goals per field.
    page.get_by_text("Integrationsmanagement (Fälle)").wait_for(timeout=10_000)
    assert "offene Integrationspläne" in page.locator("table", has_text="Alb-Donau-Kreis").last.inner_text()
    assert page.locator("tr", has_text="Schule/Bildung").count() == 1
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.close()


def test_the_dashboard_warns_while_the_figures_fall_behind_and_not_after(stack, cli, browser, tmp_path):
    """Stale figures never look current: with the aggregation stopped, a new Antrag waits on the
    topic, and after 10 s the dashboard says so; with the aggregation back, the warning goes."""
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(stack.dashboard_url)
    page.locator("tr", has_text="08425").wait_for(timeout=45_000)
    warning = page.get_by_text("Die Zahlen sind nicht aktuell")
    assert warning.count() == 0
    stack.kill("reporting-aggregator")
    try:
        cli.submit(tmp_path, full_request("08425141", 2018, 1_000_00))
        warning.wait_for(timeout=30_000)
        assert "Ereignisse warten seit" in warning.inner_text()
    finally:
        stack.restart("reporting-aggregator")
    warning.wait_for(state="detached", timeout=60_000)
    assert page.get_by_text("Stand: neuestes Ereignis").count() == 1
    page.close()
