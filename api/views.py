"""The API's views: thin, over the apps' services and selectors."""

from __future__ import annotations

import re

from django.db import connection
from django.http import FileResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.language import request_language
from contactcenter import live_services
from contactcenter import models as cc
from contactcenter import selectors as cc_selectors
from outbound.selectors import call_attempt_list, campaign_api_list, sms_message_list
from switchboard import models as sb
from switchboard import selectors as sb_selectors
from switchboard import services as sb_services

_ID = re.compile(r"[0-9]{1,18}")


class AgencyApiMixin:
    """In the request's language (``?lang`` or ``Accept-Language``); IDs only as plain numbers."""

    lookup_value_regex = r"[^/]+"

    def dispatch(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        lang = request_language(request)
        with translation.override(lang):
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        response.headers["Content-Language"] = lang
        return response

    def get_object(self):  # type: ignore[no-untyped-def]
        if not _ID.fullmatch(str(self.kwargs.get(self.lookup_field, ""))):  # type: ignore[attr-defined]
            raise exceptions.NotFound()
        return super().get_object()  # type: ignore[misc]


class ConfigViewSet(AgencyApiMixin, viewsets.ModelViewSet):
    """Create, read, change and delete one kind of config, through the admin's services."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_destroy(self, instance) -> None:  # type: ignore[no-untyped-def]
        from django.core.exceptions import ValidationError

        try:
            sb_services.config_object_delete(obj=instance)
        except ValidationError as exc:
            conflict = exceptions.APIException(" ".join(exc.messages))
            conflict.status_code = status.HTTP_409_CONFLICT
            raise conflict from exc


def config_viewset(queryset, serializer, name: str):  # type: ignore[no-untyped-def]
    doc = f"{name}: les, opprett, endre og slett (samme regler og tjenester som i administrasjonen)."
    return extend_schema(tags=[name])(type(f"{serializer.__name__[:-10]}ViewSet", (ConfigViewSet,), {
        "queryset": queryset, "serializer_class": serializer, "__doc__": doc}))


PersonViewSet = config_viewset(sb.Person.objects.order_by("id"), s.PersonSerializer, "personer")
ExtensionViewSet = config_viewset(sb_selectors.extension_list().order_by("id"), s.ExtensionSerializer, "internnumre")
VoicemailViewSet = config_viewset(sb.Voicemail.objects.order_by("id"), s.VoicemailSerializer, "talepost")
ScheduleViewSet = config_viewset(sb.Schedule.objects.order_by("id"), s.ScheduleSerializer, "åpningstider")
ScheduleRuleViewSet = config_viewset(sb.ScheduleRule.objects.order_by("id"), s.ScheduleRuleSerializer, "åpningstider")
ClosedDayViewSet = config_viewset(sb.ClosedDay.objects.order_by("id"), s.ClosedDaySerializer, "åpningstider")
IvrMenuViewSet = config_viewset(sb.IvrMenu.objects.order_by("id"), s.IvrMenuSerializer, "talemenyer")
IvrOptionViewSet = config_viewset(sb.IvrOption.objects.order_by("id"), s.IvrOptionSerializer, "talemenyer")
DidViewSet = config_viewset(sb.Did.objects.order_by("id"), s.DidSerializer, "numre")
MusicOnHoldViewSet = config_viewset(cc.MusicOnHold.objects.order_by("id"), s.MusicOnHoldSerializer, "ventemusikk")
QueueViewSet = config_viewset(cc.Queue.objects.order_by("id"), s.QueueSerializer, "køer")
QueueSkillViewSet = config_viewset(cc.QueueSkill.objects.order_by("id"), s.QueueSkillSerializer, "køer")
SkillViewSet = config_viewset(cc.Skill.objects.order_by("id"), s.SkillSerializer, "ferdigheter")
AgentSkillViewSet = config_viewset(cc.AgentSkill.objects.order_by("id"), s.AgentSkillSerializer, "agenter")
InquiryCategoryViewSet = config_viewset(cc.InquiryCategory.objects.order_by("id"), s.InquiryCategorySerializer,
                                        "henvendelseskategorier")
PauseReasonViewSet = config_viewset(cc.PauseReason.objects.order_by("id"), s.PauseReasonSerializer, "pauseårsaker")
CallbackPolicyViewSet = config_viewset(cc.CallbackPolicy.objects.order_by("id"), s.CallbackPolicySerializer,
                                       "tilbakeringing")
QueueRoutingViewSet = config_viewset(cc.QueueRouting.objects.order_by("id"), s.QueueRoutingSerializer, "ruting")
PriorityCallerViewSet = config_viewset(cc.PriorityCaller.objects.order_by("id"), s.PriorityCallerSerializer, "ruting")
LegalBasisViewSet = config_viewset(cc.LegalBasis.objects.order_by("id"), s.LegalBasisSerializer, "opptak")
RecordingPolicyViewSet = config_viewset(cc.RecordingPolicy.objects.order_by("id"), s.RecordingPolicySerializer, "opptak")
AttendantViewSet = config_viewset(sb.AttendantSettings.objects.order_by("id"), s.AttendantSettingsSerializer,
                                  "sentralbord")
OperatorViewSet = config_viewset(sb.Operator.objects.order_by("id"), s.OperatorSerializer, "sentralbord")


@extend_schema(tags=["telefoner"])
class PhoneViewSet(ConfigViewSet):
    """Telefoner. SIP-passordet vises aldri i lister; lag et nytt med ``reset-password`` (vises én gang)."""

    queryset = sb.Phone.objects.order_by("id")
    serializer_class = s.PhoneSerializer

    @extend_schema(request=None, responses={200: s.PhonePasswordSerializer})
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):  # type: ignore[no-untyped-def]
        phone = sb_services.phone_reset_password(phone=self.get_object())
        return Response({"sip_username": s.PhoneSerializer().get_sip_username(phone), "sip_password": phone.sip_password})


_live_ok = inline_serializer("LiveResult", {"ok": serializers.BooleanField()})


class PauseRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=32, help_text="Pauseårsakens kode.")


class LoginRequest(serializers.Serializer):
    queues = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False,
                                   allow_null=True, help_text="Bare disse køene (ellers alle agenten betjener).")


_pause_in, _login_in = PauseRequest, LoginRequest


@extend_schema(tags=["agenter"])
class AgentViewSet(ConfigViewSet):
    """Agenter, og sanntidshandlinger for dem (nøkkelen må ha tilgangen «live»)."""

    queryset = cc_selectors.agent_list()
    serializer_class = s.AgentSerializer

    def get_required_scope(self) -> str | None:
        return "live" if self.action in {"login", "logout", "pause", "unpause"} else None

    @property
    def required_scope(self) -> str | None:  # read by api.permissions.HasScope
        return self.get_required_scope()

    def _live(self, fn, **kwargs) -> Response:  # type: ignore[no-untyped-def]
        agent = self.get_object()
        fn(agency=connection.schema_name, agent_id=agent.pk, **kwargs)
        return Response({"ok": True})

    @extend_schema(request=_login_in, responses={200: _live_ok})
    @action(detail=True, methods=["post"])
    def login(self, request, pk=None):  # type: ignore[no-untyped-def]
        body = _login_in(data=request.data)
        body.is_valid(raise_exception=True)
        return self._live(live_services.agent_login, queue_ids=body.validated_data.get("queues"))

    @extend_schema(request=None, responses={200: _live_ok})
    @action(detail=True, methods=["post"])
    def logout(self, request, pk=None):  # type: ignore[no-untyped-def]
        return self._live(live_services.agent_logout)

    @extend_schema(request=_pause_in, responses={200: _live_ok})
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):  # type: ignore[no-untyped-def]
        body = _pause_in(data=request.data)
        body.is_valid(raise_exception=True)
        return self._live(live_services.agent_pause, reason_code=body.validated_data["reason"])

    @extend_schema(request=None, responses={200: _live_ok})
    @action(detail=True, methods=["post"])
    def unpause(self, request, pk=None):  # type: ignore[no-untyped-def]
        return self._live(live_services.agent_unpause)


class HistoryViewSet(AgencyApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read only, newest first, filtered by period (``from``/``to``) on ``period_field``."""

    period_field = ""


def history_viewset(queryset, serializer, field: str, name: str, doc: str):  # type: ignore[no-untyped-def]
    return extend_schema(tags=[name])(type(f"{serializer.__name__[:-10]}ViewSet", (HistoryViewSet,), {
        "queryset": queryset, "serializer_class": serializer, "period_field": field, "__doc__": doc}))


CallViewSet = history_viewset(cc_selectors.call_list(), s.CallSerializer, "started_at", "samtaler",
                              "Samtaler (historikk), nyeste først; periode på starttid.")
QueueVisitViewSet = history_viewset(cc_selectors.queue_visit_list(), s.QueueVisitSerializer, "entered_at", "købesøk",
                                    "Købesøk, nyeste først; periode på tid inn i kø.")
InquiryViewSet = history_viewset(cc_selectors.inquiry_list(), s.InquirySerializer, "created_at", "henvendelser",
                                 "Registrerte henvendelser, nyeste først; periode på registreringstid.")
CallbackViewSet = history_viewset(cc_selectors.callback_list(), s.CallbackSerializer, "joined_at", "tilbakeringing",
                                  "Tilbakeringinger (alle tilstander), nyeste plass først; periode på tid inn i kø.")
SmsMessageViewSet = history_viewset(sms_message_list(), s.SmsMessageSerializer, "send__created_at", "sms",
                                    "SMS-loggen (én rad per mottaker), nyeste først; periode på når utsendelsen ble laget.")
HistoryGapViewSet = history_viewset(cc_selectors.history_gap_list(), s.HistoryGapSerializer, "started_at",
                                    "historikkhull", "Perioder uten kontakt med Asterisk.")
AgentSessionViewSet = history_viewset(cc_selectors.agent_session_list(), s.AgentSessionSerializer, "started_at",
                                      "agentaktivitet", "Agenters innlogginger i køer, nyeste først; periode på innlogging.")
AgentPauseViewSet = history_viewset(cc_selectors.agent_pause_list(), s.AgentPauseSerializer, "started_at",
                                    "agentaktivitet", "Agenters pauser med årsak, nyeste først; periode på pausens start.")
CampaignViewSet = history_viewset(campaign_api_list(), s.CampaignSerializer, "created_at", "kampanjer",
                                  "Ringekampanjer med fremdrift (antall numre per tilstand); periode på opprettet.")


@extend_schema(tags=["kampanjer"], parameters=[OpenApiParameter("campaign", int, description="Bare denne kampanjen.")])
class CallAttemptViewSet(HistoryViewSet):
    """Ringeforsøk i kampanjene, nyeste først; periode på når nummeret ble reservert; «campaign» velger kampanje."""

    queryset = call_attempt_list()
    serializer_class = s.CallAttemptSerializer
    period_field = "claimed_at"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        rows = super().get_queryset()
        campaign = self.request.query_params.get("campaign")
        if campaign is None:
            return rows
        if not _ID.fullmatch(campaign):
            raise exceptions.ValidationError({"campaign": _("Kampanjen må være en ID (et heltall).")})
        return rows.filter(campaign_id=int(campaign))


@extend_schema(tags=["opptak"])
class RecordingViewSet(HistoryViewSet):
    """Opptak: metadata, og selve lydfilen med ``download`` (bare fra etatens egen opptaksmappe)."""

    queryset = cc_selectors.recording_list()
    serializer_class = s.RecordingSerializer
    period_field = "started_at"

    @extend_schema(responses={(200, "audio/wav"): OpenApiResponse(description="Lydfilen (WAV).")})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):  # type: ignore[no-untyped-def]
        recording = self.get_object()
        path = cc_selectors.recording_file(recording=recording)
        if path is None:
            raise exceptions.NotFound(_("Lydfilen finnes ikke (lenger) i etatens opptaksmappe."))
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type="audio/wav")


@extend_schema(tags=["sanntid"])
class LiveView(AgencyApiMixin, APIView):
    """Etatens samtaler, køer og agenter akkurat nå, fra motoren (tilgangen «live»)."""

    required_scope = "live"

    @extend_schema(responses={200: OpenApiResponse(description="Øyeblikksbilde: samtaler, køer, agenter, status.")})
    def get(self, request):  # type: ignore[no-untyped-def]
        return Response(live_services.live_snapshot(agency=connection.schema_name))


@extend_schema(exclude=True)
class UnknownPathView(AgencyApiMixin, APIView):
    """Anything else under /api/v1/: a problem (404), not Django's HTML page."""

    authentication_classes: list = []
    permission_classes: list = []

    def _missing(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise exceptions.NotFound(_("Ukjent adresse i API-et. Se /api/docs/."))

    get = post = put = patch = delete = _missing
