"""Generic capture: every saved or deleted row of the agency apps, every login, every command.

- Model changes: pre_save keeps the row as it was, post_save/post_delete/m2m_changed append an entry with
  before/after, for every model of the apps in TENANT_APPS (not sessions, content types, the admin's own
  log or the trail itself), in agency schemas only, and only when someone acts (a request or a command):
  the engine's call history is the platform's own work, not a change by anyone.
- Logins: user_logged_in / user_logged_out / user_login_failed.
- The CLI: every management command runs as actor ``cli:<os user>`` (BaseCommand.execute is wrapped
  once, at startup), except the long-running servers, whose requests carry their own actor.
"""

from __future__ import annotations

import getpass
import re
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.management.base import BaseCommand
from django.db import connection, models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from audit.context import acting_as, client_ip, current_actor, current_request, request_actor_name
from audit.models import AuditAction
from audit.services import audit_entry_append

SKIPPED_APPS = {"audit", "sessions", "contenttypes", "admin"}
SECRET_FIELD_RE = re.compile(r"password|secret|token|totp", re.IGNORECASE)
SERVER_COMMANDS = {"runserver", "run_platform", "run_engine", "procrastinate", "migrate", "migrate_schemas",
                   "test", "shell", "dbshell", "makemigrations"}
_tracked: set[str] = set()


def _is_tracked(sender: Any) -> bool:
    meta = getattr(sender, "_meta", None)
    return (meta is not None and meta.app_label in _tracked and not meta.auto_created
            and connection.schema_name not in ("public", settings.TENANT_BASE_SCHEMA))


HIDDEN = "[personopplysning]"
_RECORD_ONLY: set[str] = set()
_CONTENT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.BinaryField, models.FileField)


def record_only(*labels: str) -> None:
    """Models whose rows are about people outside the agency (callers, SMS recipients, contacts of a campaign):
    their entries record who did what to which row, with its ids, dates, counts and states, but no text (numbers,
    names, messages, notes). The content stays in its own table, under its retention and GDPR erasure, and is not
    kept for years in the trail. Apps call this in ``AppConfig.ready()`` with ``app_label.model_name``."""
    _RECORD_ONLY.update(label.lower() for label in labels)


def _hidden(field: Any, value: Any, record: bool) -> bool:
    return record and value not in (None, "", b"") and isinstance(field, _CONTENT_FIELDS) and not field.choices


def snapshot(instance: Any) -> dict:
    out: dict[str, Any] = {}
    record = instance._meta.label_lower in _RECORD_ONLY
    for field in instance._meta.concrete_fields:
        value = field.value_from_object(instance)
        if SECRET_FIELD_RE.search(field.name):
            value = "***" if value else ""
        elif _hidden(field, value, record):
            value = HIDDEN
        out[field.attname] = value
    return out


def _label(sender: Any) -> str:
    return sender._meta.label_lower


def _append(action: str, sender: Any, pk: Any, before: dict | None, after: dict | None, **extra: Any) -> None:
    actor = current_actor()
    if actor is None:
        return
    audit_entry_append(actor=actor.name, ip=actor.ip, action=action, model=_label(sender), object_pk=str(pk),
                       before=before, after=after, detail={**actor.detail, **extra})


def _pre_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _is_tracked(sender) or instance.pk is None or current_actor() is None:
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old is not None else None


def _post_save(sender: Any, instance: Any, created: bool, raw: bool = False, update_fields: Any = None,
               **kwargs: Any) -> None:
    if raw or not _is_tracked(sender):
        return
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # the login itself is its own entry
    before = None if created else getattr(instance, "_audit_before", None)
    _append(AuditAction.CREATE if created else AuditAction.UPDATE, sender, instance.pk, before, snapshot(instance))


def _post_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    if _is_tracked(sender):
        _append(AuditAction.DELETE, sender, instance.pk, snapshot(instance), None)


def _m2m_changed(sender: Any, instance: Any, action: str, model: Any, pk_set: Any, **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear") or not _is_tracked(type(instance)):
        return
    field = next((f.name for f in type(instance)._meta.many_to_many if f.remote_field.through is sender), "")
    _append(AuditAction.RELATION, type(instance), instance.pk, None,
            {"field": field, "change": action.removeprefix("post_"), "ids": sorted(pk_set or [])})


def _in_agency() -> bool:
    return connection.schema_name not in ("public", settings.TENANT_BASE_SCHEMA)


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if _in_agency():
        audit_entry_append(actor=request_actor_name(request), ip=client_ip(request), action=AuditAction.LOGIN,
                           model="auth.user", object_pk=str(user.pk),
                           detail={"path": request.path[:300], "backend": getattr(user, "backend", "")})


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if _in_agency() and user is not None:
        audit_entry_append(actor=f"bruker:{user.get_username()}", ip=client_ip(request), action=AuditAction.LOGOUT,
                           model="auth.user", object_pk=str(user.pk), detail={"path": request.path[:300]})


def _login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    if _in_agency():
        username = str(credentials.get("username", ""))[:150]
        audit_entry_append(actor=f"ukjent:{username}", ip=client_ip(request) if request else None,
                           action=AuditAction.LOGIN_FAILED, model="auth.user",
                           detail={"path": request.path[:300] if request else "", "username": username})


def cli_actor_name() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "ukjent"
    return f"cli:{user}"


def _wrap_commands() -> None:
    original = BaseCommand.execute
    if getattr(original, "_audit_wrapped", False):
        return

    def execute(self: BaseCommand, *args: Any, **options: Any) -> Any:
        name = type(self).__module__.rsplit(".", 1)[-1]
        if name in SERVER_COMMANDS or current_request() is not None:  # inside a request, the request's actor
            return original(self, *args, **options)
        with acting_as(f"{cli_actor_name()} ({name})"):
            return original(self, *args, **options)

    execute._audit_wrapped = True  # type: ignore[attr-defined]
    BaseCommand.execute = execute  # type: ignore[method-assign]


def connect() -> None:
    _tracked.update(app.label for app in apps.get_app_configs()
                    if app.name in settings.TENANT_APPS and app.label not in SKIPPED_APPS)
    pre_save.connect(_pre_save, dispatch_uid="audit_pre_save")
    post_save.connect(_post_save, dispatch_uid="audit_post_save")
    post_delete.connect(_post_delete, dispatch_uid="audit_post_delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid="audit_m2m")
    user_logged_in.connect(_logged_in, dispatch_uid="audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
    _wrap_commands()
