"""A screenshot of every page a user meets, in real headless Chromium against the running platform (real
Asterisk behind the engine): the console as agent and as supervisor, the wallboard, the login page (with
its error), the 403 page and the platform's front page. Each page fails the test if an error or status
text is unreadable (contrast against its background below WCAG's 4.5:1, or 3:1 for large text) or if a
known English UI string shows in Norwegian mode. The PNGs land in test-artifacts/."""

from __future__ import annotations

import re

from tests.contactcenter.test_console_browser import PASSWORD, browser, pytestmark, stack  # noqa: F401  (shared fixtures)

# English UI strings that must never show when the user has Norwegian (the default).
ENGLISH = ["Log in", "Log out", "Username", "Password", "Connected", "Disconnected", "Queues", "Agents", "Calls",
           "Wallboard", "Console", "Forbidden", "Not Found", "Page not found", "Server Error", "Access denied",
           "No agents are logged in", "Nobody waiting", "Please correct", "Start typing to filter", "Show counts",
           "Pause reason", "Save", "Search", "Unknown action", "Invalid message", "Wrong username", "Front page",
           "Platform administration", "Engine health", "The wallboard is for supervisors"]

CONTRAST_JS = """
() => {
  const rgba = (s) => { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const lum = ([r, g, b]) => 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = rgba(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let color = [255, 255, 255, 1];
    for (const layer of layers.reverse()) color = over(layer, color);
    return color;
  }
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim())
      .map((n) => n.textContent.trim()).join(" ");
    if (!own || !el.getClientRects().length || ["SCRIPT", "STYLE", "OPTION"].includes(el.tagName)) continue;
    const st = getComputedStyle(el);
    if (st.visibility === "hidden") continue;
    const fg = over(rgba(st.color), background(el));
    const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) bad.push(`${el.tagName}.${el.className} «${own.slice(0, 60)}» ${ratio.toFixed(2)}:1 < ${need}:1`);
  }
  return bad;
}
"""

VISIBLE_TEXT_JS = """
() => [...document.querySelectorAll("main, .topbar .brand, .topbar nav a, .topbar nav button, .who, .toast")]
        .map((e) => e.innerText).join("\\n")
"""


def _check_page(page, artifacts_dir, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(artifacts_dir / f"side-{name}.png"), full_page=True)
    assert page.get_attribute("html", "lang") == "nb"
    unreadable = page.evaluate(CONTRAST_JS)
    assert not unreadable, f"{name}: tekst som ikke kan leses: {unreadable}"
    text = page.evaluate(VISIBLE_TEXT_JS)
    english = [s for s in ENGLISH if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)]
    assert not english, f"{name}: engelsk tekst i norsk modus: {english}"


def _login(page, port: int, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://fhi.localhost:{port}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_login_page_and_its_error(stack, browser, artifacts_dir):  # noqa: F811
    _ast, server = stack
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    try:
        page.goto(f"http://fhi.localhost:{server.port}/console/")
        page.wait_for_selector("input[name=username]")
        _check_page(page, artifacts_dir, "innlogging")
        _login(page, server.port, "ingrid", "feil-passord-123")
        page.wait_for_selector(".error[role=alert]")
        assert "Feil brukernavn eller passord." in page.inner_text(".error")
        _check_page(page, artifacts_dir, "innlogging-feil")
    finally:
        page.close()


def test_console_as_agent_with_an_error_toast(stack, browser, artifacts_dir):  # noqa: F811
    _ast, server = stack
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        _login(page, server.port, "ingrid")
        page.wait_for_selector("#conn[data-state=up]", timeout=10000)
        assert "Ingen agenter er pålogget" in page.inner_text("#agents")
        assert page.locator("a[href='/wallboard/']").count() == 0
        # An action the engine refuses shows an error toast.
        page.select_option("#pause-reason", "lunsj")
        page.click("#btn-pause")  # not logged into any queue
        page.wait_for_selector(".toast.error", timeout=5000)
        assert page.inner_text(".toast.error") == "Logg inn i køene først."
        _check_page(page, artifacts_dir, "konsoll-agent")
    finally:
        page.close()


def test_console_as_supervisor_and_the_wallboard(stack, browser, artifacts_dir):  # noqa: F811
    _ast, server = stack
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        _login(page, server.port, "jonas")
        page.wait_for_selector("#conn[data-state=up]", timeout=10000)
        assert page.locator("a[href='/wallboard/']").count() == 1
        _check_page(page, artifacts_dir, "konsoll-veileder")
        page.goto(f"http://fhi.localhost:{server.port}/wallboard/")
        page.wait_for_selector("#conn[data-state=up]", timeout=10000)
        page.wait_for_function("document.querySelector('#t-sl').textContent !== ''", timeout=5000)
        _check_page(page, artifacts_dir, "tavle")
    finally:
        page.close()


def test_forbidden_and_missing_pages(stack, browser, artifacts_dir):  # noqa: F811
    _ast, server = stack
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    try:
        _login(page, server.port, "ingrid")
        page.wait_for_selector("#conn", timeout=10000)
        response = page.goto(f"http://fhi.localhost:{server.port}/wallboard/")
        assert response.status == 403
        assert "Tavla er bare for veiledere." in page.inner_text("main")
        _check_page(page, artifacts_dir, "403")
        response = page.goto(f"http://fhi.localhost:{server.port}/finnes-ikke/")
        assert response.status == 404 and "Fant ikke siden" in page.inner_text("main")
        _check_page(page, artifacts_dir, "404")
    finally:
        page.close()


def test_platform_front_page(stack, browser, artifacts_dir):  # noqa: F811
    _ast, server = stack
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    try:
        response = page.goto(f"http://localhost:{server.port}/")
        assert response.status == 200
        assert page.locator("a[href='/admin/']").count() == 1 and page.locator("a[href='/health/engine']").count() == 1
        _check_page(page, artifacts_dir, "plattform")
    finally:
        page.close()


def test_the_contrast_check_catches_red_on_red(stack, browser):  # noqa: F811
    """The contrast check itself: the old stylesheet's red-on-red error toast is caught."""
    _ast, server = stack
    page = browser.new_page()
    try:
        page.goto(f"http://localhost:{server.port}/")
        page.evaluate("""() => { const t = document.createElement('div'); t.className = 'toast error';
                                 t.textContent = 'Feil'; t.style.color = getComputedStyle(document.body)
                                 .getPropertyValue('--danger'); document.body.appendChild(t); }""")
        assert any("Feil" in line for line in page.evaluate(CONTRAST_JS))
    finally:
        page.close()
