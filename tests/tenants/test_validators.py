import pytest
from django.core.exceptions import ValidationError

from tenants.validators import (
    normalize_e164,
    unsafe_reason,
    validate_extension,
    validate_org_number,
    validate_safe_text,
    validate_slug,
)


@pytest.fixture(autouse=True)
def norwegian():  # type: ignore[no-untyped-def]
    """Messages are asserted in Norwegian, whatever language an earlier test (test_i18n) left active."""
    from django.utils import translation

    with translation.override("nb"):
        yield


BAD_TEXT = ["Per\nHansen", "Per\rHansen", "a;b", "Hansen, Per", "a|b", "a&b", "${SHELL}", "#exec /bin/sh",
            "#include /etc/passwd", "tab\there", 'quote"d', "back\\slash", "$[1+1]"]


@pytest.mark.parametrize("value", BAD_TEXT)
def test_unsafe_text_is_refused_with_a_clear_message(value):
    with pytest.raises(ValidationError) as exc:
        validate_safe_text(value)
    assert "kan ikke inneholde" in str(exc.value)


@pytest.mark.parametrize("value", ["Per Hansen", "Ærlige Øyvind Åsen", "Kari-Anne O'Neil", "Seksjon for smittevern (SMI)"])
def test_ordinary_names_pass(value):
    validate_safe_text(value)
    assert unsafe_reason(value) is None


@pytest.mark.parametrize("value", ["983744516", "983544622", "921863160"])
def test_real_org_numbers_pass(value):
    validate_org_number(value)


@pytest.mark.parametrize("value", ["983744517", "12345678", "1234567890", "98374451x", "083744516"])
def test_bad_org_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        validate_org_number(value)


def test_numbers_are_normalised_to_e164():
    assert normalize_e164("21 07 70 00") == "+4721077000"
    assert normalize_e164("+47 55 54 98 00") == "+4755549800"


@pytest.mark.parametrize("value", ["+46812345678", "+4412345678", "0046812345678"])
def test_foreign_numbers_are_refused_for_norwegian_use(value):
    with pytest.raises(ValidationError) as exc:
        normalize_e164(value)
    assert "norsk" in str(exc.value) or "gyldig" in str(exc.value) or "telefonnummer" in str(exc.value)


@pytest.mark.parametrize("value", ["12", "abc", "2107700", "+47 2107 7000;1", "21077000\n", "${EXTEN}"])
def test_invalid_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        normalize_e164(value)


@pytest.mark.parametrize("value", ["public", "pg1", "A1", "fhi-test", "f", "fhi_x", "x" * 17, "1fhi"])
def test_bad_slugs_are_refused(value):
    with pytest.raises(ValidationError):
        validate_slug(value)


@pytest.mark.parametrize("value", ["0123", "1", "1234567", "12a"])
def test_bad_extensions_are_refused(value):
    with pytest.raises(ValidationError):
        validate_extension(value)


@pytest.mark.parametrize("value", ["Helsedirektoratet, avd. Trondheim", "O'Neil", 'Seksjon "SMI" (vikar)',
                                   "Forskning & utvikling / Analyse", "Ærlige Øyvind Åsen", "50 % | fast"])
def test_free_text_accepts_ordinary_norwegian(value):
    from tenants.validators import validate_plain_text

    validate_plain_text(value)


@pytest.mark.parametrize("value", ["Per\nHansen", "a\rb", "tab\there", "nul\x00", "a;b", "${X}", "$[1+1]",
                                   "#include /etc/passwd", "#EXEC ls"])
def test_free_text_refuses_line_breaks_and_code(value):
    from tenants.validators import validate_plain_text

    with pytest.raises(ValidationError):
        validate_plain_text(value)


@pytest.mark.parametrize("value", ["[evil-context]", "../..", "a..b", "-a.example", "FHI.example", "fhi.localhost:9999",
                                   "a b", "", "x" * 64 + ".no", "fhi/..", "fhi_x.no"])
def test_bad_domains_are_refused(value):
    from tenants.validators import validate_hostname

    with pytest.raises(ValidationError):
        validate_hostname(value)


@pytest.mark.parametrize("value", ["localhost", "127.0.0.1", "fhi.localhost", "fhi.telefoni.nhn.no", "x-1.example"])
def test_host_names_pass(value):
    from tenants.validators import validate_hostname

    validate_hostname(value)
