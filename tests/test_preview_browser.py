"""The preview in a real headless Chromium (Debian's package, driven by Playwright against the
system browser: Playwright's own browser downloads are never used)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from preview_project import FILES

from conftest import write_project
from positionkit.preview.server import start
from test_preview import raw_get

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 20_000
"""Upper bound for a page update to show (polling the DOM): a bound, not a timing assertion."""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def preview(tmp_path, browser):
    root = write_project(tmp_path / "proj", {
        "positionkit.toml": '[project]\nname = "Test coalition"\nsource_lang = "en"\n', **FILES})
    running = start(root)
    context = browser.new_context(viewport={"width": 1400, "height": 800})
    tab = context.new_page()
    yield root, running, tab
    context.close()
    running.stop()


def test_page_shows_title_and_text_and_languages_side_by_side(preview):
    root, running, tab = preview
    tab.goto(f"{running.url}/note?lang=en,fr")
    assert tab.locator(".pk-head .pk-title").all_inner_texts() == ["Test note", "Note de test"]
    en = tab.locator(".pk-cell[lang=en]", has_text="Data flows matter for development").first
    fr = tab.locator(".pk-cell[lang=fr]", has_text="Les flux de données comptent").first
    en_box, fr_box = en.bounding_box(), fr.bounding_box()
    assert fr_box["x"] > en_box["x"] + en_box["width"] - 1  # side by side...
    assert abs(fr_box["y"] - en_box["y"]) < 1  # ...on the same row: translations of each other
    # the untranslated section is highlighted in the French column
    assert tab.locator(".pk-cell[lang=fr].pk-missing").count() > 0
    assert tab.locator(".pk-cell[lang=fr].pk-missing .pk-flag").first.inner_text() == "no translation yet"
    # internal notes appear only once toggled on, marked as never printed
    assert tab.locator(".pk-internal").count() == 0
    tab.locator("a.pk-internal-toggle").click()
    note = tab.locator(".pk-cell[lang=en] .pk-internal")
    note.wait_for()
    assert "Check the 2021 figures" in note.inner_text() and "never printed" in note.inner_text().lower()
    # the print view shows the PDF's pages as images
    tab.goto(f"{running.url}/note/print?lang=en")
    pages = tab.locator("img.pk-page")
    assert pages.count() >= 2 and tab.locator(".pk-budget.over").inner_text().endswith("budget 1")
    pages.first.scroll_into_view_if_needed()
    tab.wait_for_load_state("networkidle")
    assert tab.evaluate("document.querySelector('img.pk-page').naturalWidth") > 900
    # the index lists the paper; a traversal URL typed into the browser is refused
    tab.goto(running.url + "/")
    assert tab.locator("a.pk-paper").inner_text() == "Test note"
    response = tab.goto(running.url + "/%2e%2e/positionkit.toml")
    assert response.status == 404 and "[project]" not in tab.content()
    assert raw_get(running.url, "/../positionkit.toml")[0] == 404


def test_a_save_updates_the_page_in_place_and_a_broken_input_shows_its_diagnostic(preview):
    root, running, tab = preview
    tab.goto(f"{running.url}/note")
    tab.locator("#pk-live-state.pk-live-state:text-is('live')").wait_for(timeout=WAIT_MS)
    tab.locator(".pk-row").nth(30).wait_for()
    tab.evaluate("window.scrollTo(0, 1500)")
    scrolled = tab.evaluate("window.scrollY")
    assert scrolled > 1000
    tab.evaluate("window.pkMarker = 'same document'")  # a full reload would lose this

    asks = root / "papers/note/02-asks.md"
    saved = time.monotonic()
    asks.write_text(asks.read_text().replace("Ask number 30:", "Ask number thirty:"), encoding="utf-8")
    tab.locator(".pk-piece", has_text="Ask number thirty:").wait_for(timeout=WAIT_MS)
    print(f"\nsave -> page updated: {time.monotonic() - saved:.2f} s")
    assert tab.evaluate("window.pkMarker") == "same document"
    assert abs(tab.evaluate("window.scrollY") - scrolled) < 200

    asks.write_text(asks.read_text() + "\nA new claim [@nosuchkey2020].\n", encoding="utf-8")
    diag = tab.locator(".pk-diags .pk-diag.error", has_text="nosuchkey2020")
    diag.wait_for(timeout=WAIT_MS)
    assert "papers/note/02-asks.md:" in diag.inner_text()
    assert tab.locator(".pk-inline-diag.error", has_text="nosuchkey2020").count() == 1

    (root / "papers/note/paper.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    broken = tab.locator(".pk-diags .pk-diag", has_text="papers/note/paper.yaml:")
    broken.wait_for(timeout=WAIT_MS)
    assert tab.locator(".pk-piece").count() == 0  # no stale text left under the diagnostic
