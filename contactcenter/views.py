"""Console and wallboard pages (thin: data comes from selectors; live data over the WebSocket)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from contactcenter.selectors import console_page, console_queues, console_role, legal_bases_active
from contactcenter.wallboard import wallboard_figures


@login_required
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "contactcenter/console.html",
                  {**console_page(user=request.user), "legal_bases": legal_bases_active()})


@login_required
def wallboard(request: HttpRequest) -> HttpResponse:
    role = console_role(user=request.user)
    if not role["supervisor"]:
        raise PermissionDenied(_("Tavla er bare for veiledere."))
    return render(request, "contactcenter/wallboard.html",
                  {"queues": console_queues(queue_ids=role["queue_ids"]), "supervisor": True})


@login_required
def wallboard_data(request: HttpRequest) -> JsonResponse:
    role = console_role(user=request.user)
    if not role["supervisor"]:
        return JsonResponse({"error": _("Tavla er bare for veiledere.")}, status=403)
    return JsonResponse(wallboard_figures(queue_ids=role["queue_ids"]))
