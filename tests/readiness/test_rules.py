"""Rule files: located schema errors, conditions that must be JSON Schemas, templates, unique ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_cli.errors import InvalidFile, UserError
from platform_cli.readiness.rules import (
    find_rule,
    load_rule_file,
    load_rule_files,
    load_rules,
    rule_files,
    shipped_pack,
)


def rule(rule_id: str = "owner-set", **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": rule_id,
        "title": "Owner is set",
        "level": "bronze",
        "severity": "error",
        "fact": "ownership",
        "condition": {"type": "object", "required": ["owner"]},
        "pass": "owned by {{ fact.owner }}",
        "fail": "no owner: {{ error.message }}",
        "remediation": "Set metadata.owner.",
        "rationale": "Nobody is paged when it breaks.",
        "examples": {"pass": [{"owner": "team-a"}], "fail": [{}]},
    }
    base.update(changes)
    return base


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def problems_of(excinfo: pytest.ExceptionInfo[InvalidFile]) -> list[str]:
    return [p.render() for p in excinfo.value.problems]


def test_single_rule_file_loads_with_its_source_line(tmp_path: Path) -> None:
    path = tmp_path / "owner.yaml"
    path.write_text("# a comment\n" + yaml.safe_dump(rule(tags=["ownership"]), sort_keys=False))
    [loaded] = load_rule_file(path)
    assert loaded.id == "owner-set"
    assert loaded.fact == "ownership"
    assert loaded.pass_message == "owned by {{ fact.owner }}"
    assert loaded.examples_pass == ({"owner": "team-a"},)
    assert loaded.examples_fail == ({},)
    assert loaded.tags == ("ownership",)
    assert loaded.source is not None
    assert loaded.source.file.endswith("owner.yaml")
    assert loaded.source.line == 2


def test_rules_list_file_loads_every_rule_with_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path / "pack.yaml", {"rules": [rule("a-rule"), rule("b-rule", level="silver")]})
    rules = load_rule_file(path)
    assert [r.id for r in rules] == ["a-rule", "b-rule"]
    lines = [r.source.line for r in rules if r.source]
    assert lines[0] is not None and lines[1] is not None and lines[1] > lines[0]
    assert rules[1].level == "silver"


def test_schema_errors_are_located(tmp_path: Path) -> None:
    bad = rule(level="platinum")
    del bad["rationale"]
    path = write(tmp_path / "bad.yaml", bad)
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_file(path)
    text = "\n".join(problems_of(excinfo))
    level_line = path.read_text().splitlines().index("level: platinum") + 1
    assert f"bad.yaml:{level_line}:" in text
    assert "'platinum' is not an allowed value" in text
    assert "missing required key 'rationale'" in text
    assert excinfo.value.exit_code == 2


def test_unknown_key_in_rules_list_is_located(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump({"rules": [rule()]}, sort_keys=False).replace("  title:", "  titel:"))
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_file(path)
    [problem] = [p for p in excinfo.value.problems if "unknown key" in p.message]
    assert problem.path == "$.rules[0].titel"
    assert problem.line == 3
    assert "did you mean 'title'" in problem.hint


def test_condition_must_be_a_valid_json_schema(tmp_path: Path) -> None:
    path = write(tmp_path / "cond.yaml", rule(condition={"type": "object", "minItems": -1}))
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_file(path)
    [problem] = excinfo.value.problems
    assert problem.path == "$.condition.minItems"
    assert "condition is not a valid JSON Schema" in problem.message
    assert problem.line == path.read_text().splitlines().index("  minItems: -1") + 1


def test_condition_type_typo_is_caught(tmp_path: Path) -> None:
    path = write(tmp_path / "cond.yaml", rule(condition={"type": "strnig"}))
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_file(path)
    assert excinfo.value.problems[0].path == "$.condition.type"


def test_message_template_must_parse(tmp_path: Path) -> None:
    path = write(tmp_path / "tpl.yaml", rule(fail="broken {{ item.name "))
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_file(path)
    [problem] = excinfo.value.problems
    assert problem.path == "$.fail"
    assert "template syntax error" in problem.message
    lines = path.read_text().splitlines()
    assert problem.line == next(i for i, line in enumerate(lines, 1) if line.startswith("fail:"))


def test_message_template_unknown_variable_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "tpl.yaml", rule(**{"pass": "owned by {{ owner }}"}))
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_file(path)
    [problem] = excinfo.value.problems
    assert problem.path == "$.pass"
    assert "unknown variable owner" in problem.message


def test_variables_set_inside_branches_are_not_unknown(tmp_path: Path) -> None:
    text = (
        "{% if item %}{% set ns = namespace(p=[]) %}{% set ns.p = ns.p + ['x'] %}"
        "{{ ns.p | join(',') }}{% for p in fact.providers %}{{ p }}{% endfor %}{% endif %}"
    )
    path = write(tmp_path / "tpl.yaml", rule(fail=text))
    assert load_rule_file(path)[0].fail_message == text


def test_duplicate_ids_across_files_name_both_files(tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "one.yaml", rule("same-id"))
    second = write(tmp_path / "b" / "two.yaml", rule("same-id"))
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_files([first, second])
    [problem] = excinfo.value.problems
    assert problem.file.endswith("two.yaml")
    assert problem.line == 1
    assert "duplicate rule id 'same-id'" in problem.message
    assert "one.yaml:1" in problem.message


def test_duplicate_ids_in_one_file(tmp_path: Path) -> None:
    path = write(tmp_path / "pack.yaml", {"rules": [rule("x-rule"), rule("x-rule")]})
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_file(path)
    [problem] = excinfo.value.problems
    assert problem.path == "$.rules[1].id"
    assert "already defined on line 2" in problem.message


def test_problems_from_several_files_are_all_reported(tmp_path: Path) -> None:
    one = write(tmp_path / "one.yaml", rule("one-rule", level="nope"))
    two = write(tmp_path / "two.yaml", rule("two-rule", severity="fatal"))
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_files([one, two])
    files = {Path(p.file).name for p in excinfo.value.problems}
    assert files == {"one.yaml", "two.yaml"}


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    path = tmp_path / "syntax.yaml"
    path.write_text("id: x\ntitle: [unclosed\n")
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_file(path)
    assert excinfo.value.problems[0].line is not None


def test_edited_file_is_read_again(tmp_path: Path) -> None:
    path = write(tmp_path / "r.yaml", rule(title="First"))
    assert load_rule_files([path])[0].title == "First"
    write(path, rule(title="Second title"))
    assert load_rule_files([path])[0].title == "Second title"


def test_pack_directory_prefers_its_readiness_subdirectory(tmp_path: Path) -> None:
    write(tmp_path / "pack" / "readiness" / "r.yaml", rule("in-readiness"))
    write(tmp_path / "pack" / "readiness" / "nested" / "n.yml", rule("nested-rule"))
    write(tmp_path / "pack" / "other.yaml", {"not": "a rule"})
    names = [p.name for p in rule_files(tmp_path / "pack")]
    assert names == ["n.yml", "r.yaml"]


def test_missing_pack_directory_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such rule file or directory"):
        rule_files(tmp_path / "nope")


def test_extra_packs_from_argument_env_and_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "arg" / "r.yaml", rule("from-arg"))
    write(tmp_path / "env1" / "r.yaml", rule("from-env-one"))
    write(tmp_path / "env2" / "r.yaml", rule("from-env-two"))
    write(tmp_path / "cfg" / "r.yaml", rule("from-config"))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"policy_dirs": ["cfg"]}))  # relative to the config file
    monkeypatch.setenv("PLATFORM_CONFIG", str(config))
    monkeypatch.setenv("PLATFORM_POLICIES", f"{tmp_path / 'env1'}:{tmp_path / 'env2'}")
    ids = [r.id for r in load_rules([tmp_path / "arg"], shipped=False)]
    assert ids == ["from-env-one", "from-env-two", "from-config", "from-arg"]


def test_same_pack_named_twice_is_loaded_once(tmp_path: Path) -> None:
    write(tmp_path / "pack" / "r.yaml", rule("only-once"))
    ids = [r.id for r in load_rules([tmp_path / "pack", tmp_path / "pack"], shipped=False)]
    assert ids == ["only-once"]


def test_shipped_pack_loads_and_extra_pack_cannot_reuse_its_ids(tmp_path: Path) -> None:
    shipped = load_rules()
    assert shipped, f"no rules in {shipped_pack()}"
    taken = shipped[0].id
    write(tmp_path / "pack" / "r.yaml", rule(taken))
    with pytest.raises(InvalidFile, match=f"duplicate rule id '{taken}'"):
        load_rules([tmp_path / "pack"])


def test_find_rule_suggests_close_ids(tmp_path: Path) -> None:
    rules = load_rule_files([write(tmp_path / "r.yaml", rule("model-pinned"))])
    assert find_rule(rules, "model-pinned").id == "model-pinned"
    with pytest.raises(UserError, match="did you mean model-pinned"):
        find_rule(rules, "model-pined")


def test_validated_rule_text_is_remembered_and_an_edit_is_validated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from platform_cli.readiness import rule_cache
    from platform_cli.readiness import rules as rules_module

    source = next(iter(sorted((rules_module.shipped_pack()).glob("*.yaml"))))
    copy = tmp_path / source.name
    # not the shipped text (that one the shipped index vouches for): a pack of the company's own
    copy.write_text("# the company's copy\n" + source.read_text(encoding="utf-8"), encoding="utf-8")
    entry = Path(rule_cache._user_entry(copy.read_text(encoding="utf-8")))
    assert not entry.exists()
    first = rules_module.load_rule_file(copy)
    assert entry.is_file()  # the next run neither parses nor validates this exact text
    calls: list[Path] = []
    monkeypatch.setattr(rules_module, "_load_validated", lambda path, text: calls.append(path))
    again = rules_module.load_rule_file(copy)
    assert again == first and not calls  # same rules, same source lines, nothing loaded
    monkeypatch.undo()
    broken = copy.read_text(encoding="utf-8").replace("level: bronze", "level: platinum", 1)
    broken = broken.replace("level: silver", "level: platinum", 1)
    copy.write_text(broken, encoding="utf-8")
    with pytest.raises(InvalidFile, match="platinum"):
        rules_module.load_rule_file(copy)
    assert not Path(rule_cache._user_entry(broken)).exists()


def test_shipped_index_matches_the_shipped_pack() -> None:
    """The index vouches for the shipped pack on machines with no user cache: it must be made from exactly
    the shipped files, each validated now (`make rules-index` writes it after a shipped rule is edited)."""
    from platform_cli.readiness import rule_cache
    from platform_cli.readiness.rules import shipped_index_text
    from platform_cli.resources import policies_dir

    committed = (policies_dir() / rule_cache.INDEX_NAME).read_text(encoding="utf-8")
    assert committed == shipped_index_text(), "the shipped rule index is stale: run `make rules-index`"


def test_shipped_text_loads_from_the_index_anywhere_and_an_edit_is_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from platform_cli.readiness import rule_cache
    from platform_cli.readiness import rules as rules_module

    shipped = sorted(rules_module.shipped_pack().glob("*.yaml"))[0]
    expected = rules_module._load_validated(shipped, shipped.read_text(encoding="utf-8"))[0]
    copy = tmp_path / "pack" / shipped.name
    copy.parent.mkdir()
    copy.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    calls: list[Path] = []
    real = rules_module._load_validated
    monkeypatch.setattr(
        rules_module, "_load_validated", lambda path, text: calls.append(path) or real(path, text)
    )
    loaded = rules_module.load_rule_file(copy)
    assert not calls  # known by its text: neither parsed nor validated, no user cache needed
    assert [r.source.line if r.source else None for r in loaded] == [
        r.source.line if r.source else None for r in expected
    ]
    assert [rules_module.rule_to_dict(r) | {"source": None} for r in loaded] == [
        rules_module.rule_to_dict(r) | {"source": None} for r in expected
    ]
    assert all(r.source and r.source.file.endswith(str(Path("pack") / shipped.name)) for r in loaded)
    # one changed character and the index no longer vouches for it
    copy.write_text(copy.read_text(encoding="utf-8").replace("level: ", "level:  ", 1), encoding="utf-8")
    rules_module.load_rule_file(copy)
    assert calls == [copy]
    assert rule_cache.shipped_key(copy.read_text(encoding="utf-8")) not in rule_cache._shipped_index()


def test_a_malformed_remembered_entry_means_load_the_file(tmp_path: Path) -> None:
    from platform_cli.readiness import rule_cache

    path = write(tmp_path / "r.yaml", rule(level="platinum"))
    entry = Path(rule_cache._user_entry(path.read_text(encoding="utf-8")))
    entry.parent.mkdir(parents=True, exist_ok=True)
    for bad in ("not json", "[]", '[[1, {"id": "x"}]]', '[["one", {}]]', "{}"):
        entry.write_text(bad, encoding="utf-8")
        with pytest.raises(InvalidFile, match="platinum"):  # loaded and validated: the problem is reported
            load_rule_file(path)


def test_pack_directory_without_rule_files_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "pack" / "readiness").mkdir(parents=True)
    (tmp_path / "pack" / "readiness" / "notes.txt").write_text("no rules here\n")
    with pytest.raises(UserError, match="no rule files") as excinfo:
        rule_files(tmp_path / "pack")
    assert excinfo.value.exit_code == 2
    assert str(tmp_path / "pack" / "readiness") in str(excinfo.value)


def test_configured_pack_without_rule_files_is_a_user_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PLATFORM_POLICIES", str(tmp_path / "empty"))
    with pytest.raises(UserError, match="PLATFORM_POLICIES"):
        load_rules()


KNOWN_FACTS = {"ownership", "providers", "manifest"}


def test_unknown_fact_is_located_at_its_key_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "owner.yaml"
    path.write_text("# comment\n" + yaml.safe_dump(rule(fact="ownrship"), sort_keys=False))
    assert load_rule_files([path])[0].fact == "ownrship"  # without known facts: a check reports it
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_files([path], known_facts=KNOWN_FACTS)
    [problem] = excinfo.value.problems
    lines = path.read_text().splitlines()
    assert problem.line == lines.index("fact: ownrship") + 1
    assert problem.column == 1
    assert problem.path == "$.fact"
    assert "no installed fact collector provides 'ownrship'" in problem.message
    assert "did you mean 'ownership'?" in problem.message
    assert "platform_cli.fact_collectors" in problem.hint
    assert excinfo.value.exit_code == 2


def test_unknown_fact_in_a_rules_list_names_its_entry(tmp_path: Path) -> None:
    path = write(tmp_path / "pack.yaml", {"rules": [rule("a-rule"), rule("b-rule", fact="providrs")]})
    with pytest.raises(InvalidFile) as excinfo:
        load_rules([path], shipped=False, known_facts=KNOWN_FACTS)
    [problem] = excinfo.value.problems
    assert problem.path == "$.rules[1].fact"
    assert problem.line == path.read_text().splitlines().index("  fact: providrs") + 1
    assert "did you mean 'providers'?" in problem.message


def test_shipped_pack_reads_only_installed_facts() -> None:
    from platform_cli.readiness.rules import installed_fact_names

    assert load_rules(known_facts=installed_fact_names())


def test_bad_regex_in_a_condition_pattern_is_located(tmp_path: Path) -> None:
    condition = {
        "type": "object",
        "properties": {
            "model": {"type": "string", "pattern": "(["},
            "pattern": {"type": "string"},  # a property named "pattern" is not a regex
        },
        "not": {"const": {"pattern": "(["}},  # data, not a schema
    }
    path = write(tmp_path / "regex.yaml", rule(condition=condition))
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_file(path)
    [problem] = excinfo.value.problems
    assert problem.path == "$.condition.properties.model.pattern"
    assert problem.line == path.read_text().splitlines().index("      pattern: ([") + 1
    assert "pattern '([' is not a valid regular expression" in problem.message
    assert excinfo.value.exit_code == 2


def test_bad_regex_as_a_pattern_properties_key_is_located(tmp_path: Path) -> None:
    condition = {
        "type": "object",
        "prefixItems": [{"patternProperties": {"^ok-[a-z]+$": {}, "bad(": {"type": "string"}}}],
    }
    path = write(tmp_path / "regex.yaml", rule(condition=condition))
    with pytest.raises(InvalidFile) as excinfo:
        load_rule_file(path)
    [problem] = excinfo.value.problems
    assert problem.path == "$.condition.prefixItems[0].patternProperties['bad(']"
    lines = path.read_text().splitlines()
    assert problem.line == next(i for i, line in enumerate(lines, 1) if "bad(" in line)
    assert "patternProperties key 'bad(' is not a valid regular expression" in problem.message


def test_bad_regex_is_reported_even_when_an_older_validation_remembered_the_text(tmp_path: Path) -> None:
    import hashlib
    import json

    from platform_cli import __version__
    from platform_cli.readiness import rule_cache

    path = write(tmp_path / "regex.yaml", rule(condition={"properties": {"a": {"pattern": "(["}}}))
    text = path.read_text()
    # What an earlier loader (without the regex check, an older revision) remembered for this exact text.
    old_key = f"{__version__}\0{rule_cache.REVISION - 1}\0{text}".encode()
    old_entry = Path(rule_cache._user_entry(text)).parent / (hashlib.sha256(old_key).hexdigest() + ".json")
    old_entry.parent.mkdir(parents=True, exist_ok=True)
    old_entry.write_text(json.dumps([[1, yaml.safe_load(text)]]), encoding="utf-8")
    with pytest.raises(InvalidFile, match="not a valid regular expression"):
        load_rule_file(path)
