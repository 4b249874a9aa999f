"""Find API-key-like strings in text: vendor key formats plus high-entropy values assigned to secret names.

A `Hit` says where a secret is and what kind it looks like; it never holds the value. Its `preview` keeps
only the vendor prefix and the last four characters (`sk-proj-…a1b2`), enough to find the key in a vault.
Placeholders (`changeme`, `${VAR}`, `<your-key>`, `os.environ[...]`, env-var names) are not secrets.
A `pragma: allowlist secret` comment (the detect-secrets convention) is honoured only like a waiver: it must
name who approved it and until when, `# pragma: allowlist secret approver=jane.doe@example.com
expires=2026-01-31`, expiring no later than the platform's waiver limit. A bare, blank, expired or too
distant pragma allowlists nothing: the hit stands, and says what the pragma lacks.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from platform_cli.scanners.textfiles import Skipped, read_for_scan

__all__ = [
    "KIND_LABELS",
    "Allowlist",
    "Hit",
    "ScanReport",
    "is_placeholder",
    "scan_files",
    "scan_text",
    "scan_tree",
    "shannon_entropy",
]

ALLOW_PRAGMA = "pragma: allowlist secret"
GENERIC_MIN_LENGTH = 16
GENERIC_MIN_ENTROPY = 3.5  # bits per character; random base64/hex keys score 3.7-5.5, words and names < 3.3
VENDOR_MIN_ENTROPY = 3.0  # the body after a vendor prefix; repeated or sequential fillers score lower

KIND_LABELS = {
    "openai-api-key": "OpenAI API key",
    "anthropic-api-key": "Anthropic API key",
    "aws-access-key-id": "AWS access key id",
    "github-token": "GitHub token",
    "slack-token": "Slack token",
    "google-api-key": "Google API key",
    "stripe-live-key": "Stripe live key",
    "private-key": "PEM private key block",
    "high-entropy-secret": "high-entropy secret value",
}


@dataclass(frozen=True)
class Hit:
    """One secret-like string: where it is, what it looks like, and a redacted preview (never the value)."""

    file: str
    line: int
    column: int
    kind: str
    preview: str
    name: str | None = None  # the variable or key the value is assigned to, when there is one
    note: str | None = None  # why an allowlist pragma on its line did not apply
    approver: str | None = None  # set when a valid allowlist pragma covers it (then it is no finding)
    expires: str | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def allowlisted(self) -> bool:
        return self.approver is not None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "kind": self.kind,
            "label": self.label,
            "preview": self.preview,
            "name": self.name,
        }
        if self.note:
            data["note"] = self.note
        if self.approver is not None:
            data.update({"approver": self.approver, "expires": self.expires})
        return data


@dataclass(frozen=True)
class Allowlist:
    """When an inline pragma may allowlist a hit: the day it is judged and the platform's waiver limit."""

    today: dt.date
    max_days: int

    def judge(self, line: str) -> tuple[str | None, str | None, str | None]:
        """(approver, expires, None) for a valid pragma on `line`, else (None, None, why it is not)."""
        after = line[line.index(ALLOW_PRAGMA) + len(ALLOW_PRAGMA) :]
        approver = _PRAGMA_APPROVER.search(after)
        expires = _PRAGMA_EXPIRES.search(after)
        if approver is None or expires is None:
            return (
                None,
                None,
                ("its allowlist pragma needs approver=<person> and expires=YYYY-MM-DD, like a waiver"),
            )
        try:
            until = dt.date.fromisoformat(expires.group(1))
        except ValueError:
            return None, None, f"its allowlist pragma expires on {expires.group(1)!r}, not a real date"
        if until < self.today:
            return None, None, f"its allowlist pragma expired on {until.isoformat()}"
        latest = self.today + dt.timedelta(days=self.max_days)
        if until > latest:
            return (
                None,
                None,
                (
                    f"its allowlist pragma expires {until.isoformat()}, more than {self.max_days} days ahead "
                    f"(latest allowed: {latest.isoformat()})"
                ),
            )
        return approver.group(1), until.isoformat(), None


_PRAGMA_APPROVER = re.compile(r"\bapprover\s*[=:]\s*(?!expires\b)[\"']?([^\s\"',;)=]*[^\s\"',;)=.])")
_PRAGMA_EXPIRES = re.compile(r"\bexpires\s*[=:]\s*[\"']?(\d{4}-\d{2}-\d{2})")


@dataclass
class ScanReport:
    """Hits (findings), allowlisted hits, and every file that was not scanned, with its reason."""

    hits: list[Hit]
    allowlisted: list[Hit]
    scanned: int
    skipped: list[Skipped]


