"""Which tables make up an agency: every model of the tenant apps (found, not listed), in dependency order.

A model added later by any tenant app (audit log, callbacks, SMS log ...) is part of the export and import
without a change here. Left out are Django's own bookkeeping tables, which every schema gets from its
migrations: content types, permissions and sessions (these are referred to by natural key instead).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import models

SKIPPED = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
# Never written to an export: password hashes (users sign in again: new password or single sign-on).
SECRET_FIELDS = {"auth.user": {"password"}}


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def tenant_models() -> list[type[models.Model]]:
    """Every concrete model stored in an agency's schema, parents before the rows that point to them."""
    app_labels = {apps.get_app_config(name.rsplit(".", 1)[-1]).label for name in settings.TENANT_APPS}
    found = [m for m in apps.get_models(include_auto_created=False)
             if m._meta.app_label in app_labels and not m._meta.proxy and m._meta.managed and label(m) not in SKIPPED]
    by_app: dict = {}
    for m in found:
        by_app.setdefault(apps.get_app_config(m._meta.app_label), []).append(m)
    return serializers.sort_dependencies(list(by_app.items()), allow_cycles=True)


def columns(model: type[models.Model]) -> list[models.Field]:
    """The stored columns of a table (many-to-many links are their own tables in the CSV: see m2m_tables)."""
    hidden = SECRET_FIELDS.get(label(model), set())
    return [f for f in model._meta.concrete_fields if f.name not in hidden]
