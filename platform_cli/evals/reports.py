"""Reports of a run (and its comparison with the baseline): terminal table, JSON, JUnit XML, Markdown
for a PR comment. The HTML page is in report_html.py. All of them render the same `report_data` dict."""

from __future__ import annotations

import json
from typing import Any

from platform_cli.store.evals import EvalRunRecord

FORMATS = ("text", "json", "junit", "markdown", "html")


def report_data(run: EvalRunRecord, gate: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything a report shows, from the run record (and a comparison made now, when given)."""
    summary = json.loads(run.summary) if run.summary else None
    stored_gate = json.loads(run.gate) if run.gate else None
    chosen = gate if gate is not None else stored_gate
    verdict = run.verdict
    if gate is not None:
        verdict = "pass" if not gate.get("failures") else "fail"
    return {
        "run": {
            "id": run.run_id, "suite": run.suite, "prompt": run.prompt, "prompt_version": run.prompt_version,
            "prompt_hash": run.prompt_hash, "selector": run.selector, "provider": run.provider,
            "model": run.model, "dataset_hash": run.dataset_hash, "cases": run.cases, "repeats": run.repeats,
            "status": run.status, "started_at": run.started_at, "finished_at": run.finished_at,
            "started_by": run.started_by, "offline": run.offline, "run_file": run.run_file,
        },
        "verdict": verdict,
        "summary": summary,
        "gate": chosen,
    }  # fmt: skip


def render(data: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    if fmt == "junit":
        return junit(data)
    if fmt == "markdown":
        return markdown(data)
    if fmt == "html":
        from platform_cli.evals.report_html import html

        return html(data)
    return text(data)


def _ci(figure: dict[str, Any] | None, signed: bool = False) -> str:
    if not figure or figure.get("mean") is None:
        return "n/a"
    sign = "+" if signed else ""
    return f"{figure['mean']:{sign}.3f} [{figure['ci_low']:{sign}.3f}, {figure['ci_high']:{sign}.3f}]"


def _groups(summary: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [("overall", summary["overall"]), *summary["segments"].items()]


def _headline(data: dict[str, Any]) -> str:
    run = data["run"]
    digest = (run["prompt_hash"] or "")[:10]
    return (
        f"eval run {run['id']}: suite {run['suite']}, prompt {run['prompt']} v{run['prompt_version']} "
        f"(sha256 {digest}), {run['provider']}/{run['model']}, {run['cases']} results, {run['status']}"
    )


def _comparison_rows(gate: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    comparison = gate.get("comparison") or {}
    if not comparison:
        return []
    return [("overall", comparison["overall"]), *comparison["segments"].items()]


def text(data: dict[str, Any]) -> str:
    lines = [_headline(data), f"verdict: {(data['verdict'] or 'none').upper()}"]
    summary, gate = data["summary"], data["gate"] or {}
    if summary:
        lines.append(f"{'':14} {'n':>6}  {'mean score (95% CI)':<24} {'pass rate (95% CI)':<24} pass^k")
        for name, group in _groups(summary):
            k = group.get("pass_hat_k")
            lines.append(
                f"{name:14} {group['results']:>6}  {_ci(group['score']):<24} {_ci(group['pass_rate']):<24} "
                f"{'n/a' if k is None else f'{k:.3f}'}"
            )
    rows = _comparison_rows(gate)
    if rows:
        lines.append(f"compared with baseline run {gate.get('baseline') or gate['comparison']['old_run']}:")
        lines.append(f"{'':14} {'n':>6}  {'delta score (95% CI)':<26} fixed broken changed")
        for name, group in rows:
            changes = group["changes"]
            flag = "  REGRESSED" if group["regressed"] else ""
            changed = changes["changed_passing"] + changes["changed_failing"]
            lines.append(
                f"{name:14} {group['n']:>6}  {_ci(group['delta'], signed=True):<26} {changes['fixed']:>5} "
                f"{changes['broken']:>6} {changed:>7}{flag}"
            )
        if gate.get("needs_behaviour_note"):
            lines.append("behaviour change above the suite's threshold: promotion needs --behaviour-note")
    elif summary:
        lines.append(
            "no baseline: gated on the thresholds only (set one with `platform eval baseline set RUN`)"
        )
    if gate.get("failures"):
        lines.append("gate failures:")
        lines.extend(f"  - {failure}" for failure in gate["failures"])
    if summary and summary["worst"]:
        lines.append("worst cases:")
        for worst in summary["worst"]:
            segment = f" ({worst['segment']})" if worst["segment"] else ""
            lines.append(f"  {worst['case']}{segment} {worst['score']:.2f}: {worst['reason']}")
    return "\n".join(lines) + "\n"


def markdown(data: dict[str, Any]) -> str:
    """Short enough for a PR comment: verdict, the table, the gate's reasons, five worst cases."""
    run, summary, gate = data["run"], data["summary"], data["gate"] or {}
    icon = "✅" if data["verdict"] == "pass" else "❌"
    out = [
        f"### {icon} Eval `{run['suite']}`: {(data['verdict'] or 'none').upper()}",
        "",
        f"Prompt `{run['prompt']}` v{run['prompt_version']} · `{run['provider']}/{run['model']}` · "
        f"{run['cases']} results · run `{run['id']}`",
        "",
    ]
    comparison = {name: group for name, group in _comparison_rows(gate)}
    if summary:
        out += ["| group | n | score (95% CI) | pass rate | Δ vs baseline (95% CI) | fixed / broken |",
                "| --- | ---: | --- | --- | --- | --- |"]  # fmt: skip
        for name, group in _groups(summary):
            delta = comparison.get(name)
            cell = _ci(delta["delta"], signed=True) if delta else "–"
            if delta and delta["regressed"]:
                cell = f"**{cell} regressed**"
            moves = f"{delta['changes']['fixed']} / {delta['changes']['broken']}" if delta else "–"
            out.append(f"| {name} | {group['results']} | {_ci(group['score'])} | "
                       f"{group['pass_rate']['mean']:.3f} | {cell} | {moves} |")  # fmt: skip
        out.append("")
    if gate.get("failures"):
        out += ["**Gate failures**", ""] + [f"- {_md(f)}" for f in gate["failures"]] + [""]
    if gate.get("needs_behaviour_note"):
        out += ["⚠️ Behaviour changed above the suite's threshold: promotion needs `--behaviour-note`.", ""]
    if summary and summary["worst"]:
        out += ["<details><summary>Worst cases</summary>", ""]
        out += [f"- `{w['case']}` ({w['segment'] or '-'}) {w['score']:.2f}: {_md(w['reason'])}"
                for w in summary["worst"][:5]]  # fmt: skip
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def _md(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")[:300]


def junit(data: dict[str, Any]) -> str:
    """One testcase per group (overall and each segment) plus one per gate failure; CI shows them."""
    from xml.sax.saxutils import escape, quoteattr  # pulls in urllib and ssl: only for this format

    run, summary, gate = data["run"], data["summary"] or {}, data["gate"] or {}
    cases = []
    failures = gate.get("failures") or []
    for name, group in _groups(summary) if summary else []:
        mine = [f for f in failures if (name == "overall" and f.startswith("overall")) or f"'{name}'" in f]
        body = "".join(f"<failure message={quoteattr(f[:200])}>{escape(f)}</failure>" for f in mine)
        cases.append(
            f'  <testcase classname={quoteattr("eval." + run["suite"])} name={quoteattr(name)} time="0">'
            f"{body}<system-out>{escape('score ' + _ci(group['score']))}</system-out></testcase>"
        )
    others = [
        f
        for f in failures
        if not any(
            (n == "overall" and f.startswith("overall")) or f"'{n}'" in f
            for n, _ in (_groups(summary) if summary else [])
        )
    ]
    for failure in others:
        cases.append(
            f'  <testcase classname={quoteattr("eval." + run["suite"])} name="gate" time="0">'
            f"<failure message={quoteattr(failure[:200])}>{escape(failure)}</failure></testcase>"
        )
    failed = sum("<failure" in c for c in cases)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites><testsuite name={quoteattr("eval " + run["suite"])} tests="{len(cases)}" '
        f'failures="{failed}" errors="0">\n' + "\n".join(cases) + "\n</testsuite></testsuites>\n"
    )
