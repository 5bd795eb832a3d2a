"""A real OpenID Connect provider (django-oauth-toolkit, RS256 key made at start) as a subprocess on
127.0.0.1, one per issuer. ``OidcProvider(...).start()``; ``.issuer``; ``.sign_in(url)`` walks the
provider's login form with httpx (a browser-less user agent with its own cookies) and returns where the
provider finally redirects."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OidcProvider:
    def __init__(self, workdir: Path, *, users: list[dict], clients: list[dict]) -> None:
        self.port = 0  # chosen at start, once the providers started before hold theirs
        self.workdir = workdir
        self.seed = {"users": users, "clients": clients}
        self.proc: subprocess.Popen | None = None
        self.agent = httpx.Client(follow_redirects=False, timeout=20)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base}/o"

    def start(self) -> OidcProvider:
        """Start, on a fresh free port; a second try if the first process dies (e.g. the port was taken)."""
        for attempt in (1, 2):
            self.port = free_port()
            try:
                return self._start_once()
            except AssertionError:
                self._kill()
                if attempt == 2:
                    raise
        return self

    def _start_once(self) -> OidcProvider:
        self.workdir.mkdir(parents=True, exist_ok=True)
        seed = self.workdir / f"seed-{self.port}.json"
        seed.write_text(json.dumps(self.seed))
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        self.log = open(self.workdir / f"idp-{self.port}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.harness.oidc_provider.serve", str(self.port),
             str(self.workdir / f"idp-{self.port}.sqlite3"), str(seed)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120  # a loaded 2-core machine: migrating and starting can take a while
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.workdir / f"idp-{self.port}.log").read_text()[-3000:]
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("OIDC-leverandøren startet ikke innen 120 s: "
                             + (self.workdir / f"idp-{self.port}.log").read_text()[-2000:])

    def stop(self) -> None:
        self.agent.close()
        self._kill()

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, "log", None) is not None:
            self.log.close()

    def _login_form(self, url: str, username: str, password: str) -> httpx.Response:
        page = self.agent.get(url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
        return self.agent.post(url, data={"csrfmiddlewaretoken": token, "username": username, "password": password,
                                          "next": nxt.replace("&amp;", "&")}, headers={"Referer": url})

    def follow(self, url: str, *, username: str | None = None, password: str | None = None) -> str:
        """Follow redirects on the provider (logging in on its form when asked) until it sends the user
        agent somewhere else; return that URL."""
        for _ in range(10):
            if not url.startswith(self.base):
                return url
            response = self.agent.get(url)
            if response.status_code == 200 and "csrfmiddlewaretoken" in response.text and username:
                response = self._login_form(str(response.url), username, password or "")
                username = None
            assert response.status_code in (301, 302), f"{url}: {response.status_code} {response.text[:500]}"
            url = str(httpx.URL(str(response.url)).join(response.headers["location"]))
        raise AssertionError("for mange videresendinger hos OIDC-leverandøren")
