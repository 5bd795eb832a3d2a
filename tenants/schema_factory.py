"""Fast creation of agency schemas.

django-tenants' generic ``clone_schema`` walks the whole catalogue and gets slower with every agency
(seconds per agency at 100 agencies). Instead we replay the DDL that Django's migrations produce for
the agency apps (collected once per process, never executed as migrations) and copy the template
schema's rows (content types, permissions, migration records), all in the caller's transaction.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import get_public_schema_name

_lock = threading.Lock()
_recipe: list[str] | None = None


def _collect_ddl() -> list[str]:
    """DDL of every agency-app migration, as Django would run it in an empty agency schema."""
    template = settings.TENANT_BASE_SCHEMA
    previous = connection.schema_name
    connection.set_schema(template)
    try:
        executor = MigrationExecutor(connection)
        targets = executor.loader.graph.leaf_nodes()
        seen: list = []
        for target in targets:
            for key in executor.loader.graph.forwards_plan(target):
                if key not in seen:
                    seen.append(key)
        plan = [(executor.loader.graph.nodes[key], False) for key in seen]
        statements = executor.loader.collect_sql(plan)
    finally:
        if previous == get_public_schema_name():
            connection.set_schema_to_public()
        else:
            connection.set_schema(previous)
    return [s for s in statements if s.strip() and not s.lstrip().startswith("--")]


def recipe() -> list[str]:
    global _recipe
    with _lock:
        if _recipe is None:
            _recipe = _collect_ddl()
        return _recipe


def reset_recipe() -> None:
    global _recipe
    with _lock:
        _recipe = None


def create_agency_schema(schema_name: str) -> None:
    """Create ``schema_name`` with every agency table and the template's rows. Runs in the current
    transaction: if anything fails, nothing is left behind."""
    template = settings.TENANT_BASE_SCHEMA
    statements = recipe()
    with connection.cursor() as cur:
        cur.execute(f'CREATE SCHEMA "{schema_name}"')
        cur.execute(f'SET LOCAL search_path = "{schema_name}"')
        cur.execute(";\n".join(s.rstrip().rstrip(";") for s in statements))
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [template])
        tables = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema_name])
        created = {row[0] for row in cur.fetchall()}
        for table in tables:
            if table not in created:  # django_migrations: made by the recorder, not by a migration
                cur.execute(f'CREATE TABLE "{schema_name}"."{table}" (LIKE "{template}"."{table}" INCLUDING ALL)')
        for table in tables:
            cur.execute(f'INSERT INTO "{schema_name}"."{table}" SELECT * FROM "{template}"."{table}"')
        # Move identity sequences past the copied rows.
        cur.execute(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND a.attidentity IN ('a', 'd') AND c.relkind = 'r'", [schema_name])
        for table, column in cur.fetchall():
            cur.execute(
                f'SELECT setval(pg_get_serial_sequence(%s, %s), '
                f'COALESCE((SELECT MAX("{column}") FROM "{schema_name}"."{table}"), 0) + 1, false)',
                [f'"{schema_name}"."{table}"', column])
    connection.set_schema_to_public()
