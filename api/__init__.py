"""The agencies' REST API (Django REST Framework, OpenAPI 3 schema by drf-spectacular), served at each agency's
own domain: ``https://<kortnavn>.<domene>/api/v1/``. See docs/api.md."""
