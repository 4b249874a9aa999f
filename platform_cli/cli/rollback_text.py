"""Text rendering of rollback plans, outcomes, audit records and history (no logic, no store access)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from platform_cli.rollback.blast import cost_text

POLICY_TEXT = {
    "quarantine": "left out of every future history",
    "flag": "kept in histories, flagged for review",
    "summarize": "answers replaced by a neutral placeholder in every future history",
}


def _segment(segment: str) -> str:
    return "every segment" if segment == "*" else f"segment {segment}"


def _span(first: str | None, last: str | None) -> str:
    return f" ({first} .. {last})" if first else ""


def blast_text(blast: dict[str, Any]) -> list[str]:
    version = blast["version"]
    cache, conv, usage, runs = blast["cache"], blast["conversations"], blast["usage"], blast["eval_runs"]
    samples = ", ".join(conv["sample_conversations"])
    cohorts = "; ".join(
        f"{c['variant'] or 'no variant'}/{c['segment'] or 'no segment'} {c['calls']} calls"
        f" ({c['users']} users)"
        for c in blast["cohorts"][:5]
    )
    lines = [
        f"Blast radius of v{version}:",
        f"  cache:         {cache['entries']} entries{_span(cache['first'], cache['last'])}",
        f"  conversations: {conv['conversations']} conversations, {conv['turns']} turns"
        f"{_span(conv['first'], conv['last'])}" + (f"; e.g. {samples}" if samples else ""),
        f"  users:         {blast['users']}" + (f"; cohorts: {cohorts}" if cohorts else ""),
        f"  usage:         {usage['calls']} calls"
        + (f" ({usage['eval_calls']} by eval runs)" if usage.get("eval_calls") else "")
        + f", {usage['input_tokens']} in / {usage['output_tokens']} out "
        f"tokens, cost {cost_text(usage)}{_span(usage['first'], usage['last'])}",
        f"  eval runs:     {runs['count']}"
        + (
            " (" + ", ".join(f"{r['run_id']} {r['status']}" for r in runs["latest"]) + ")"
            if runs["latest"]
            else ""
        ),
        "  baselines:     "
        + (", ".join(f"{b['suite']} -> {b['run']}" for b in blast["baselines"]) or "none points at it"),
    ]
    return lines


def plan_lines(plan: dict[str, Any]) -> list[str]:
    served = ", ".join(plan["served_by"]) or "no label or allocation"
    moves = ", ".join(f"{c['label']} v{c['from_version']} -> v{c['to_version']}" for c in plan["labels"])
    ends = ", ".join(
        f"{'/'.join(a['variants'])} {a['percent']:g}% -> 0% ({_segment(a['segment'])})"
        for a in plan["allocations"]
    )
    policy = plan["history_policy"]
    lines = [
        f"  bad version:   v{plan['bad_version']} ({plan['role']}: {served})",
        f"  target:        v{plan['target_version']}",
        f"  labels:        {moves or 'none to move'}",
        f"  allocation:    {ends or 'none to end'}",
        f"  history:       {policy} (v{plan['bad_version']}'s turns {POLICY_TEXT.get(policy, policy)})",
    ]
    lines += [f"  note:          {note}" for note in plan.get("notes", ())]
    return lines


def _result_text(step: str, result: Any) -> str:
    if not isinstance(result, dict):
        return ""
    if step == "move_labels":
        parts = [f"{m['label']} v{m['from']} -> v{m['to']}" for m in result.get("moved", [])]
        parts += [f"{label} already there" for label in result.get("already", [])]
        parts += [
            f"{x['label']} left at v{x['now']} (moved since the plan)" for x in result.get("left_alone", [])
        ]
        return ", ".join(parts) or "no label to move"
    if step == "end_allocation":
        parts = [
            f"{'/'.join(e['variants'])} -> 0% ({_segment(e['segment'])})" for e in result.get("ended", [])
        ]
        return ", ".join(parts) or "no allocation to end"
    if step == "purge_cache":
        return f"{result.get('deleted', 0)} entries deleted"
    if step == "history":
        return f"{result.get('turns', 0)} turns {result.get('policy')}"
    if step == "restore_baseline":
        parts = [f"{r['suite']} {r['from_run']} -> {r['to_run']}" for r in result.get("restored", [])]
        parts += [f"{m['suite']} NOT restored: {m['hint']}" for m in result.get("not_restored", [])]
        return ", ".join(parts) or "no baseline pointed at the bad version"
    if step == "revoke":
        return f"v{result.get('version')} revoked (cache dead, history {result.get('history')})"
    return str(result.get("summary", ""))


def steps_lines(steps: Sequence[dict[str, Any]]) -> list[str]:
    lines = ["Steps:"]
    for number, step in enumerate(steps, start=1):
        status = step.get("status", "done")
        when = step.get("finished_at") or step.get("started_at") or ""
        tries = f", {step['attempts']} attempts" if step.get("attempts", 1) > 1 else ""
        result = step.get("result")
        if isinstance(result, str):
            result = json.loads(result)
        detail = _result_text(step["step"], result)
        lines.append(
            f"  {number}. {step['step']:<17} {status:<8} {when}{tries}" + (f"  {detail}" if detail else "")
        )
    return lines


def outcome_text(data: dict[str, Any]) -> str:
    plan, status = data["plan"], data["status"]
    head = {
        "dry-run": "dry run: nothing changed" if not data.get("resumed") else "dry run: would resume it",
        "noop": f"nothing to do: {data.get('noop') or 'already rolled back'}",
        "done": "resumed and finished" if data.get("resumed") else "done",
    }[status]
    ident = f" {data['rollback_id']}" if data.get("rollback_id") else ""
    lines = [f"Rollback{ident} of prompt {plan['prompt']} ({head})", *plan_lines(plan)]
    lines += blast_text(plan["blast_radius"])
    if data.get("steps"):
        lines += steps_lines(data["steps"])
    elif status == "dry-run":
        lines.append("Would run: " + ", ".join(data.get("would_run", [])))
    return "\n".join(lines)


def audit_text(entry: dict[str, Any]) -> str:
    record = entry["record"]
    lines = [
        f"#{entry['id']} {entry['at']} {entry['kind']} {entry['subject']} by {entry['actor']}: "
        f"{entry['summary']}",
        f"  why:           {entry['reason']}",
    ]
    if entry["kind"] == "prompt":
        lines.insert(0, f"Rollback {record['rollback_id']}")
        lines.append(f"  started:       {record['started_at']}  finished: {record['finished_at']}")
        plan_like = {**record, "bad_version": record["from_version"], "target_version": record["to_version"],
                     "labels": [], "allocations": []}  # fmt: skip
        lines += [
            line for line in plan_lines(plan_like) if "labels:" not in line and "allocation:" not in line
        ]
        lines += blast_text(record["blast_radius"])
        lines += steps_lines(record["steps"])
    else:
        previous = record.get("previous")
        before = "none" if not previous or previous["action"] == "clear" else _override_text(previous)
        lines.append(f"  now:           {_override_text(record['override'])}")
        lines.append(f"  before:        {before}")
    return "\n".join(lines)


def _override_text(override: dict[str, Any]) -> str:
    if override["action"] == "model":
        return f"model {override['model']} instead of {override['manifest_model']}"
    if override["action"] == "disable":
        return "disabled"
    return f"the manifest's {override['manifest_model']}"


def drill_text(data: dict[str, Any]) -> str:
    verdict = "PASSED" if data["passed"] else "FAILED"
    lines = [
        f"Drill {data['drill_id']} {verdict}: prompt {data['prompt']} ({data['scenario']}, history "
        f"{data['history_policy']}) in {data['duration_ms'] / 1000:.1f}s, "
        f"rollback {data['rollback_ms']:.0f} ms",
        f"  scratch:       {data['scratch']}",
    ]
    lines += [f"  {'ok  ' if c['passed'] else 'FAIL'} {c['name']}: {c['detail']}" for c in data["checks"]]
    lines.append("  recorded in the shared store (platform rollback history; readiness rule rollback-ready)")
    return "\n".join(lines)


def history_text(running: Sequence[dict[str, Any]], entries: Sequence[dict[str, Any]],
                 drills: Sequence[dict[str, Any]], overrides: Sequence[dict[str, Any]]) -> str:  # fmt: skip
    lines: list[str] = []
    for r in running:
        lines.append(
            f"UNFINISHED {r['rollback_id']} prompt {r['prompt']} v{r['from_version']} -> v{r['to_version']} "
            f"(started {r['started_at']} by {r['actor']}): platform rollback resume {r['rollback_id']}"
        )
    for o in overrides:
        what = f"model {o['model']}" if o["action"] == "model" else "disabled"
        state = "" if o["applies"] else f" (NOT applied: the manifest now says {o['manifest_now']})"
        lines.append(
            f"ACTIVE override: provider {o['provider']} {what}, set {o['set_at']} by {o['set_by']}{state}"
        )
    if not entries:
        lines.append("no rollback in the audit log")
    for e in entries:
        lines.append(f"#{e['id']} {e['at']} {e['kind']:<8} {e['summary']} (by {e['actor']}: {e['reason']})")
    for d in drills:
        verdict = "passed" if d["passed"] else "FAILED"
        lines.append(
            f"drill {d['drill_id']} {d['finished_at']} {verdict} prompt {d['prompt']} ({d['scenario']}, "
            f"{d['history_policy']}) in {d['duration_ms'] / 1000:.1f}s"
        )
    return "\n".join(lines)
