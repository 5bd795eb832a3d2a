"""pytest plugin: real components in every CI run, never a silent skip.

With ``REQUIRE_REAL_COMPONENTS=1`` (``.ci/run`` sets it) every skip becomes a failure that carries the skip
reason: a test that needs Asterisk, baresip, SIPp, Chromium, PostgreSQL or Redis fails when the component is
missing. Without it (a developer's machine) such tests still skip with their reason.

At the end one line per component marker says how many tests ran (and passed) against the real component,
counted from the markers on the tests that were executed.
"""

from __future__ import annotations

import os

import pytest

SWITCH = "REQUIRE_REAL_COMPONENTS"
COMPONENTS = {"asterisk": "Asterisk", "baresip": "baresip", "sipp": "SIPp", "browser": "Chromium", "redis": "Redis",
              "kannel": "Kannel", "slapd": "slapd", "smtp": "SMTP-tjener", "oidc": "OIDC-leverandør", "tts": "espeak-ng/sox"}
_RESULTS = pytest.StashKey[dict]()


def required() -> bool:
    return os.environ.get(SWITCH, "").strip().lower() not in ("", "0", "no", "false")


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail(report: pytest.TestReport | pytest.CollectReport) -> None:
    report.outcome = "failed"
    report.longrepr = (f"{SWITCH}=1: testen ville blitt hoppet over, men her må den kjøre mot ekte komponenter. "
                       f"Begrunnelse: {_reason(report)}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    skipped = report.skipped and not hasattr(report, "wasxfail")
    if skipped and required():
        _fail(report)
    results = item.config.stash.setdefault(_RESULTS, {})
    entry = results.setdefault(item.nodeid, {"markers": {m for m in COMPONENTS if item.get_closest_marker(m)},
                                             "ran": False, "passed": True})
    if report.when == "call" and not skipped:
        entry["ran"] = True
    if report.failed or report.skipped:
        entry["passed"] = False


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # type: ignore[no-untyped-def]
    """A module-level ``pytest.skip``/``importorskip`` fails the module too when the switch is on."""
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()
    if report.skipped and required():
        _fail(report)


def component_counts(results: dict) -> dict[str, tuple[int, int]]:
    """{marker: (ran, passed)} over the executed tests."""
    counts = {}
    for marker in COMPONENTS:
        ran = [e for e in results.values() if marker in e["markers"] and e["ran"]]
        counts[marker] = (len(ran), sum(1 for e in ran if e["passed"]))
    return counts


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    results = config.stash.get(_RESULTS, {})
    if not results:
        return
    terminalreporter.section("ekte komponenter")
    for marker, (ran, passed) in component_counts(results).items():
        terminalreporter.write_line(f"{COMPONENTS[marker]}: {ran} test(er) kjørt mot ekte {COMPONENTS[marker]}, "
                                    f"{passed} bestått (merke «{marker}»)")
    terminalreporter.write_line(f"{SWITCH}={'1: hopp over er feil' if required() else '0: manglende komponenter hoppes over'}")
