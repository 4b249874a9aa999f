"""Scorers: one `Protocol` (scorers/base.py), the built-ins registered by name, company scorers from the
`platform_cli.eval_scorers` entry-point group (scorers/registry.py)."""

from __future__ import annotations

from platform_cli.evals.scorers.base import (
    Configured,
    JudgeCall,
    Raw,
    Scorer,
    ScorerConfig,
    ScorerConfigError,
    ScorerContext,
)
from platform_cli.evals.scorers.registry import ENTRY_POINT_GROUP, installed_scorers, lookup

__all__ = [
    "ENTRY_POINT_GROUP",
    "Configured",
    "JudgeCall",
    "Raw",
    "Scorer",
    "ScorerConfig",
    "ScorerConfigError",
    "ScorerContext",
    "installed_scorers",
    "lookup",
]
