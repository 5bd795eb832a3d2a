"""URLs at an agency's domain: the agency's admin, the operator console and the wallboard."""

from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from access import views as access_views
from contactcenter import views as cc_views
from contactcenter import views_recordings as cc_recordings
from contactcenter import views_reports as cc_reports
from controlplane.admin_sites import agency_admin_site
from controlplane.views import health, health_live, health_ready
from outbound import views as sms_views
from switchboard import views as sb_views

urlpatterns = [
    path("", RedirectView.as_view(url="/console/", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["contactcenter", "switchboard"]), name="jsi18n"),
    path("health", health, name="health"),
    path("login/", access_views.LoginPage.as_view(), name="login"),
    # Ends the local session, and the provider's too for a single sign-on session (access.views.oidc_logout).
    path("logout/", access_views.oidc_logout, name="logout"),
    path("console/", cc_views.console, name="console"),
    path("wallboard/", cc_views.wallboard, name="wallboard"),
    path("wallboard/data", cc_views.wallboard_data, name="wallboard-data"),
    path("admin/etatens-data/", include("agencydata.urls")),
    path("sentralbord/", sb_views.attendant, name="attendant"),
    path("admin/", agency_admin_site.urls),
    path("opptak/", cc_recordings.recordings_page, name="recordings"),
    path("opptak/<int:pk>/tilgang/", cc_recordings.recording_access, name="recording-access"),
    path("opptak/lyd/<int:access_id>/", cc_recordings.recording_stream, name="recording-stream"),
    path("henvendelser/", cc_reports.inquiry_reports, name="inquiry-reports"),
    path("henvendelser/agenter/", cc_reports.agent_reports, name="agent-reports"),
    path("vendor/login/", access_views.vendor_login, name="vendor-login"),
    path("login/oidc/", access_views.oidc_login, name="oidc-login"),
    path("login/oidc/callback/", access_views.oidc_callback, name="oidc-callback"),
    path("sms/", sms_views.send_page, name="sms-send"),
    path("sms/preview", sms_views.preview, name="sms-preview"),
    path("sms/send", sms_views.send, name="sms-send-create"),
    path("sms/progress/<int:send_id>", sms_views.progress, name="sms-progress"),
    path("sms/log/", sms_views.log, name="sms-log"),
    path("kampanjer/", sms_views.campaigns, name="campaigns"),
    path("kampanjer/<int:campaign_id>/", sms_views.campaign_page, name="campaign"),
    path("kampanjer/<int:campaign_id>/live", sms_views.campaign_live, name="campaign-live"),
    path("kampanjer/<int:campaign_id>/import", sms_views.campaign_import, name="campaign-import"),
    path("kampanjer/<int:campaign_id>/action", sms_views.campaign_action, name="campaign-action"),
    path("console/inquiry/<int:inquiry_id>/picture", cc_views.inquiry_picture_view, name="inquiry-picture"),
    path("api/", include("api.urls")),
    path("health/live", health_live, name="health-live"),
    path("health/ready", health_ready, name="health-ready"),
    re_path(r"^prov/(?P<secret>[A-Za-z0-9_-]{24,64})/(?P<mac>[0-9A-Fa-f]{12})\.(?P<suffix>cfg|xml)$",
            sb_views.provisioning_file, name="provisioning-file"),
    re_path(r"^prov/(?P<mac>[0-9A-Fa-f]{12})\.(?P<suffix>cfg|xml)$", sb_views.provisioning_file,
            name="provisioning-file-bare"),
    path("voicemail/", sb_views.my_voicemail, name="my-voicemail"),
    path("voicemail/<str:folder>/<int:index>.wav", sb_views.my_voicemail_audio, name="my-voicemail-audio"),
    path("softphone/", sb_views.my_softphone, name="my-softphone"),
]
