"""drf-spectacular post-processing: every operation documents its refusals as problem details (RFC 9457)."""

from __future__ import annotations

PROBLEM = {
    "type": "object",
    "description": "Problembeskrivelse etter RFC 9457 (application/problem+json).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "detail": {"type": "string"}}, "required": ["field", "detail"]}},
    },
    "required": ["type", "title", "status", "detail"],
}
REFUSALS = {"400": "Ugyldig forespørsel", "401": "Ikke autentisert", "403": "Ingen tilgang (mangler tilgang)",
            "404": "Finnes ikke", "405": "Metoden er ikke tillatt", "406": "Kan ikke levere dette formatet",
            "409": "Konflikt", "415": "Formatet støttes ikke", "503": "Motoren er utilgjengelig"}


def add_problem_responses(result: dict, generator, request, public) -> dict:  # type: ignore[no-untyped-def]
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, text in REFUSALS.items():
                responses.setdefault(code, {"description": text, "content": {"application/problem+json": {"schema": ref}}})
    return result
