"""The live OpenAPI schema against the live API: schemathesis generates requests for every operation (config
reads and writes, history, recordings) and checks that none gives a 500, and that every answer matches the
schema (status code documented, content type, body). Runs the real Django WSGI app in-process against the test
database, at FHI's domain with a read+write token (live actions need the engine and are tested with it)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from api.services import api_token_create

pytestmark = pytest.mark.django_db

HOST = "fhi.localhost"
# Generated cases per operation (random each run, like schemathesis' own runner: over many CI runs more of the
# input space is tried; a failure prints the request that reproduces it). SCHEMATHESIS_EXAMPLES=100 for a deep run.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))


@pytest.fixture
def api_token():  # type: ignore[no-untyped-def]
    with schema_context("fhi"):
        return api_token_create(name="schemathesis", scopes=["read", "write"])[1]


@pytest.fixture
def api_schema(api_token):  # type: ignore[no-untyped-def]
    # As Django's test client does: keep the test transaction's connection open between requests.
    signals.request_started.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), headers={"Host": HOST})
    finally:
        signals.request_started.connect(close_old_connections)


CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


def _exercise(operation, token: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Run generated cases for one operation; the failures described (empty when none)."""
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(headers={"Host": HOST, "Authorization": f"Bearer {token}"}, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - schemathesis' FailureGroup; all reported at the end
        failures.append(f"{operation.label}: {str(exc)[:1500]}")
    return failures


def test_api_has_no_server_error_and_keeps_its_schema(api_schema, api_token):  # type: ignore[no-untyped-def]
    # pytest's own plugin of schemathesis does not run under this pytest; the operations are walked here.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 100, "skjemaet skal ha alle API-operasjonene"
    failures = [f for op in operations for f in _exercise(op, api_token)]
    assert not failures, "\n\n".join(failures[:15])
