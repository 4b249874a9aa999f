"""Text rendering of rollouts, decisions, guards, trends and scoring passes (no logic, no store access)."""

from __future__ import annotations

from typing import Any

from platform_cli.rollout.guards import show_difference, show_value

STATE_MARK = {"breach": "BREACH", "holds": "holds", "short": "short", "no-data": "no data"}


def record_line(rollout: dict[str, Any]) -> str:
    steps = " -> ".join(
        f"[{s}%]" if i == rollout["step"] else f"{s}%" for i, s in enumerate(rollout["steps"])
    )
    return (
        f"{rollout['prompt']} v{rollout['version']} ({rollout['rollout_id']}, {rollout['phase']}): {steps}"
        f"; control v{rollout['control_version']}"
    )


def started_text(data: dict[str, Any]) -> str:
    rollout = data["rollout"]
    verb = "would start" if data["dry_run"] else "started"
    lines = [f"{verb}: {record_line(rollout)}"]
    holds = ", ".join(f"{d:g}" for d in rollout["holds_days"])
    lines.append(f"  holds (days per step below 100%): {holds or 'none'}")
    gate = data.get("eval_gate")
    if gate is None:
        lines.append("  eval gate: production is not gated (spec.evals.gated_labels)")
    else:
        lines.append(
            "  eval gate: " + ("passed" if gate["passed"] else "OVERRIDDEN: " + "; ".join(gate["problems"]))
        )
    lines.append(
        "  next: `platform rollout watch` on a schedule; `platform rollout status` to see the guards"
    )
    return "\n".join(lines)


def guard_rows(guards: list[dict[str, Any]]) -> list[str]:
    lines = ["  guard              segment      state    canary       control      diff        "
             "bound       allowance   n canary/control (min)"]  # fmt: skip
    for g in guards:
        unit = g["unit"]
        bound = g["ci_low"] if g["worse"] == "up" else g["ci_high"]
        segment = "all" if g["segment"] == "*" else g["segment"]
        req = "" if g["required"] else " (not required)"
        allowance = g["allowance"] if g["worse"] == "up" else -(g["allowance"] or 0)
        cells = [
            f"{show_value(g['canary'], unit):<12}", f"{show_value(g['control'], unit):<12}",
            f"{show_difference(g['difference'], unit):<11}", f"{show_difference(bound, unit):<11}",
            f"{show_difference(allowance, unit):<11}",
        ]  # fmt: skip
        lines.append(
            f"  {g['metric']:<18} {segment:<12} {STATE_MARK[g['state']]:<8} {' '.join(cells)} "
            f"{g['n_canary']}/{g['n_control']} ({g['min_samples']}){req}"
        )
    return lines


def trend_rows(trends: list[dict[str, Any]]) -> list[str]:
    lines = ["  trend (canary, across the soak)   week-over-week   p        days   verdict"]
    for t in trends:
        canary = t["canary"]
        weekly = t["canary_week_over_week"]
        wow = "-" if weekly is None else f"{weekly * 100:+.1f}%/week"
        p = "-" if canary["p_value"] is None else f"{canary['p_value']:.3f}"
        verdict = "DRIFT (canary worsens, control does not)" if t["drifting"] else (
            "too few days" if canary["p_value"] is None else canary["direction"]
        )  # fmt: skip
        lines.append(f"  {t['metric']:<32} {wow:<16} {p:<8} {canary['n']:<6} {verdict}")
    return lines


def status_text(data: dict[str, Any]) -> str:
    if not data["rollouts"]:
        return (
            f"{data['feature']}: no active rollout (start one with `platform rollout start PROMPT VERSION`)"
        )
    out = []
    for item in data["rollouts"]:
        rollout = item["rollout"]
        lines = [record_line(rollout)]
        if rollout["status"] != "active":
            finished = item.get("finished") or {}
            why = finished.get("summary", rollout["outcome"])
            lines.append(f"  {rollout['status']} at {rollout['finished_at']}: {why}")
        else:
            lines.append(
                f"  step {rollout['step'] + 1}/{len(rollout['steps'])} since {rollout['step_started_at']}: "
                f"{item['elapsed_days']:.1f} of {item['hold_days']:g} days held"
            )
            if "guards" in item:
                lines.append(f"  guards: {item['guard_state']}")
                lines.extend(guard_rows(item["guards"]))
                lines.extend(trend_rows(item["trends"]))
            samples = ", ".join(
                f"{variant}: {n['scored']}/{n['sampled']} scored"
                for variant, n in item["online_samples"].items()
            )
            lines.append(f"  online samples this step: {samples or 'none'}")
        lines.append("  recent decisions:")
        lines.extend(f"    {e['at']} {e['kind']}: {e['summary']}" for e in item["events"])
        out.append("\n".join(lines))
    method = data["method"]
    out.append(
        "How guards decide: "
        + method["breach"]
        + "; "
        + method["confidence"]
        + "; "
        + method["evidence"]
        + ".\nTests: "
        + "; ".join(f"{kind}: {test}" for kind, test in method["tests"].items())
        + ".\nTrends: "
        + method["trends"]
        + "."
    )
    return "\n\n".join(out)


def decision_text(data: dict[str, Any]) -> str:
    rollout = data["rollout"]
    lines = [f"{data['outcome'].upper()}: {record_line(rollout)}", f"  {data['summary']}"]
    for breach in data["breaches"]:
        lines.append(f"  breach: {breach}")
    if data["rollback"]:
        audit = data["rollback"].get("audit") or {}
        rollback_id = data["rollback"]["rollback_id"]
        lines.append(
            f"  rolled back through the rollback primitive: {rollback_id} (audit entry "
            f"#{audit.get('id', '?')}; see `platform rollback audit {rollback_id}`)"
        )
    if data["clock_injected"]:
        lines.append(f"  clock injected: {data['clock_injected']}")
    return "\n".join(lines)


def scoring_text(data: dict[str, Any]) -> str:
    if not data.get("configured"):
        return data.get("note") or "online scoring is not configured (spec.rollout.online_scoring)"
    lines = [
        f"suite {data['suite']}: scored {data['scored']} sample(s); {data['unscored_left']} left unscored",
        f"  scorers: {', '.join(data['scorers']) or 'none usable on live answers'}",
    ]
    for scorer, why in data["left_out"].items():
        lines.append(f"  left out: {scorer}: {why}")
    if data.get("judge_stopped"):
        lines.append(f"  judge stopped: {data['judge_stopped']}")
    return "\n".join(lines)
