"""Console and wallboard pages (thin: data comes from selectors; live data over the WebSocket)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from contactcenter.selectors import console_role, pause_reason_list, queue_categories
from contactcenter.wallboard import wallboard_figures


@login_required
def console(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    from asterisk_conf.naming import endpoint_name
    from contactcenter.models import Agent

    role = console_role(user=request.user)
    agent = role["agent"]
    visible = Agent.objects.select_related("person", "extension")
    if not role["supervisor"]:
        visible = visible.filter(queues__in=role["queue_ids"]).distinct()
    prefixes = [f"PJSIP/{endpoint_name(connection.schema_name, p.pk)}-"
                for p in agent.extension.phones.filter(is_active=True)] if agent else []
    return render(request, "contactcenter/console.html", {
        "agent": agent,
        "supervisor": role["supervisor"],
        "pause_reasons": list(pause_reason_list()),
        "categories": queue_categories(queue_ids=role["queue_ids"]),
        "queues": _queues(role["queue_ids"]),
        "agent_names": {str(a.pk): f"{a.person} ({a.extension.number})" for a in visible},
        "own_prefixes": prefixes,
    })


def _queues(queue_ids: list[int]) -> list[dict]:
    from django.db import connection

    from asterisk_conf.naming import queue_name
    from contactcenter.models import Queue

    return [{"id": q.pk, "name": q.name, "key": queue_name(connection.schema_name, q.pk),
             "require_category": q.require_category}
            for q in Queue.objects.filter(pk__in=queue_ids).order_by("id")]


@login_required
def wallboard(request: HttpRequest) -> HttpResponse:
    role = console_role(user=request.user)
    if not role["supervisor"]:
        raise PermissionDenied(_("Tavla er bare for veiledere."))
    return render(request, "contactcenter/wallboard.html", {"queues": _queues(role["queue_ids"]), "supervisor": True})


@login_required
def wallboard_data(request: HttpRequest) -> JsonResponse:
    role = console_role(user=request.user)
    if not role["supervisor"]:
        return JsonResponse({"error": _("Tavla er bare for veiledere.")}, status=403)
    return JsonResponse(wallboard_figures(queue_ids=role["queue_ids"]))
