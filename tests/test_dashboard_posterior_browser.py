"""The posterior fan in a real browser: `caucasus dashboard --posterior DIR --draws N` in Chromium.

The server is started as `caucasus dashboard` does it, with a synthetic posterior over the
baseline; the page makes the fan in the background and the trust and influence charts draw its
bands under the live line. What ECharts draws is read back from the chart instances in the page.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SCENARIOS
from tests.test_dashboard_browser import (  # noqa: F401 - `browser` is the module's fixture
    LOAD_MS,
    browser,
    choose,
    clock,
    open_session,
    screenshot,
    select_field,
    step,
)
from tests.test_posterior_runs import CALIBRATED, make_posterior

pytestmark = [pytest.mark.browser, pytest.mark.slow]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
FAN_DRAWS = 12

#: The series names of every ECharts instance matched by `selector`, read from the page (Solara loads
#: ECharts with RequireJS: the module is found among RequireJS's defined modules, not as a global);
#: null until ECharts is loaded and has drawn every chart matched.
SERIES_NAMES = """(selector) => {
  const defined = (window.require && window.require.s && window.require.s.contexts._.defined) || {};
  const key = Object.keys(defined).find((name) => name.includes('echarts'));
  const charts = document.querySelectorAll(selector);
  if (!key || !defined[key] || !charts.length) return null;
  const names = [];
  for (const element of charts) {
    const instance = defined[key].getInstanceByDom(element);
    if (!instance) return null;
    names.push(...instance.getOption().series.map((series) => series.name));
  }
  return names;
}"""


def series_names(page, selector: str) -> list[str]:
    """The names of the series drawn in the charts matched by `selector` (waiting until they are drawn)."""
    page.wait_for_function(f"() => ({SERIES_NAMES})({selector!r}) !== null", timeout=LOAD_MS)
    return page.evaluate(SERIES_NAMES, selector)


@pytest.fixture(scope="module")
def fan_server_url(tmp_path_factory) -> Iterator[str]:
    """A dashboard server with a posterior over the baseline's escalation cost and Azerbaijan's sensitivity."""
    from viz.server import serving

    folder = tmp_path_factory.mktemp("fan")
    rng = np.random.default_rng(3)
    particles = pd.DataFrame({CALIBRATED[0]: rng.uniform(0.3, 2.0, 20), CALIBRATED[1]: rng.uniform(0.5, 1.5, 20)})
    posterior = make_posterior(folder / "calibration", SCENARIOS / "baseline.toml", particles, np.ones(20))
    with serving(folder / "server.log", posterior=(posterior, FAN_DRAWS)) as url:
        yield url


def test_posterior_fan_bands_appear_under_the_live_line(browser, fan_server_url, request):  # noqa: F811
    context, page = open_session(browser, fan_server_url)
    try:
        status = page.locator(".posterior-fan-status")
        expect(status).to_contain_text(f"50% and 90% bands of {FAN_DRAWS} runs", timeout=LOAD_MS)
        step(page, 3)
        expect(clock(page)).to_contain_text("Day 3 of 365")
        dyads = series_names(page, ".view-dyads")
        assert "AZE → RUS" in dyads and "AZE → RUS posterior 90%" in dyads and "AZE → RUS posterior median" in dyads
        assert dyads[-2:] == ["AZE → RUS", "ARM → RUS"]  # the live lines come last: drawn on top
        shares = series_names(page, ".view-shares-aze")
        assert "RUS posterior 50%" in shares and "RUS" in shares
        choose(page, select_field(page, page, "Time charts show"), "whole year")  # the fan runs on ahead of the line
        page.locator(".step-button").click()
        expect(clock(page)).to_contain_text("Day 4 of 365")
        assert len(series_names(page, ".view-dyads")) == len(dyads)
        page.locator(".view-shares-aze").scroll_into_view_if_needed()
        screenshot(page, request)
        page.locator(".view-dyads").scroll_into_view_if_needed()
        screenshot(page, request, "-trust")
    finally:
        context.close()
