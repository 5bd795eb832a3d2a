"""A real LDAP server for tests: Debian's slapd on 127.0.0.1, a free port, a temporary slapd.conf and database,
seeded over LDAP with ldap3."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from tests.harness.asterisk_harness import free_port

SLAPD = "/usr/sbin/slapd"
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")
BASE = "dc=katalog,dc=example"
ADMIN = f"cn=admin,{BASE}"


def find_slapd() -> str | None:
    return SLAPD if Path(SLAPD).exists() and (MODULES / "back_mdb.so").exists() else shutil.which("slapd")


class Slapd:
    def __init__(self, workdir: Path, password: str) -> None:
        self.workdir, self.password, self.port = workdir, password, free_port()
        (workdir / "db").mkdir(parents=True, exist_ok=True)
        conf = workdir / "slapd.conf"
        conf.write_text(
            "".join(f"include {SCHEMA / name}.schema\n" for name in ("core", "cosine", "inetorgperson"))
            + f"pidfile {workdir / 'slapd.pid'}\nmodulepath {MODULES}\nmoduleload back_mdb\n"
            f"database mdb\nsuffix \"{BASE}\"\nrootdn \"{ADMIN}\"\nrootpw {password}\n"
            f"directory {workdir / 'db'}\nmaxsize 10485760\n"
        )
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([find_slapd() or SLAPD, "-d", "0", "-f", str(conf), "-h", self.url],
                                        stdout=(workdir / "slapd.log").open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self._wait()

    def _wait(self) -> None:
        import ldap3

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                ldap3.Connection(ldap3.Server(self.url), ADMIN, self.password, auto_bind=True).unbind()
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("slapd startet ikke: " + (self.workdir / "slapd.log").read_text())

    def seed(self, people: list[dict]) -> None:
        import ldap3

        with ldap3.Connection(ldap3.Server(self.url), ADMIN, self.password, auto_bind=True) as conn:
            conn.add(BASE, ["dcObject", "organization"], {"o": "Katalog", "dc": "katalog"})
            conn.add(f"ou=people,{BASE}", ["organizationalUnit"], {"ou": "people"})
            for person in people:
                attrs = {k: v for k, v in person.items() if k != "uid"}
                ok = conn.add(f"uid={person['uid']},ou=people,{BASE}", ["inetOrgPerson"], attrs)
                assert ok, conn.result

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
