"""The Backstage Software Template beside the golden-path template asks the copier questions, the same way.

Names, types, defaults (literal ones; derived ones are left to copier), choices, patterns and bounds from
answers.schema.json, and when each conditional question is asked. The skeleton's answers file, rendered
the way the scaffolder renders it, gives `platform scaffold` back the answers the form collected.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from platform_cli.resources import templates_dir

ROOT = templates_dir() / "ai-feature"
TYPES = {"str": "string", "float": "number", "int": "integer", "bool": "boolean"}
BOUNDS = ("pattern", "minLength", "maxLength", "minimum", "exclusiveMinimum")
EXTRA_PARAMETERS = {"repoUrl"}  # where to publish: Backstage's business, not a template answer


def _copier() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "copier.yml").read_text())
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _backstage() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "backstage-template.yaml").read_text())
    return data


def _answers_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((ROOT / "answers.schema.json").read_text())["properties"]
    return schema


def _templated(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _jinja() -> jinja2.Environment:
    """Rendered the way copier renders copier.yml: a loader rooted at the template (for facts.jinja)."""
    from jinja2_ansible_filters import AnsibleCoreFiltersExtension

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(ROOT)), extensions=[AnsibleCoreFiltersExtension]
    )


def _choices(question: dict[str, Any]) -> Any:
    """A question's choices: a list, or (copier renders it) a template that prints one."""
    choices = question.get("choices")
    if _templated(choices):
        return yaml.safe_load(_jinja().from_string(choices).render())
    return choices


def _validator_patterns(question: dict[str, Any]) -> set[str]:
    """The patterns a copier validator enforces: inline regex_search calls, or its entry in facts.jinja."""
    validator = question.get("validator", "")
    found = {p.replace("\\\\", "\\") for p in re.findall(r"regex_search\('(.*?)'\)", validator)}
    patterns = _jinja().get_template("facts.jinja").module.PATTERNS  # type: ignore[attr-defined]
    found |= {patterns[key][0] for key in re.findall(r"problem\('(\w+)'", validator)}
    return found


def _top_level() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for page in _backstage()["spec"]["parameters"]:
        for name, schema in page.get("properties", {}).items():
            assert name not in found, f"{name} is asked on two pages"
            found[name] = schema
    return found


