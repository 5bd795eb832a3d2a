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
# Child processes (manage.py run_platform ...) run in development mode, as under ./dev run.
os.environ.setdefault("DJANGO_DEBUG", "1")
# Operators' token for /metrics and /health/engine (tests.helpers.OPS_HEADERS), here and in child processes.
os.environ.setdefault("OPS_TOKEN", "test-ops-token-5f2c9a7e41d8b6033e")

import pytest  # noqa: E402
from django.conf import settings as _django_settings  # noqa: E402

# Settings may have been read before this file: give this process the same ops token as its children.
_django_settings.OPS_TOKEN = os.environ["OPS_TOKEN"]

# Real components in CI: with REQUIRE_REAL_COMPONENTS=1 every skip fails; per-component summary at the end.
pytest_plugins = ["tests.ci_switch"]

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", Path(__file__).resolve().parent.parent / "test-artifacts"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    """pytest-django creates the test database only if some collected test is marked for it. Every test
    module here touches the database, so mark them all: a partial run must never write to the
    developer's own database. Runs before pytest-django's own hook, which then orders the transactional
    tests (they end with a flush of the public schema) after all the others."""
    for item in items:
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from django.db import connection

    assert connection.settings_dict["NAME"].startswith("test_"), "testene må kjøre mot en testdatabase"
    from contactcenter.demo import demo_load
    from tenants import services

    with django_db_blocker.unblock():
        services.template_schema_ensure()
        services.public_tenant_ensure()
        demo_load()
        # Transactional tests (jobs: the worker sees only committed rows) end with a flush of the public
        # schema; `serialized_rollback=True` puts this state (agencies, domains, ranges) back before each.
        connection.set_schema_to_public()
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    yield
    # Threads (engine history, Channels' sync thread) keep their own connections; end them so the
    # test database can be dropped.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(autouse=True)
def _no_jobs_left_over(request):  # type: ignore[no-untyped-def]
    """procrastinate's tables are not Django-managed, so a transactional test's flush leaves them: a periodic job
    one test's worker deferred (holding its queueing lock) would refuse the next test's. Empty them around each
    transactional test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        yield
        return
    request.getfixturevalue("transactional_db")
    _empty_job_tables()
    yield
    _empty_job_tables()


def _empty_job_tables() -> None:
    from django.db import connection

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, procrastinate_events, "
                       "procrastinate_workers CASCADE")


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


@pytest.fixture(autouse=True)
def _norwegian_by_default():  # type: ignore[no-untyped-def]
    """Every test starts in bokmål: a test that switches language must not leak it into the next one."""
    from django.utils import translation

    with translation.override("nb"):
        yield


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):  # type: ignore[no-untyped-def]
    """The test client (or a test) may leave the connection in an agency's schema. A transactional test's flush
    would then empty that agency's tables for every later test: back to the public schema before any teardown."""
    from django.db import connection

    connection.set_schema_to_public()
