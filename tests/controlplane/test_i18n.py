"""Norwegian by default, English when the user chooses it (not from the browser's Accept-Language)."""

import pytest

pytestmark = pytest.mark.django_db


def test_norwegian_by_default_even_for_an_english_browser(client):
    page = client.get("/login/", HTTP_HOST="fhi.localhost", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Logg inn" in page and 'lang="nb"' in page


def test_english_when_chosen(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, HTTP_HOST="fhi.localhost")
    assert response.status_code == 302
    page = client.get("/login/", HTTP_HOST="fhi.localhost").content.decode()
    assert "Log in" in page and "Logg inn" not in page and 'lang="en"' in page
    catalog = client.get("/jsi18n/", HTTP_HOST="fhi.localhost").content.decode()
    assert '"Ledig": "Available"' in catalog or '"Ledig": "Idle"' in catalog


def test_validation_messages_are_translated(client):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from tenants.validators import validate_safe_text

    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            validate_safe_text("a;b")
        message = str(exc.value).lower()  # lazy text: read it while English is active
    assert "cannot contain" in message or "must not contain" in message
