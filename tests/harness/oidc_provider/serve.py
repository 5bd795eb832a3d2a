"""Start one test OIDC provider: ``python -m tests.harness.oidc_provider.serve PORT DBFILE SEEDFILE``.
Generates its RS256 key, migrates its own SQLite database, creates the users, groups and clients in the
seed (JSON) and serves on 127.0.0.1:PORT until killed."""

from __future__ import annotations

import json
import os
import sys


def _key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _seed(seed: dict) -> None:
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import Application

    for spec in seed.get("users", []):
        user = User.objects.create_user(spec["username"], email=spec.get("email", ""), password=spec["password"])
        for name in spec.get("groups", []):
            user.groups.add(Group.objects.get_or_create(name=name)[0])
    for spec in seed.get("clients", []):
        Application.objects.create(
            name=spec["client_id"], client_id=spec["client_id"], client_secret=spec["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL, authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(spec["redirect_uris"]), post_logout_redirect_uris=" ".join(spec.get("logout_uris", [])),
            algorithm=Application.RS256_ALGORITHM, skip_authorization=True)


def main() -> None:
    port, db, seed_file = sys.argv[1], sys.argv[2], sys.argv[3]
    os.environ.update({"OIDC_PROVIDER_PORT": port, "OIDC_PROVIDER_DB": db, "OIDC_RSA_PRIVATE_KEY": _key(),
                       "DJANGO_SETTINGS_MODULE": "tests.harness.oidc_provider.settings"})
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    with open(seed_file, encoding="utf-8") as fh:
        _seed(json.load(fh))
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True, skip_checks=True)


if __name__ == "__main__":
    main()
