"""Prometheus metrics for ``/metrics`` (prometheus-client): the engine's figures come from the engine itself
over ``engine.client`` (its ``health`` answer and each agency's ``snapshot``), the job backlog from
procrastinate's table. Collected on each scrape; nothing is kept between scrapes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from engine.client import EngineRefused, EngineUnavailable, engine_call_sync

PREFIX = "telefoni"


@dataclass
class Figures:
    engine_up: bool = False
    health: dict = field(default_factory=dict)
    snapshots: dict[str, dict] = field(default_factory=dict)
    jobs: list[tuple[str, str, int]] = field(default_factory=list)
    now: float = field(default_factory=time.time)


def job_backlog() -> list[tuple[str, str, int]]:
    """(queue, status, count) of procrastinate's jobs that are not finished (todo, doing, failed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT queue_name, status::text, count(*) FROM public.procrastinate_jobs "
                       "WHERE status IN ('todo', 'doing', 'failed') GROUP BY 1, 2 ORDER BY 1, 2")
        return [(str(q), str(s), int(n)) for q, s, n in cursor.fetchall()]


def gather(slugs: list[str], *, timeout: float = 3) -> Figures:
    figures = Figures(jobs=job_backlog())
    try:
        figures.health = engine_call_sync("health", "platform", timeout=timeout)  # type: ignore[assignment]
        figures.engine_up = True
        for slug in slugs:
            figures.snapshots[slug] = engine_call_sync("snapshot", slug, timeout=timeout)  # type: ignore[assignment]
    except (EngineUnavailable, EngineRefused):
        figures.engine_up = bool(figures.health)
    return figures


def _gauge(name: str, doc: str, labels: list[str], rows: list[tuple[list[str], float]]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=labels)
    for values, value in rows:
        family.add_metric(values, value)
    return family


def _node_metrics(figures: Figures) -> Iterator[Metric]:
    nodes = figures.health.get("nodes", {})
    ami = {name: n.get("ami") or {} for name, n in nodes.items()}
    yield _gauge("ami_connected", "1 når motoren har AMI-forbindelse til noden.", ["node"],
                 [([name], float(bool(a.get("connected")))) for name, a in ami.items()])
    reconnects = CounterMetricFamily(f"{PREFIX}_ami_reconnects", "Nye AMI-forbindelser etter den første, per node.",
                                     labels=["node"])
    for name, a in ami.items():
        reconnects.add_metric([name], max(0, int(a.get("connects", 0)) - 1))
    yield reconnects
    yield _gauge("engine_lag_seconds", "Sekunder siden motoren sist fikk en AMI-hendelse fra noden.", ["node"],
                 [([name], max(0.0, figures.now - float(a["last_event_at"]))) for name, a in ami.items()
                  if a.get("last_event_at")])
    config = figures.health.get("config") or {}
    failed = config.get("failed_agencies") or {}
    yield _gauge("render_failed", "1 når etatens siste konfigurasjonsgenerering feilet.", ["agency"],
                 [([slug], 1.0 if slug in failed else 0.0) for slug in sorted(set(figures.snapshots) | set(failed))])
    yield _gauge("config_missing_files", "Lydfiler og ventemusikk konfigurasjonen trenger, men som mangler.", [],
                 [([], float(len(config.get("missing_prompts") or []) + len(config.get("missing_moh") or [])))])


def _agency_metrics(figures: Figures) -> Iterator[Metric]:
    calls, channels, waiting, agents = [], [], [], []
    for slug, snap in sorted(figures.snapshots.items()):
        chans = (snap.get("calls") or {}).values()
        channels.append(([slug], float(len(chans))))
        calls.append(([slug], float(len({c.get("linkedid") or c.get("uniqueid") for c in chans}))))
        for name, queue in sorted((snap.get("queues") or {}).items()):
            waiting.append(([slug, str(queue.get("queue_id") or name)], float(len(queue.get("callers") or []))))
        agents.append(([slug], float(len(snap.get("agents") or {}))))
    yield _gauge("calls_in_progress", "Samtaler i gang nå, per etat.", ["agency"], calls)
    yield _gauge("channels", "Kanaler (samtalebein) nå, per etat.", ["agency"], channels)
    yield _gauge("queue_waiting", "Innringere som venter i køen nå.", ["agency", "queue"], waiting)
    yield _gauge("agents_known", "Agenter motoren kjenner status for nå, per etat.", ["agency"], agents)


class PlatformCollector(Collector):
    def __init__(self, figures: Figures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        f = self.figures
        yield _gauge("engine_up", "1 når motoren svarer over kanal-laget.", [], [([], float(f.engine_up))])
        yield _gauge("jobs", "Jobber i jobbsystemet som ikke er ferdige, per kø og status.", ["queue", "status"],
                     [([q, s], float(n)) for q, s, n in f.jobs])
        if f.engine_up:
            yield from _node_metrics(f)
            yield from _agency_metrics(f)
            yield _gauge("events_published", "Meldinger motoren har sendt til konsollene siden start.", [],
                         [([], float(f.health.get("published") or 0))])
