"""What every journey shares: a screenshot of each page it visits (when THIDUA_SHOTS names a folder) and an
axe-core check of each page for serious and critical accessibility violations.

The journeys browse with JavaScript off, where axe cannot run (its timers never fire). So each page as the
journey sees it (after a form's POST too) is written into a second browser of the same width, with JavaScript
on, on the same origin, and checked there.
"""
import atexit
import os
import re
import time

from axe_selenium_python import Axe

SHOTS = os.environ.get("THIDUA_SHOTS", "")
_auditors = {}


def _auditor(width, height):
    from test_journeys import BASE, make_driver
    if width not in _auditors:
        driver = make_driver(width, height, javascript=True)
        driver.set_script_timeout(60)
        driver.get(BASE + "/healthz")
        _auditors[width] = driver
        atexit.register(driver.quit)
    return _auditors[width]


def check_page(driver, name):
    """Saves `<THIDUA_SHOTS>/<name>.png` (the whole page) and fails on any serious or critical axe violation."""
    width = driver.execute_script("return window.innerWidth")
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        path = os.path.join(SHOTS, re.sub(r"[^a-z0-9-]+", "-", name.lower()) + ".png")
        if width >= 800:
            # The whole page: the window grows to the page's height for the picture, then back.
            size = driver.get_window_size()
            height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 8000)")
            driver.set_window_size(size["width"], height + 140)
            driver.save_screenshot(path)
            driver.set_window_size(size["width"], size["height"])
        else:
            driver.save_screenshot(path)
    html = driver.page_source
    auditor = _auditor(width, 740)
    auditor.execute_script("document.open(); document.write(arguments[0]); document.close();", html)
    deadline = time.time() + 10
    while time.time() < deadline and auditor.execute_script(
            "return document.readyState !== 'complete' || !document.styleSheets.length"):
        time.sleep(0.05)
    axe = Axe(auditor)
    axe.inject()
    results = axe.run(options={"resultTypes": ["violations"]})
    bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in bad)
