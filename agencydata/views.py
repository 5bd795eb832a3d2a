"""Agency admin pages for the agency's own data (thin: the work is in export/onboarding)."""

from __future__ import annotations

import datetime as dt
import tempfile

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import FileResponse, HttpRequest

from agencydata.export import agency_export
from controlplane.admin_sites import agency_admin_site


def _require_agency_admin(request: HttpRequest) -> str:
    if not request.user.is_superuser:
        raise PermissionDenied
    return connection.schema_name


def export_download(request: HttpRequest) -> FileResponse:
    """The whole agency as one archive. Written to a temporary file first (memory stays flat), then streamed."""
    slug = _require_agency_admin(request)
    tmp = tempfile.TemporaryFile()
    agency_export(slug=slug, out=tmp)
    tmp.seek(0)
    name = f"{slug}-eksport-{dt.date.today():%Y-%m-%d}.zip"
    return FileResponse(tmp, as_attachment=True, filename=name, content_type="application/zip")


export_download_view = agency_admin_site.admin_view(export_download)
