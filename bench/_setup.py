"""Shared bench setup: Django against a throwaway database (DATABASE_URL's server or embedded)."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def django_with_fresh_database() -> str:
    """Point Django at a new, empty database and migrate it. Returns a description of the server."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlplane.settings")
    os.environ["ASTERISK_AUTO_RENDER"] = "0"
    os.environ.setdefault("PLATFORM_DATA_DIR", tempfile.mkdtemp(prefix="cp-bench-"))
    import django
    from django.conf import settings

    name = f"bench_{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    import psycopg2

    conn = psycopg2.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
                            port=db["PORT"] or None)
    conn.autocommit = True
    conn.cursor().execute(f'CREATE DATABASE "{name}"')
    conn.close()
    db["NAME"] = name
    django.setup()
    from django.core.management import call_command

    call_command("platform_setup", verbosity=0)
    where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded PostgreSQL"
    return f"{where}, database {name}"


def machine() -> str:
    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.node()} {platform.machine()} {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"
