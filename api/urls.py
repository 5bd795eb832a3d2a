"""``/api/v1/...`` at an agency's domain, the OpenAPI schema at ``/api/schema/`` and docs at ``/api/docs/``.

Adding endpoints (e.g. callbacks): write a viewset in your app or in ``api/views.py`` and register it in
``register_routes`` below (one line); the schema, the docs test (tests/controlplane/test_docs_coverage.py)
and the schemathesis test pick it up by themselves. Document the path in docs/api.md."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import views


def register_routes(router: DefaultRouter) -> None:
    for prefix, viewset in [
        ("people", views.PersonViewSet), ("extensions", views.ExtensionViewSet), ("phones", views.PhoneViewSet),
        ("voicemails", views.VoicemailViewSet), ("schedules", views.ScheduleViewSet),
        ("schedule-rules", views.ScheduleRuleViewSet), ("closed-days", views.ClosedDayViewSet),
        ("ivr-menus", views.IvrMenuViewSet), ("ivr-options", views.IvrOptionViewSet), ("dids", views.DidViewSet),
        ("music-on-hold", views.MusicOnHoldViewSet), ("queues", views.QueueViewSet),
        ("queue-skills", views.QueueSkillViewSet), ("skills", views.SkillViewSet), ("agents", views.AgentViewSet),
        ("agent-skills", views.AgentSkillViewSet), ("inquiry-categories", views.InquiryCategoryViewSet),
        ("pause-reasons", views.PauseReasonViewSet),
        ("callback-policies", views.CallbackPolicyViewSet), ("queue-routing", views.QueueRoutingViewSet),
        ("priority-callers", views.PriorityCallerViewSet), ("legal-bases", views.LegalBasisViewSet),
        ("recording-policies", views.RecordingPolicyViewSet), ("switchboards", views.AttendantViewSet),
        ("operators", views.OperatorViewSet),
        ("calls", views.CallViewSet), ("queue-visits", views.QueueVisitViewSet), ("inquiries", views.InquiryViewSet),
        ("recordings", views.RecordingViewSet), ("history-gaps", views.HistoryGapViewSet),
        ("callbacks", views.CallbackViewSet), ("sms-messages", views.SmsMessageViewSet),
        ("campaigns", views.CampaignViewSet), ("call-attempts", views.CallAttemptViewSet),
        ("agent-sessions", views.AgentSessionViewSet), ("agent-pauses", views.AgentPauseViewSet),
        # <- extension point: nye endepunkter registreres her
    ]:
        router.register(prefix, viewset, basename=prefix)


router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
register_routes(router)

urlpatterns = [
    path("v1/live/", views.LiveView.as_view(), name="api-live"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    re_path(r"^v1/", views.UnknownPathView.as_view()),
]
