"""The recordings page: list, play (streamed, seekable with HTTP Range) and download, only for users with the
permission «Kan spille av og laste ned opptak»; each play and download is logged with who and why first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from contactcenter import recordings
from contactcenter.selectors import console_role, recording_access_ticket, recordings_list

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _require_listener(request: HttpRequest) -> None:
    if not recordings.may_listen(request.user):
        raise PermissionDenied("Du har ikke tilgang til opptak.")


@login_required
@require_GET
def recordings_page(request: HttpRequest) -> HttpResponse:
    _require_listener(request)
    return render(request, "contactcenter/recordings.html",
                  {"recordings": recordings_list(), "supervisor": console_role(user=request.user)["supervisor"]})


@login_required
@require_POST
def recording_access(request: HttpRequest, pk: int) -> JsonResponse:
    """Log the play/download with its reason; answer with the URL the file is then streamed from."""
    try:
        access = recordings.recording_access_open(agency=connection.schema_name, user=request.user, recording_id=pk,
                                                  action=request.POST.get("action", ""),
                                                  reason=request.POST.get("reason", ""))
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc) or "Ingen tilgang."}, status=403)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"url": reverse("recording-stream", args=[access.pk])})


def _chunks(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        while length > 0:
            data = f.read(min(CHUNK, length))
            if not data:
                return
            length -= len(data)
            yield data


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a single 'bytes=' range, None if there is none; ValueError if unsatisfiable."""
    match = RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise ValueError("utenfor filen")
    return start, end


@login_required
@require_GET
def recording_stream(request: HttpRequest, access_id: int) -> HttpResponse:
    _require_listener(request)
    access = recording_access_ticket(access_id=access_id, user=request.user)
    if access is None or access.recording is None:
        raise Http404("Tilgangen er utløpt eller finnes ikke; oppgi grunnen på nytt.")
    path = recordings.recording_file(agency=connection.schema_name, name=Path(access.recording.path).name)
    size = path.stat().st_size
    try:
        wanted = _byte_range(request.headers.get("Range", ""), size)
    except ValueError:
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})
    start, end = wanted or (0, size - 1)
    response = StreamingHttpResponse(_chunks(path, start, end - start + 1), content_type="audio/wav",
                                     status=206 if wanted else 200)
    response["Accept-Ranges"] = "bytes"
    response["Content-Length"] = str(end - start + 1)
    response["Cache-Control"] = "private, no-store"
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if access.action == "download":
        response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response
