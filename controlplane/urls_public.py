"""URLs at the platform domain: platform staff's admin."""

from django.contrib import admin
from django.urls import include, path

from access.views import vendor_totp
from controlplane.views import engine_health, health, platform_home

admin.site.site_header = "Telefoniplattform – Norsk helsenett"
admin.site.site_title = "Telefoniplattform"

urlpatterns = [
    path("", platform_home, name="platform-home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health", health, name="health"),
    path("health/engine", engine_health, name="engine-health"),
    path("admin/", admin.site.urls),
    path("vendor/totp/", vendor_totp, name="vendor-totp"),
]
