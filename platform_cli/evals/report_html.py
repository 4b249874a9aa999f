"""A self-contained HTML page of a run: the same figures as the terminal report, no script, no network."""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}.fail{color:#b00020;font-weight:600}.pass{color:#1b7f3b}
.bar{display:inline-block;height:.7em;background:#4a78c2;vertical-align:middle}
"""


def _ci(figure: dict[str, Any] | None, signed: bool = False) -> str:
    if not figure or figure.get("mean") is None:
        return "n/a"
    fmt = "+.3f" if signed else ".3f"
    return f"{figure['mean']:{fmt}} [{figure['ci_low']:{fmt}}, {figure['ci_high']:{fmt}}]"


def html(data: dict[str, Any]) -> str:
    run, summary, gate = data["run"], data["summary"], data["gate"] or {}
    verdict = (data["verdict"] or "none").upper()
    css = "pass" if data["verdict"] == "pass" else "fail"
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8>",
        f"<title>Eval {escape(run['suite'])}: {verdict}</title><style>{_STYLE}</style>",
        f"<h1>Eval <code>{escape(run['suite'])}</code>: <span class={css}>{verdict}</span></h1>",
        f"<p>Run <code>{escape(run['id'])}</code> · prompt <code>{escape(run['prompt'])}</code> "
        f"v{run['prompt_version']} · {escape(str(run['provider']))}/{escape(str(run['model']))} · "
        f"{run['cases']} results · started {escape(run['started_at'])} by {escape(run['started_by'])}</p>",
    ]
    comparison = gate.get("comparison") or {}
    deltas = {"overall": comparison["overall"], **comparison["segments"]} if comparison else {}
    if summary:
        parts.append("<table><tr><th>group</th><th>n</th><th>score (95% CI)</th><th></th><th>pass rate</th>"
                     "<th>Δ vs baseline (95% CI)</th><th>fixed</th><th>broken</th></tr>")  # fmt: skip
        for name, group in [("overall", summary["overall"]), *summary["segments"].items()]:
            delta = deltas.get(name)
            mean = group["score"]["mean"] or 0.0
            klass = " class=fail" if delta and delta["regressed"] else ""
            parts.append(
                f"<tr><td>{escape(name)}</td><td>{group['results']}</td><td>{_ci(group['score'])}</td>"
                f"<td><span class=bar style='width:{mean * 120:.0f}px'></span></td>"
                f"<td>{group['pass_rate']['mean']:.3f}</td>"
                f"<td{klass}>{_ci(delta['delta'], True) if delta else '–'}</td>"
                f"<td>{delta['changes']['fixed'] if delta else '–'}</td>"
                f"<td>{delta['changes']['broken'] if delta else '–'}</td></tr>"
            )
        parts.append("</table>")
    if gate.get("failures"):
        parts.append("<h2>Gate failures</h2><ul>")
        parts += [f"<li class=fail>{escape(f)}</li>" for f in gate["failures"]]
        parts.append("</ul>")
    if summary and summary["worst"]:
        parts.append("<h2>Worst cases</h2><table><tr><th>case</th><th>segment</th><th>score</th>"
                     "<th>why</th><th>answer</th></tr>")  # fmt: skip
        for worst in summary["worst"]:
            parts.append(
                f"<tr><td>{escape(worst['case'])}</td><td>{escape(worst['segment'] or '')}</td>"
                f"<td>{worst['score']:.2f}</td><td style='text-align:left'>{escape(worst['reason'])}</td>"
                f"<td style='text-align:left'>{escape(worst['output'] or '')}</td></tr>"
            )
        parts.append("</table>")
    return "\n".join(parts) + "\n</html>\n"
