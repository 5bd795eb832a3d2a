"""URLs at an agency's domain: the agency's admin (and later the operator console)."""

from django.urls import include, path

from controlplane.admin_sites import agency_admin_site
from controlplane.views import health

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("health", health, name="health"),
    path("admin/", agency_admin_site.urls),
]
