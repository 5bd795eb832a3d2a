"""Which Asterisk nodes the engine drives: the ones registered in the platform admin, or, when there
are none and an Asterisk binary is found, one managed local Asterisk on 127.0.0.1 (the default for
the demo and the tests, the way the embedded PostgreSQL is the default database)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings

from asterisk_conf.runtime import RuntimeProfile, find_asterisk, guess_dirs
from engine.core import NodeConfig


def configured_nodes() -> list[NodeConfig]:
    from tenants.selectors import node_list, node_secret

    out = []
    for node in node_list():
        secret = node_secret(node=node)
        out.append(NodeConfig(name=node.name, host=node.host, ami_port=node.ami_port, ari_port=node.ari_port,
                              ami_username=node.ami_username, ami_secret=secret, ari_username=node.ari_username,
                              ari_secret=secret, recordings_dir=Path(settings.ASTERISK_SPOOL_DIR)))
    return out


def _managed_secret(base: Path) -> str:
    path = base / "controlplane.secret"
    if not path.exists():
        base.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def managed_profile() -> RuntimeProfile | None:
    binary = find_asterisk()
    if binary is None:
        return None
    base = Path(settings.PLATFORM_DATA_DIR) / "asterisk"
    secret = _managed_secret(base)
    moddir, datadir = guess_dirs(binary)
    return RuntimeProfile(
        base_dir=base, sip_port=int(os.environ.get("ASTERISK_SIP_PORT", "5060")),
        ami_port=int(os.environ.get("ASTERISK_AMI_PORT", "5038")),
        http_port=int(os.environ.get("ASTERISK_HTTP_PORT", "8088")),
        ami_secret=secret, ari_secret=secret, moddir=moddir, datadir=datadir)


def node_from_profile(profile: RuntimeProfile, recordings_dir: Path) -> NodeConfig:
    return NodeConfig(name="lokal", host=profile.bind_address, ami_port=profile.ami_port, ari_port=profile.http_port,
                      ami_username=profile.ami_username, ami_secret=profile.ami_secret,
                      ari_username=profile.ari_username, ari_secret=profile.ari_secret, recordings_dir=recordings_dir,
                      queue_log=profile.queue_log, cdr_path=profile.log_dir / "cdr-csv" / "Master.csv")
