"""Provider kinds and the model table: the one place that says which kinds exist, what they need, which
model ids each vendor serves, which are snapshots or aliases, and when they retire.

A low layer (it imports only errors, resources, config and the YAML/schema loaders): the manifest,
providers, runtime, scaffold and readiness all read it.
"""

from platform_cli.models.kinds import (
    KINDS,
    ProviderKind,
    add_kind,
    api_key_name,
    get_kind,
    is_offline,
    kind_names,
    needs_key,
    serves,
    vendor_of,
)
from platform_cli.models.pinning import ModelVerdict, judge, snapshot_date, suggest
from platform_cli.models.table import (
    ModelEntry,
    ModelTable,
    default_table_path,
    extra_table_paths,
    load_model_table,
)

__all__ = [
    "KINDS",
    "ModelEntry",
    "ModelTable",
    "ModelVerdict",
    "ProviderKind",
    "add_kind",
    "api_key_name",
    "default_table_path",
    "extra_table_paths",
    "get_kind",
    "is_offline",
    "judge",
    "kind_names",
    "load_model_table",
    "needs_key",
    "serves",
    "snapshot_date",
    "suggest",
    "vendor_of",
]
