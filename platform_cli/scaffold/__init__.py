"""Scaffolding: render copier/cookiecutter templates into new repositories, atomically."""

from platform_cli.scaffold.catalog import TemplateInfo, list_templates, resolve_template
from platform_cli.scaffold.render import ScaffoldResult, load_answers_file, new_feature, scaffold

__all__ = [
    "ScaffoldResult",
    "TemplateInfo",
    "list_templates",
    "load_answers_file",
    "new_feature",
    "resolve_template",
    "scaffold",
]
