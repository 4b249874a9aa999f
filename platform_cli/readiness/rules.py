"""Load readiness rule packs: every rule file validated with file:line problems, then turned into Rules."""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platform_cli.errors import InvalidFile, Problem, UserError
from platform_cli.readiness import rule_cache
from platform_cli.readiness.model import Location, Rule
from platform_cli.readiness.policy_dirs import POLICIES_ENV, configured_policy_dirs
from platform_cli.resources import policies_dir
from platform_cli.yamlfile import display_name, load_yaml

if TYPE_CHECKING:
    from platform_cli.yamlfile import LoadedYaml

WHAT = "readiness rules"

JsonPath = tuple[str | int, ...]


def shipped_pack() -> Path:
    """The rule pack shipped with this version of the package."""
    return policies_dir() / "readiness"


def rule_files(location: Path) -> list[Path]:
    """The rule files of a pack: a file itself, or every *.yaml/*.yml below `DIR/readiness/` (else `DIR/`).

    Raises UserError (exit 2) when `location` does not exist or holds no rule file.
    """
    if location.is_file():
        return [location]
    if not location.is_dir():
        raise UserError(f"{location}: no such rule file or directory (check --policies / ${POLICIES_ENV})")
    base = location / "readiness" if (location / "readiness").is_dir() else location
    found = [
        p
        for pattern in ("*.yaml", "*.yml")
        for p in base.rglob(pattern)
        if p.is_file() and p.name != "platform.yaml"  # a pack's platform settings, not a rule
    ]
    if not found:
        # A pack that contributes nothing is a mistake (wrong directory, typo), never "0 rules, all fine".
        raise UserError(
            f"{location}: no rule files (*.yaml, *.yml) in {base} (point --policies / ${POLICIES_ENV} "
            "at a rule pack directory or a rule file)"
        )
    return sorted(found)


def load_rules(
    extra: Sequence[Path] = (),
    *,
    shipped: bool = True,
    configured: bool = True,
    known_facts: Collection[str] | None = None,
) -> list[Rule]:
    """The shipped pack, configured packs and `extra` packs (files or directories), in that order.

    Raises InvalidFile (exit 2) listing every problem in every file: schema errors, conditions that are
    not valid JSON Schemas, templates that do not parse, rule ids defined twice, and (when `known_facts`
    is given) a `fact:` that no installed collector provides.
    """
    locations: list[Path] = []
    if shipped:
        locations.append(shipped_pack())
    if configured:
        locations.extend(configured_policy_dirs())
    locations.extend(extra)
    files: list[Path] = []
    seen: set[Path] = set()
    for location in locations:
        for path in rule_files(location):
            real = path.resolve()
            if real not in seen:
                seen.add(real)
                files.append(path)
    return load_rule_files(files, known_facts=known_facts)


def installed_fact_names() -> set[str]:
    """Every fact some installed collector provides: the built-ins and plugins (a broken plugin counts:
    its rules then fail at check time with the plugin's load error)."""
    from platform_cli.readiness.facts.registry import installed_collectors

    return set(installed_collectors())


def unknown_fact_reason(name: str, known: Collection[str]) -> str:
    """Why a rule's fact cannot be collected: no collector of that name; the closest names first."""
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    installed = ", ".join(sorted(known)) or "none"
    return f"no installed fact collector provides '{name}' ({hint}installed: {installed})"


def load_rule_files(files: Iterable[Path], *, known_facts: Collection[str] | None = None) -> list[Rule]:
    """Rules from exactly these files, checked as one set (ids must be unique across them).

    With `known_facts`, a rule whose `fact:` is not among them is a problem located at its `fact:` key
    (`policies list|test` pass the installed collectors; a check instead reports such a rule as unknown).
    """
    rules: list[Rule] = []
    problems: list[Problem] = []
    first_bad: str | None = None
    seen: dict[str, Rule] = {}
    for path in files:
        try:
            loaded_rules = _load_file_cached(str(path), *_stamp(path))
        except InvalidFile as error:
            problems.extend(error.problems)
            first_bad = first_bad or error.file
            continue
        for rule in loaded_rules:
            if known_facts is not None and rule.fact not in known_facts:
                problems.append(_unknown_fact(path, rule, known_facts))
                first_bad = first_bad or (rule.source.file if rule.source else str(path))
            if rule.id in seen:
                problems.append(_duplicate(rule, seen[rule.id]))
                first_bad = first_bad or (rule.source.file if rule.source else str(path))
                continue
            seen[rule.id] = rule
            rules.append(rule)
    if problems:
        raise InvalidFile(first_bad or "rules", problems, WHAT)
    return rules


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)  # load_yaml then reports the file as unreadable
    return (stat.st_mtime_ns, stat.st_size)


