"""Scaffolding: render copier/cookiecutter templates into new repositories, atomically.

The names below are imported on first use: `platform template check` and the readiness `template` fact
import submodules (drift, releases) that must not pay for the rendering machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_cli.lazynames import lazy_names

if TYPE_CHECKING:
    from platform_cli.scaffold.catalog import TemplateInfo, list_templates, resolve_template
    from platform_cli.scaffold.render import ScaffoldResult, load_answers_file, new_feature, scaffold

_WHERE = {
    "ScaffoldResult": "render",
    "TemplateInfo": "catalog",
    "list_templates": "catalog",
    "load_answers_file": "render",
    "new_feature": "render",
    "resolve_template": "catalog",
    "scaffold": "render",
}

__all__ = [
    "ScaffoldResult",
    "TemplateInfo",
    "list_templates",
    "load_answers_file",
    "new_feature",
    "resolve_template",
    "scaffold",
]


__getattr__ = lazy_names(__name__, _WHERE, globals())
