"""Admin glue shared by the platform admin and the agency admins: a refusal from a service is shown
to the user as a form error or an error message, never a 500, and nothing is half-written."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

# Model/service field names that a form shows under another name.
FIELD_ALIASES = {"dest_ref": "destination", "dest_kind": "destination", "slug": "schema_name",
                 "first": "first_number", "last": "last_number"}


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has it,
    otherwise at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        name = FIELD_ALIASES.get(field, field)
        if name != NON_FIELD_ERRORS and name in form.fields:
            form.add_error(name, errors)
        else:
            form.add_error(None, errors)


class ServiceErrorsAdminMixin:
    """Mix into a ModelAdmin whose saves and deletes go through services.

    Saving: the first attempt runs in a transaction; if a service refuses (ValidationError), the
    transaction is rolled back and the form is shown again with the service's errors on it.
    Deleting: ``delete_blockers(obj)`` (override) lists what stops a delete; Django's delete page
    (single and bulk) then shows them as protected and refuses to delete."""

    def changeform_view(self, request: HttpRequest, object_id: str | None = None, form_url: str = "",
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ValidationError as exc:
            if request.method != "POST":
                raise
            request._service_errors = exc  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        exc = getattr(request, "_service_errors", None)
        if exc is None:
            return form_class

        class WithServiceErrors(form_class):  # type: ignore[misc, valid-type]
            def _post_clean(self) -> None:
                super()._post_clean()
                add_service_errors(self, exc)

        WithServiceErrors.__name__ = form_class.__name__
        return WithServiceErrors

    def delete_blockers(self, obj: Any) -> list[str]:
        return []

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:  # type: ignore[type-arg]
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)  # type: ignore[misc]
        blockers = [reason for obj in objs for reason in self.delete_blockers(obj)]
        return deleted, counts, perms_needed, list(protected) + blockers

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
                    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.path)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)  # type: ignore[misc]
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)  # type: ignore[attr-defined]
            return HttpResponseRedirect(request.get_full_path())