# Vendor formats: (kind, pattern with groups `prefix` and `body`). Anthropic first: `sk-ant-` is also `sk-`.
_VENDOR_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "anthropic-api-key",
        re.compile(r"(?<![A-Za-z0-9_-])(?P<prefix>sk-ant-(?:[a-z]+\d\d-)?)(?P<body>[A-Za-z0-9_-]{20,})"),
    ),
    (
        "openai-api-key",
        re.compile(
            r"(?<![A-Za-z0-9_-])(?P<prefix>sk-(?!ant-)(?:proj-|svcacct-|admin-)?)(?P<body>[A-Za-z0-9_-]{20,})"
        ),
    ),
    (
        "aws-access-key-id",
        re.compile(r"(?<![A-Za-z0-9])(?P<prefix>AKIA|ASIA)(?P<body>[0-9A-Z]{16})(?![0-9A-Za-z])"),
    ),
    (
        "github-token",
        re.compile(
            r"(?<![A-Za-z0-9_])(?P<prefix>gh[pousr]_|github_pat_)(?P<body>[A-Za-z0-9_]{36,255})(?![A-Za-z0-9_])"
        ),
    ),
    ("slack-token", re.compile(r"(?<![A-Za-z0-9_-])(?P<prefix>xox[abprs]-)(?P<body>[A-Za-z0-9-]{10,})")),
    (
        "google-api-key",
        re.compile(r"(?<![A-Za-z0-9_-])(?P<prefix>AIza)(?P<body>[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])"),
    ),
    (
        "stripe-live-key",
        re.compile(r"(?<![A-Za-z0-9_])(?P<prefix>[sr]k_live_)(?P<body>[0-9A-Za-z]{20,})(?![0-9A-Za-z_])"),
    ),
)
# The header alone is the finding: the base64 body on the next lines is never read into a preview.
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----")

# NAME = value, NAME: value, "name": "value", export NAME=value, name := value, name => value
_ASSIGNMENT = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::=|=>|=|:)\s*"""
    r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|`(?P<bq>[^`\n]*)`|(?P<bare>[^\s"'`,;#]+))"""
)
_SECRET_NAME = re.compile(r"(?i)(?:[_.-](?:key|token|secret)|apikey|secret|token|password|passwd)$")

_CODE_SUFFIXES = frozenset(
    {
        ".py",
        ".js",
        ".mjs",
        ".cjs",
        ".ts",
        ".tsx",
        ".jsx",
        ".go",
        ".java",
        ".kt",
        ".rb",
        ".rs",
        ".cs",
        ".php",
        ".swift",
        ".scala",
        ".ipynb",
    }
)
_CONFIG_SUFFIXES = frozenset(
    {
        ".env",
        ".yaml",
        ".yml",
        ".json",
        ".toml",
        ".ini",
        ".cfg",
        ".conf",
        ".properties",
        ".sh",
        ".bash",
        ".zsh",
        ".tf",
        ".tfvars",
        ".envrc",
    }
)
_PLACEHOLDER_WORDS = (
    "example",
    "placeholder",
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "your",
    "xxxx",
    "****",
    "dummy",
    "redacted",
    "replace",
    "insert",
    "todo",
    "fixme",
    "sample",
    "notasecret",
    "not-a-secret",
)
_REFERENCE_MARKERS = ("${", "$(", "{{", "%(", "<", "os.environ", "getenv", "process.env", "env(", "secrets.")
_ENV_VAR_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")  # OPENAI_API_KEY names a secret, is not one
_DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")  # settings.SECRET_KEY


def shannon_entropy(text: str) -> float:
    """Bits of Shannon entropy per character of `text` (0.0 for an empty string)."""
    if not text:
        return 0.0
    total = len(text)
    return -sum((n / total) * math.log2(n / total) for n in Counter(text).values())


def is_placeholder(value: str) -> bool:
    """True for values that only stand in for a secret: references, env-var names, template slots, fillers."""
    stripped = value.strip()
    if not stripped:
        return True
    lowered = stripped.lower()
    if stripped[0] in "$!&*%@/." or any(marker in lowered for marker in _REFERENCE_MARKERS):
        return True
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return True
    if lowered.startswith(("http://", "https://", "file:", "vault:", "arn:", "env:")):
        return True
    return bool(_ENV_VAR_NAME.match(stripped) or _DOTTED_NAME.match(stripped))


def _classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
        )
    )


def _looks_random(value: str, min_entropy: float) -> bool:
    return _classes(value) >= 2 and shannon_entropy(value) >= min_entropy


def _preview(prefix: str, body: str) -> str:
    return f"{prefix}…{body[-4:]}"


