"""The fact collectors shipped with platform-cli (plugins add more via `platform_cli.fact_collectors`)."""

from __future__ import annotations

from platform_cli.readiness.facts.base import FactCollector
from platform_cli.readiness.facts.budget_rollout import BudgetCollector, RolloutCollector
from platform_cli.readiness.facts.catalog import CatalogCollector
from platform_cli.readiness.facts.cost_observability import CostObservabilityCollector
from platform_cli.readiness.facts.evals import EvalRunsCollector, EvalSuitesCollector
from platform_cli.readiness.facts.files import FilesCollector
from platform_cli.readiness.facts.manifest import ManifestCollector
from platform_cli.readiness.facts.ownership import OncallCollector, OwnershipCollector
from platform_cli.readiness.facts.prompt_labels import PromptLabelsCollector
from platform_cli.readiness.facts.providers import ModelsCollector, ProvidersCollector
from platform_cli.readiness.facts.rollback import RollbackCollector
from platform_cli.readiness.facts.rollout_guards import RolloutGuardsCollector
from platform_cli.readiness.facts.scans import PromptsCollector, SecretScanCollector, SourceScanCollector
from platform_cli.readiness.facts.secrets import SecretRotationCollector, SecretsCollector
from platform_cli.readiness.facts.state import StateCollector
from platform_cli.readiness.facts.template import TemplateCollector

BUILTIN: list[FactCollector] = [
    ManifestCollector(),
    OwnershipCollector(),
    ProvidersCollector(),
    ModelsCollector(),
    OncallCollector(),
    BudgetCollector(),
    RolloutCollector(),
    CostObservabilityCollector(),
    RolloutGuardsCollector(),
    SecretsCollector(),
    SecretRotationCollector(),
    StateCollector(),
    SecretScanCollector(),
    SourceScanCollector(),
    PromptsCollector(),
    PromptLabelsCollector(),
    RollbackCollector(),
    FilesCollector(),
    TemplateCollector(),
    CatalogCollector(),
    EvalSuitesCollector(),
    EvalRunsCollector(),
]
