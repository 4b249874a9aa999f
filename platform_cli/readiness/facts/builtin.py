"""The fact collectors shipped with platform-cli (plugins add more via the `platform_cli.fact_collectors` group)."""

from __future__ import annotations

from platform_cli.readiness.facts.base import FactCollector
from platform_cli.readiness.facts.manifest import ManifestCollector

BUILTIN: list[FactCollector] = [
    ManifestCollector(),
]
