"""URLs at the platform domain: platform staff's admin."""

from django.contrib import admin
from django.urls import include, path

from access.views import vendor_totp
from controlplane.views import engine_health, health, health_live, health_ready, metrics, platform_home
from outbound import gateway_views as sms_gateway

admin.site.site_header = "Telefoniplattform – Norsk helsenett"
admin.site.site_title = "Telefoniplattform"

urlpatterns = [
    path("", platform_home, name="platform-home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health", health, name="health"),
    path("health/engine", engine_health, name="engine-health"),
    path("admin/", admin.site.urls),
    path("vendor/totp/", vendor_totp, name="vendor-totp"),
    path("sms/report/", sms_gateway.sms_report, name="sms-report"),
    path("sms/inbound/kannel", sms_gateway.sms_inbound_kannel, name="sms-inbound-kannel"),
    path("sms/inbound/mms", sms_gateway.mms_inbound, name="mms-inbound"),
    path("health/live", health_live, name="health-live"),
    path("health/ready", health_ready, name="health-ready"),
    path("metrics", metrics, name="metrics"),
]
