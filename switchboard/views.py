"""The attendant console page (thin: the live data comes over ``ws/attendant/``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from switchboard.selectors import operator_for_user


@login_required
def attendant(request: HttpRequest) -> HttpResponse:
    operator = operator_for_user(user=request.user)
    if operator is None:
        raise PermissionDenied(_("Sentralbordet er bare for operatører."))
    return render(request, "switchboard/attendant.html", {"operator": operator})
