"""URLs at an agency's domain: the agency's admin, the operator console and the wallboard."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from contactcenter import views as cc_views
from controlplane.admin_sites import agency_admin_site
from controlplane.views import health
from switchboard import views as sb_views

urlpatterns = [
    path("", RedirectView.as_view(url="/console/", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["contactcenter"]), name="jsi18n"),
    path("health", health, name="health"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("console/", cc_views.console, name="console"),
    path("wallboard/", cc_views.wallboard, name="wallboard"),
    path("wallboard/data", cc_views.wallboard_data, name="wallboard-data"),
    path("admin/", agency_admin_site.urls),
    re_path(r"^prov/(?P<secret>[A-Za-z0-9_-]{24,64})/(?P<mac>[0-9A-Fa-f]{12})\.(?P<suffix>cfg|xml)$",
            sb_views.provisioning_file, name="provisioning-file"),
    re_path(r"^prov/(?P<mac>[0-9A-Fa-f]{12})\.(?P<suffix>cfg|xml)$", sb_views.provisioning_file,
            name="provisioning-file-bare"),
    path("voicemail/", sb_views.my_voicemail, name="my-voicemail"),
    path("voicemail/<str:folder>/<int:index>.wav", sb_views.my_voicemail_audio, name="my-voicemail-audio"),
    path("softphone/", sb_views.my_softphone, name="my-softphone"),
]