def _unknown_fact(path: Path, rule: Rule, known: Collection[str]) -> Problem:
    """The problem for a `fact:` no collector provides, at that key (the file is read again: errors only)."""
    loaded = load_yaml(path, what=WHAT)
    where: JsonPath = ()
    if isinstance(loaded.data, dict) and isinstance(loaded.data.get("rules"), list):
        ids = [r.get("id") if isinstance(r, dict) else None for r in loaded.data["rules"]]
        where = ("rules", ids.index(rule.id)) if rule.id in ids else ()
    from platform_cli.readiness.facts.registry import ENTRY_POINT_GROUP

    return loaded.problem(
        (*where, "fact"),
        f"rule '{rule.id}': {unknown_fact_reason(rule.fact, known)}",
        "name a fact an installed collector provides; a company's own facts come from a plugin package "
        f"registering a collector under the '{ENTRY_POINT_GROUP}' entry-point group",
        at_key=True,
    )


def _duplicate(rule: Rule, first: Rule) -> Problem:
    source = rule.source or Location("?")
    where = _where(first.source)
    return Problem(
        source.file,
        source.line,
        None,
        "$.id",
        f"duplicate rule id '{rule.id}' (already defined at {where})",
        "rule ids are unique across all packs: rename this rule or remove one of them",
    )


def _where(location: Location | None) -> str:
    if location is None:
        return "?"
    return f"{location.file}:{location.line}" if location.line else location.file


@lru_cache(maxsize=256)
def _load_file_cached(path: str, mtime_ns: int, size: int) -> tuple[Rule, ...]:
    del mtime_ns, size  # part of the cache key only: an edited file is read again
    return tuple(load_rule_file(Path(path)))


def load_rule_file(path: Path) -> list[Rule]:
    """The rules of one file (one rule, or a list under `rules:`), or InvalidFile with every problem.

    A text that loaded clean before (the shipped index or the user cache, see rule_cache) is not parsed or
    validated again.
    """
    try:
        text: str | None = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = None  # load_yaml reads again and reports the located error
    if text is not None:
        known = rule_cache.recall(text)
        if known is not None:
            try:
                shown = display_name(path)
                return [_rule(shown, line, raw) for line, raw in known]
            except (KeyError, TypeError, AttributeError):
                pass  # not what this code remembers: load the file
    rules, entry = _load_validated(path, text)
    if text is not None:
        rule_cache.remember(text, entry)
    return rules


def _load_validated(path: Path, text: str | None) -> tuple[list[Rule], rule_cache.Entry]:
    """Parse and validate one rule file: its rules and what to remember of them."""
    from platform_cli.yamlschema import load_schema, schema_problems

    loaded = load_yaml(path, what=WHAT, text=text)
    problems = schema_problems(loaded, load_schema("rule"))
    if problems:
        raise InvalidFile(loaded.display, problems, WHAT)
    data = loaded.data
    entries: list[tuple[JsonPath, dict[str, Any]]]
    if "rules" in data:
        entries = [(("rules", i), rule) for i, rule in enumerate(data["rules"])]
    else:
        entries = [((), data)]
    rules: list[Rule] = []
    remembered: rule_cache.Entry = []
    seen: dict[str, JsonPath] = {}
    for where, raw in entries:
        problems.extend(_rule_problems(loaded, where, raw))
        if raw["id"] in seen:
            first = loaded.line_of((*seen[raw["id"]], "id"))
            problems.append(
                loaded.problem(
                    (*where, "id"),
                    f"duplicate rule id '{raw['id']}' (already defined on line {first})",
                    "rule ids are unique: rename this rule or remove one of them",
                )
            )
        seen.setdefault(raw["id"], where)
        line = loaded.line_of((*where, "id"))
        remembered.append((line, copy.deepcopy(raw)))
        rules.append(_rule(loaded.display, line, raw))
    if problems:
        raise InvalidFile(loaded.display, problems, WHAT)
    return rules, remembered


