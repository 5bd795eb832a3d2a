"""URLs of the agency's data pages, under the agency admin (included from controlplane/urls_tenant.py)."""

from django.urls import path

from agencydata import views

urlpatterns = [
    path("eksport/", views.export_download_view, name="agencydata-export"),
    path("innlesing/", views.onboarding_page_view, name="agencydata-onboarding"),
    path("innlesing/<int:pk>/", views.onboarding_detail_view, name="agencydata-onboarding-detail"),
    path("innlesing/<int:pk>/status", views.onboarding_status_view, name="agencydata-onboarding-status"),
    path("personvern/", views.privacy_page_view, name="agencydata-privacy"),
]
