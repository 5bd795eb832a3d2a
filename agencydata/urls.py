"""URLs of the agency's data pages, under the agency admin (included from controlplane/urls_tenant.py)."""

from django.urls import path

from agencydata import views

urlpatterns = [
    path("eksport/", views.export_download_view, name="agencydata-export"),
]
