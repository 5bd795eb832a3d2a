"""GDPR: retention per kind of data, subject access and erasure. Kinds are a registry (``registry.py``) that
every app adds its personal data to."""