def _generic_mode(path: str) -> str | None:
    """ "code" (only quoted values count), "config" (bare values too), or None (vendor formats only)."""
    pure = PurePosixPath(path)
    name = pure.name.lower()
    if name == ".env" or name.startswith(".env.") or name.endswith(".env") or name == "dockerfile":
        return "config"
    suffix = pure.suffix.lower()
    if suffix in _CODE_SUFFIXES:
        return "code"
    if suffix in _CONFIG_SUFFIXES:
        return "config"
    return None


_VENDOR_HINTS = ("sk-", "AKIA", "ASIA", "gh", "github_pat_", "xox", "AIza", "_live_", "PRIVATE KEY-----")
_NAME_HINTS = ("key", "token", "secret", "passw")


def _vendor_hits(path: str, lineno: int, line: str, taken: list[tuple[int, int]]) -> Iterable[Hit]:
    for match in _PRIVATE_KEY.finditer(line):
        taken.append(match.span())
        yield Hit(path, lineno, match.start() + 1, "private-key", match.group(0))
    for kind, pattern in _VENDOR_PATTERNS:
        for match in pattern.finditer(line):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            body = match.group("body")
            if kind != "aws-access-key-id" and (
                is_placeholder(body) or not _looks_random(body, VENDOR_MIN_ENTROPY)
            ):
                continue
            if kind == "aws-access-key-id" and body.endswith("EXAMPLE"):
                continue  # AWS's documented sample key id
            taken.append((start, end))
            yield Hit(path, lineno, start + 1, kind, _preview(match.group("prefix"), body))


def _assignment_hits(
    path: str, lineno: int, line: str, mode: str, taken: list[tuple[int, int]]
) -> Iterable[Hit]:
    for match in _ASSIGNMENT.finditer(line):
        name = match.group("name")
        if not _SECRET_NAME.search(name):
            continue
        group = next((g for g in ("dq", "sq", "bq", "bare") if match.group(g) is not None), "bare")
        if group == "bare" and mode == "code":
            continue  # in code a bare value is an expression (os.environ[...], a variable), not a literal
        value = match.group(group)
        start = match.start(group)
        if any(s < start + len(value) and start < e for s, e in taken):
            continue
        if len(value) < GENERIC_MIN_LENGTH or any(c.isspace() for c in value) or is_placeholder(value):
            continue
        if not _looks_random(value, GENERIC_MIN_ENTROPY):
            continue
        taken.append((start, start + len(value)))
        yield Hit(path, lineno, start + 1, "high-entropy-secret", _preview("", value), name=name)


def scan_text(text: str, path: str, allowlist: Allowlist | None = None) -> list[Hit]:
    """Every secret-like string in `text` (the contents of repo-relative `path`), in line order.

    Hits on a line with a valid allowlist pragma come back with `approver`/`expires` set (callers list them
    apart from findings); with a pragma that is not valid, or without `allowlist`, they carry a `note`.
    """
    mode = _generic_mode(path)
    vendor = any(hint in text for hint in _VENDOR_HINTS)
    generic = mode is not None and any(hint in text.lower() for hint in _NAME_HINTS)
    if not (vendor or generic):
        return []  # most files: one substring search instead of a regex pass per line
    hits: list[Hit] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        taken: list[tuple[int, int]] = []
        found: list[Hit] = []
        if vendor and any(hint in line for hint in _VENDOR_HINTS):
            found.extend(_vendor_hits(path, lineno, line, taken))
        if generic and mode is not None:
            lowered = line.lower()
            if any(hint in lowered for hint in _NAME_HINTS):
                found.extend(_assignment_hits(path, lineno, line, mode, taken))
        if found and ALLOW_PRAGMA in line:
            approver: str | None = None
            expires: str | None = None
            why: str | None = "its allowlist pragma was not judged (no date to judge it against)"
            if allowlist is not None:
                approver, expires, why = allowlist.judge(line)
            found = [replace(hit, approver=approver, expires=expires, note=why) for hit in found]
        hits.extend(found)
    return hits


def scan_files(root: Path, files: Iterable[str], allowlist: Allowlist | None = None) -> ScanReport:
    """Scan repo-relative `files` below `root`: findings, allowlisted hits and every file not scanned."""
    report = ScanReport([], [], 0, [])
    for rel in files:
        text, skipped = read_for_scan(Path(root) / rel, rel)
        if skipped is not None:
            report.skipped.append(skipped)
            continue
        assert text is not None
        report.scanned += 1
        for hit in scan_text(text, rel, allowlist):
            (report.allowlisted if hit.allowlisted else report.hits).append(hit)
    return report


def scan_tree(root: Path, files: Iterable[str]) -> list[Hit]:
    """The findings of `scan_files` (no allowlist: every pragma-marked hit counts)."""
    return scan_files(root, files).hits
