"""The site in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``,
driven by Selenium) opens the pages over a loopback socket, runs an example query in the
YASGUI editor, uploads a file to the validation form, and runs axe-core (``tests/axe/``) on
every page it sees: none may have a WCAG 2.1 A or AA violation.

CI installs Chromium (``.ci/run``) and there a missing browser is a failure, not a skip, as
for nginx in ``test_build.py``. One browser serves the whole module; each test takes seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from clusterld.sparql.examples import example_queries

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
AXE = Path(__file__).parent / "axe" / "axe.min.js"
UPLOADS = Path(__file__).parent / "data" / "upload"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Without these, Chromium reaches out to Google (updates, sync, field trials, QUIC probes);
# the test machine has no Internet and the tests must not depend on it.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
]

# CI installs Chromium (.ci/run); there a missing browser is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    (CHROMIUM is None or CHROMEDRIVER is None) and not os.environ.get("CI"),
    reason="chromium and chromium-driver are not installed",
)


@pytest.fixture(scope="module")
def site(app: Flask) -> Iterator[str]:
    """The session app served over real HTTP on a free loopback port (Werkzeug's threaded
    server, which stops cleanly from another thread)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One headless Chromium for the module, with a fresh profile."""
    assert CHROMIUM and CHROMEDRIVER, "chromium and chromium-driver must be installed"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    # an explicit driver: Selenium Manager (which would download one) never runs
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def wait(driver: WebDriver, seconds: float = 15) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, seconds)


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the current page, each with its nodes."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}})
          .then((results) => done(results.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => ({target: n.target, html: n.html,
                                         summary: n.failureSummary})),
          }))))
          .catch((error) => done([{id: "axe-error", help: String(error), nodes: []}]));
        """,
        WCAG_21_AA,
    )
    return found


def assert_accessible(driver: WebDriver) -> None:
    violations = axe_violations(driver)
    assert violations == [], f"axe-core on {driver.current_url}:\n" + json.dumps(
        violations, indent=1, ensure_ascii=False
    )


def script_errors(driver: WebDriver) -> list[str]:
    """Messages logged as errors in the page's console since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_the_home_page(browser: WebDriver, site: str) -> None:
    browser.get(f"{site}/")
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading == "Education-industry clusters of Tomsk Oblast"
    assert browser.find_elements(By.CSS_SELECTOR, "main a[href*='/cluster/']")
    assert_accessible(browser)


def test_a_cluster_page(browser: WebDriver, site: str) -> None:
    browser.get(f"{site}/doc/cluster/industrial.html")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Industrial Cluster"
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "http://localhost/id/cluster/industrial" in main
    assert "Conforms to the shapes" in main
    assert_accessible(browser)


def expected_rows(app: Flask, query: str) -> list[dict[str, Any]]:
    """The example's answer as the endpoint gives it to any client."""
    with app.test_client() as client:
        response = client.post(
            "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
        )
    assert response.status_code == 200
    rows: list[dict[str, Any]] = response.get_json()["results"]["bindings"]
    return rows


def test_the_query_page_runs_an_example_and_shows_its_rows(
    browser: WebDriver, site: str, app: Flask
) -> None:
    browser.get(f"{site}/sparql")
    script_errors(browser)  # forget earlier pages' messages
    run = wait(browser).until(
        expected_conditions.element_to_be_clickable(
            (By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton")
        )
    )
    assert browser.find_element(By.ID, "sparql-form").get_attribute("hidden") is not None
    tabs = [tab.text.strip("✖ \n") for tab in browser.find_elements(By.CSS_SELECTOR, "[role=tab]")]
    examples = example_queries("http://localhost/")
    assert tabs == [example.title["en"] for example in examples]
    assert_accessible(browser)  # the editor before any answer

    run.click()
    rows_shown = (By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable tbody tr")
    try:
        wait(browser).until(expected_conditions.presence_of_all_elements_located(rows_shown))
    except TimeoutException:
        pytest.fail(f"no rows shown; console: {script_errors(browser)}")
    expected = expected_rows(app, examples[0].text)
    shown = browser.find_elements(*rows_shown)
    assert len(shown) == len(expected) == 9  # the nine clusters
    table = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable").text
    for row in expected:
        assert row["clusterName"]["value"] in table
        assert row["leadName"]["value"] in table
    assert browser.find_element(By.ID, "sparql-truncated").get_attribute("hidden") is not None
    assert script_errors(browser) == []
    assert_accessible(browser)  # the editor with its results table


def test_the_query_tabs_work_from_the_keyboard_and_a_new_tab_can_be_added(
    browser: WebDriver, site: str
) -> None:
    """What clusterld-sparql.js changes in YASGUI's tab list still works: arrow keys move
    between the tabs (wrapping round), and the "+" button, moved out of the list, adds one."""
    browser.get(f"{site}/sparql?lang=ru")
    script_errors(browser)  # forget earlier pages' messages
    wait(browser).until(
        expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, ".tabPanel.active"))
    )
    tabs = browser.find_elements(By.CSS_SELECTOR, "[role=tablist] [role=tab]")
    tabs[0].send_keys(Keys.ARROW_RIGHT)
    assert browser.switch_to.active_element == tabs[1]
    tabs[1].send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    assert browser.switch_to.active_element == tabs[-1]
    tabs[-1].send_keys(Keys.ENTER)
    wait(browser).until(
        lambda driver: (
            "active" in (tabs[-1].find_element(By.XPATH, "..").get_attribute("class") or "")
        )
    )
    browser.find_element(By.CSS_SELECTOR, ".clusterld-tabbar > .addTab").click()
    wait(browser).until(
        lambda driver: len(driver.find_elements(By.CSS_SELECTOR, "[role=tab]")) == len(tabs) + 1
    )
    assert script_errors(browser) == []
    assert_accessible(browser)  # in Russian, with a panel drawn for the last and the new tab


def test_the_validation_form_reports_an_uploaded_file(browser: WebDriver, site: str) -> None:
    browser.get(f"{site}/validate")
    assert_accessible(browser)  # the empty form
    upload = UPLOADS / "organisation-without-english-label.ttl"
    browser.find_element(By.ID, "file").send_keys(str(upload))
    browser.find_element(By.CSS_SELECTOR, "form.validate button[type=submit]").click()
    verdict = wait(browser).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, ".verdict"))
    )
    assert "fails" in (verdict.get_attribute("class") or "").split()
    rows = browser.find_elements(By.CSS_SELECTOR, ".validation-report tbody tr")
    assert len(rows) == 1
    assert "Проверочная компания" in rows[0].text  # the organisation without an English label
    assert_accessible(browser)  # the report


def test_the_validation_form_locates_a_syntax_error(
    browser: WebDriver, site: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        '@prefix ex: <http://example.org/> .\nex:a ex:b "unterminated .\n', encoding="utf-8"
    )
    browser.get(f"{site}/validate")
    browser.find_element(By.ID, "file").send_keys(str(broken))
    browser.find_element(By.CSS_SELECTOR, "form.validate button[type=submit]").click()
    alert = wait(browser).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, "#error[role=alert]"))
    )
    assert "broken.ttl, line 2, column 26" in alert.text
    assert_accessible(browser)  # the error