def _branches() -> dict[str, dict[str, dict[str, Any]]]:
    """For each question with dependencies: the properties each of its values adds, by value."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for page in _backstage()["spec"]["parameters"]:
        for trigger, dependency in page.get("dependencies", {}).items():
            for branch in dependency["oneOf"]:
                props = dict(branch["properties"])
                value = props.pop(trigger)["const"]
                found.setdefault(trigger, {})[value] = props
    return found


def _when(question: dict[str, Any], answers: dict[str, Any]) -> bool:
    condition = question.get("when")
    if condition is None:
        return True
    return _jinja().from_string(condition).render(**answers).strip() == "True"


def _copier_default(question: dict[str, Any], answers: dict[str, Any]) -> Any:
    return _jinja().from_string(question["default"]).render(**answers).strip()


def test_the_template_is_a_v1beta3_template_of_this_golden_path() -> None:
    template = _backstage()
    assert template["apiVersion"] == "scaffolder.backstage.io/v1beta3" and template["kind"] == "Template"
    meta = yaml.safe_load((ROOT / "template.yaml").read_text())
    assert template["metadata"]["name"] == meta["name"]
    step = template["spec"]["steps"][0]
    assert step["action"] == "fetch:template" and (ROOT / step["input"]["url"]).is_dir()


def test_every_copier_question_is_a_parameter_and_nothing_else_is() -> None:
    asked = set(_top_level())
    for values in _branches().values():
        for props in values.values():
            asked |= set(props)
    assert asked - EXTRA_PARAMETERS == set(_copier())
    fields = set(_backstage()["spec"]["steps"][0]["input"]["values"])
    assert fields == set(_copier()), "fetch:template must pass every answer to the skeleton"


@pytest.mark.parametrize("name", sorted(_copier()))
def test_each_parameter_mirrors_its_question(name: str) -> None:
    question = _copier()[name]
    bounds = _answers_schema().get(name, {})
    top = _top_level()
    if name in top:
        schemas = [top[name]]
        assert "when" not in question, f"{name} is conditional in copier.yml but always asked in Backstage"
    else:
        schemas = [
            props[name] for values in _branches().values() for props in values.values() if name in props
        ]
        assert schemas, f"{name} is not asked in backstage-template.yaml"
    for schema in schemas:
        assert schema["type"] == TYPES[question["type"]], name
        assert schema.get("enum") == _choices(question), name
        for key in BOUNDS:
            if key != "pattern":
                assert schema.get(key) == bounds.get(key), f"{name}: {key}"
        # every pattern either side enforces: answers.schema.json's and the copier validator's
        wanted = {bounds["pattern"]} if "pattern" in bounds else set()
        wanted |= _validator_patterns(question)
        asked = {schema["pattern"]} if "pattern" in schema else set()
        asked |= {part["pattern"] for part in schema.get("allOf", [])}
        assert asked == wanted, name
        default = question.get("default")
        if default is not None and not _templated(default) and name in top:
            assert schema["default"] == default, name
        elif name in top:
            assert "default" not in schema, f"{name}: copier derives its default; leave it empty in Backstage"
    required = {n for page in _backstage()["spec"]["parameters"] for n in page.get("required", [])}
    if "default" not in question:
        assert name in required, f"{name} has no default in copier.yml: the form must require it"


@pytest.mark.parametrize("trigger", ["primary_provider", "fallback_provider"])
def test_conditional_questions_and_derived_model_defaults_follow_the_provider(trigger: str) -> None:
    copier = _copier()
    branches = _branches()[trigger]
    assert sorted(branches) == sorted(_choices(copier[trigger]))
    for value, props in branches.items():
        answers = {trigger: value}
        for name, question in copier.items():
            if name == trigger or "when" not in question or trigger not in question["when"]:
                continue
            assert (name in props) == _when(question, answers), (value, name)
            if name in props and _templated(question.get("default")):
                assert props[name]["default"] == _copier_default(question, answers), (value, name)
            elif name in props:
                assert props[name].get("default") == question.get("default"), (value, name)


def _render_skeleton(values: dict[str, Any]) -> str:
    """The skeleton's answers file as the scaffolder's nunjucks renders it (same syntax for what it uses)."""
    env = jinja2.Environment(variable_start_string="${{", variable_end_string="}}")
    env.filters["dump"] = json.dumps
    text = (ROOT / "backstage-skeleton" / ".platform-answers.yml").read_text()
    return env.from_string(text).render(values=values)


@pytest.mark.parametrize("sample", sorted((ROOT / "tests" / "answers").glob("*.yml")), ids=lambda p: p.stem)
def test_the_skeleton_hands_the_form_answers_to_platform_scaffold(sample: Path, tmp_path: Path) -> None:
    from platform_cli.scaffold import new_feature

    answers = yaml.safe_load(sample.read_text())
    rendered = yaml.safe_load(_render_skeleton(answers))
    assert rendered == answers
    # and platform scaffold renders the golden path from them
    dest = tmp_path / "from-backstage"
    new_feature(dest, rendered)
    assert (dest / "catalog-info.yaml").is_file() and (dest / "ai-feature.yaml").is_file()


def test_answers_left_empty_in_the_form_are_left_to_copier() -> None:
    values = {"name": "Billing Bot", "slug": "", "owner": "", "eval_owner": "@sam", "soak_days": 0}
    assert yaml.safe_load(_render_skeleton(values)) == {
        "name": "Billing Bot",
        "eval_owner": "@sam",
        "soak_days": 0,
    }
