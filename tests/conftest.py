"""Test setup: a fresh test database with the template schema and the demo agencies.

Runs against the embedded PostgreSQL by default, or the server in DATABASE_URL.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_tmp = Path(tempfile.mkdtemp(prefix="cp-tests-"))
os.environ.setdefault("ASTERISK_CONFIG_DIR", str(_tmp / "etc"))
os.environ.setdefault("ASTERISK_SPOOL_DIR", str(_tmp / "spool"))

import pytest  # noqa: E402

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parent.parent / "test-artifacts"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from contactcenter.demo import demo_load
    from tenants import services

    with django_db_blocker.unblock():
        services.template_schema_ensure()
        services.public_tenant_ensure()
        demo_load()
    yield


@pytest.fixture
def public_schema():  # type: ignore[no-untyped-def]
    from django.db import connection

    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