def shipped_index_text() -> str:
    """The index of the shipped pack (policies/readiness.index.json): every shipped file parsed and
    validated now, with no remembered result. Raises InvalidFile when a shipped file is not valid."""
    entries: dict[str, rule_cache.Entry] = {}
    for path in rule_files(shipped_pack()):
        text = path.read_text(encoding="utf-8")
        entries[rule_cache.shipped_key(text)] = _load_validated(path, text)[1]
    return rule_cache.index_text(entries)


def write_shipped_index() -> Path:
    """Write the shipped pack's index (`make rules-index`), returning its path."""
    target = policies_dir() / rule_cache.INDEX_NAME
    target.write_text(shipped_index_text(), encoding="utf-8")
    return target


def _rule_problems(loaded: LoadedYaml, where: JsonPath, raw: dict[str, Any]) -> list[Problem]:
    from jsonschema import Draft202012Validator

    from platform_cli.readiness.condition_regexes import regex_problems
    from platform_cli.readiness.messages import template_problem

    problems: list[Problem] = []
    condition = raw["condition"]
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    for error in sorted(meta.iter_errors(condition), key=lambda e: list(map(str, e.absolute_path))):
        path = (*where, "condition", *error.absolute_path)
        problems.append(
            loaded.problem(
                path,
                f"condition is not a valid JSON Schema: {error.message}",
                "write the condition as a JSON Schema (Draft 2020-12) over the fact's value",
            )
        )
    problems.extend(regex_problems(loaded, (*where, "condition"), condition))
    for key in ("pass", "fail"):
        problem = template_problem(raw[key])
        if problem:
            problems.append(
                loaded.problem(
                    (*where, key),
                    f"'{key}' message: {problem}",
                    "messages are Jinja templates over fact, item, error and rule, e.g. {{ item.name }}",
                )
            )
    return problems


def _rule(shown: str, line: int | None, raw: dict[str, Any]) -> Rule:
    examples = raw["examples"]
    return Rule(
        id=raw["id"],
        title=raw["title"],
        level=raw["level"],
        severity=raw["severity"],
        fact=raw["fact"],
        condition=raw["condition"],
        pass_message=raw["pass"],
        fail_message=raw["fail"],
        remediation=raw["remediation"].strip(),
        rationale=raw["rationale"].strip(),
        examples_pass=tuple(examples["pass"]),
        examples_fail=tuple(examples["fail"]),
        source=Location(shown, line),
        tags=tuple(raw.get("tags", ())),
        docs=raw.get("docs"),
    )


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """A rule as plain data (`policies list --format json`, `readiness explain --format json`)."""
    return {
        "id": rule.id,
        "title": rule.title,
        "level": rule.level,
        "severity": rule.severity,
        "fact": rule.fact,
        "condition": rule.condition,
        "pass": rule.pass_message,
        "fail": rule.fail_message,
        "remediation": rule.remediation,
        "rationale": rule.rationale,
        "examples": {"pass": list(rule.examples_pass), "fail": list(rule.examples_fail)},
        "tags": list(rule.tags),
        "docs": rule.docs,
        "source": None if rule.source is None else {"file": rule.source.file, "line": rule.source.line},
    }


def find_rule(rules: Sequence[Rule], rule_id: str) -> Rule:
    """The rule with `rule_id`, or a UserError suggesting the closest ids."""
    for rule in rules:
        if rule.id == rule_id:
            return rule
    import difflib

    close = difflib.get_close_matches(rule_id, [r.id for r in rules], n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise UserError(f"no readiness rule has the id '{rule_id}' ({hint}`platform policies list` shows them)")
