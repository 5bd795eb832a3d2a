from oauth2_provider.oauth2_validators import OAuth2Validator


class GroupsValidator(OAuth2Validator):
    """Entra ID-like claims: preferred_username, email, name and the user's groups."""

    oidc_claim_scope = None  # every claim, whatever the scope

    def get_additional_claims(self, request):  # type: ignore[no-untyped-def]
        user = request.user
        return {"preferred_username": user.username, "email": user.email, "name": user.get_full_name(),
                "groups": sorted(user.groups.values_list("name", flat=True))}
