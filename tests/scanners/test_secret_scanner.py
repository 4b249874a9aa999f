"""The secret scanner finds planted keys at the right line and column and never reveals their values."""

from __future__ import annotations

import datetime as dt
import os
import random
import string
import subprocess
from pathlib import Path

import pytest

from platform_cli.scanners.secrets import (
    Allowlist,
    Hit,
    is_placeholder,
    scan_files,
    scan_text,
    scan_tree,
    shannon_entropy,
)

# Keys are built at run time from a seeded RNG: no literal key sits in this file for scanners to trip on.
_RNG = random.Random(20261127)
_ALNUM = string.ascii_letters + string.digits


def _random(n: int, alphabet: str = _ALNUM) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(n))


BODIES = {
    "openai_project": _random(48),
    "openai_legacy": _random(48),
    "anthropic": _random(80),
    "aws": _random(16, string.ascii_uppercase + string.digits),
    "generic": _random(32),
    "hex": _random(40, "0123456789abcdef"),
    "github": _random(36),
    "github_pat": _random(22) + "_" + _random(59),
    "slack": "-".join((_random(12, string.digits), _random(13, string.digits), _random(24))),
    "google": _random(35, _ALNUM + "_-"),
    "stripe": _random(99),
    "pem": _random(64, _ALNUM + "+/"),
}
OPENAI_PROJECT = "sk-" + "proj-" + BODIES["openai_project"]
OPENAI_LEGACY = "sk-" + BODIES["openai_legacy"]
ANTHROPIC = "sk-" + "ant-api03-" + BODIES["anthropic"]
AWS_ID = "AKIA" + BODIES["aws"]
GENERIC = BODIES["generic"]
HEX_SECRET = BODIES["hex"]


def _assert_no_value(hits: list[Hit]) -> None:
    """No field, dict or repr of any hit holds 6 consecutive characters of a key's secret part (the
    public vendor prefix and the last 4 characters are the preview)."""
    for hit in hits:
        rendered = " ".join([repr(hit), str(hit.as_dict()), hit.preview, hit.label])
        for body in BODIES.values():
            for start in range(len(body) - 6):
                assert body[start : start + 6] not in rendered


def test_vendor_keys_are_found_with_line_column_kind_and_a_redacted_preview() -> None:
    text = (
        "import os\n"
        f'client = OpenAI(api_key="{OPENAI_PROJECT}")\n'
        f"legacy = '{OPENAI_LEGACY}'\n"
        f'anthropic = Anthropic(api_key="{ANTHROPIC}")  # pasted while debugging\n'
        f"AWS_ACCESS_KEY_ID = '{AWS_ID}'\n"
    )
    hits = scan_text(text, "src/app/client.py")
    assert [(h.line, h.kind) for h in hits] == [
        (2, "openai-api-key"),
        (3, "openai-api-key"),
        (4, "anthropic-api-key"),
        (5, "aws-access-key-id"),
    ]
    assert hits[0].column == text.splitlines()[1].index("sk-") + 1
    assert hits[0].preview == f"sk-proj-…{OPENAI_PROJECT[-4:]}"
    assert hits[2].preview == f"sk-ant-api03-…{ANTHROPIC[-4:]}"
    assert hits[3].preview == f"AKIA…{AWS_ID[-4:]}"
    assert all(h.file == "src/app/client.py" for h in hits)
    _assert_no_value(hits)


def test_generic_high_entropy_values_assigned_to_secret_names() -> None:
    env = f"DB_PASSWORD={GENERIC}\nexport SESSION_SECRET='{HEX_SECRET}'\nLOG_LEVEL=debug\n"
    hits = scan_text(env, ".env.production")
    assert [(h.line, h.kind, h.name) for h in hits] == [
        (1, "high-entropy-secret", "DB_PASSWORD"),
        (2, "high-entropy-secret", "SESSION_SECRET"),
    ]
    assert hits[0].column == len("DB_PASSWORD=") + 1
    assert hits[0].preview == f"…{GENERIC[-4:]}"
    yaml_hits = scan_text(f"service:\n  api_token: {GENERIC}\n", "deploy/values.yaml")
    assert [(h.line, h.name) for h in yaml_hits] == [(2, "api_token")]
    json_hits = scan_text(f'{{"client_secret": "{HEX_SECRET}"}}', "config/app.json")
    assert [(h.line, h.name) for h in json_hits] == [(1, "client_secret")]
    _assert_no_value(hits + yaml_hits + json_hits)


def test_a_vendor_key_assigned_to_a_secret_name_is_reported_once() -> None:
    hits = scan_text(f"OPENAI_API_KEY={OPENAI_PROJECT}\n", ".env.local")
    assert [h.kind for h in hits] == ["openai-api-key"]


@pytest.mark.parametrize(
    "line",
    [
        "OPENAI_API_KEY=changeme",
        "OPENAI_API_KEY=${OPENAI_API_KEY}",
        "OPENAI_API_KEY=<your-key>",
        "api_key: ${{ secrets.OPENAI_API_KEY }}",
        'API_KEY = os.environ["OPENAI_API_KEY"]',
        'token = os.getenv("GITHUB_TOKEN")',
        "api_key_secret: OPENAI_API_KEY",
        "ANTHROPIC_API_KEY=sk-ant-your-anthropic-api-key-here",
        'OPENAI_API_KEY="sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "password: !vault |",
        "SECRET_KEY = settings.SECRET_KEY",
        "cache_key = f'{user_id}:{prompt_version}'",
        "PASSWORD_MIN_LENGTH=12",
        "token_url: https://auth.example.com/oauth/token",
        "secret_path: ai/support-summarizer/openai",
        "primary_key = 'id'",
        "  - name: OPENAI_API_KEY",
        "sha = 'da39a3ee5e6b4b0d3255bfef95601890afd80709'",  # high entropy, but not a secret name
        "# Set OPENAI_API_KEY to your key (see README)",
    ],
)
def test_placeholders_references_and_harmless_strings_are_not_secrets(line: str) -> None:
    for path in ("settings.py", ".env", "config.yaml", "app.json"):
        assert scan_text(line + "\n", path) == [], (path, line)


ALLOW = Allowlist(today=dt.date(2026, 1, 10), max_days=90)


def test_an_allowlist_pragma_needs_an_approver_and_an_expiry_like_a_waiver() -> None:
    pragma = "pragma: allowlist secret approver=jane.doe@example.com expires=2026-02-01"
    text = f'FIXTURE_KEY = "{GENERIC}"  # {pragma}\nOTHER_KEY = "{HEX_SECRET}"\n'
    hits = scan_text(text, "tests/fixtures.py", ALLOW)
    assert [(h.line, h.allowlisted) for h in hits] == [(1, True), (2, False)]
    assert (hits[0].approver, hits[0].expires) == ("jane.doe@example.com", "2026-02-01")


@pytest.mark.parametrize(
    ("comment", "why"),
    [
        ("pragma: allowlist secret", "needs approver=<person> and expires=YYYY-MM-DD"),
        ("pragma: allowlist secret approver=jane", "needs approver=<person> and expires=YYYY-MM-DD"),
        ("pragma: allowlist secret expires=2026-02-01", "needs approver=<person>"),
        ("pragma: allowlist secret approver=  expires=2026-02-01", "needs approver=<person>"),
        ("pragma: allowlist secret approver=jane expires=2026-02-30", "not a real date"),
        ("pragma: allowlist secret approver=jane expires=2025-12-31", "expired on 2025-12-31"),
        ("pragma: allowlist secret approver=jane expires=9966-01-01", "more than 90 days ahead"),
    ],
)
def test_a_pragma_that_is_not_a_waiver_allowlists_nothing(comment: str, why: str) -> None:
    for line in (f'FIXTURE_KEY = "{GENERIC}"  # {comment}', f"{OPENAI_PROJECT}  # {comment}"):
        (hit,) = scan_text(line + "\n", "src/fixtures.py", ALLOW)
        assert not hit.allowlisted and hit.note is not None and why in hit.note
        (unjudged,) = scan_text(line + "\n", "src/fixtures.py")
        assert not unjudged.allowlisted


def test_markdown_only_reports_vendor_formats() -> None:
    text = f"Set `DB_PASSWORD={GENERIC}` in your shell.\nOr paste {OPENAI_LEGACY}\n"
    assert [(h.line, h.kind) for h in scan_text(text, "README.md")] == [(2, "openai-api-key")]


def test_entropy_and_placeholder_helpers() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("ab") == pytest.approx(1.0)
    assert shannon_entropy(GENERIC) > 4.0
    assert is_placeholder("${TOKEN}") and is_placeholder("OPENAI_API_KEY") and is_placeholder("changeme")
    assert not is_placeholder(GENERIC)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_binaries_and_big_files_are_scanned_and_every_skipped_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "settings.py").write_text(f'\n\nOPENAI_KEY = "{OPENAI_PROJECT}"\n')
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2" + OPENAI_PROJECT.encode())
    (tmp_path / "dump.txt").write_text(OPENAI_LEGACY + "\n" + "x" * 1_100_000)
    (tmp_path / "link.txt").symlink_to("/etc/hostname")
    (tmp_path / "locked.txt").write_text(OPENAI_LEGACY)
    (tmp_path / "locked.txt").chmod(0)
    files = ["src/settings.py", "blob.bin", "dump.txt", "missing.py", "link.txt", "locked.txt"]
    report = scan_files(tmp_path, files)
    readable_anyway = os.geteuid() == 0  # root reads a mode-0 file
    assert sorted((h.file, h.line) for h in report.hits) == [
        ("blob.bin", 1),
        ("dump.txt", 1),
        *([("locked.txt", 1)] if readable_anyway else []),
        ("src/settings.py", 3),
    ]
    skipped = {s.file: (s.blocking, s.reason.split(" ")[0]) for s in report.skipped}
    assert skipped["link.txt"] == (False, "a") and skipped["missing.py"] == (False, "listed")
    if not readable_anyway:
        assert skipped["locked.txt"] == (True, "unreadable:")
    assert report.scanned + len(report.skipped) == len(files)
    assert [h.file for h in scan_tree(tmp_path, ["blob.bin"])] == ["blob.bin"]


# New vendor formats; each prefix is split so that no literal key shape sits in this file.
NEW_VENDOR_KEYS = [
    ("github-token", "gh" + "p_", "gh" + "p_" + BODIES["github"]),
    ("github-token", "gh" + "o_", "gh" + "o_" + BODIES["github"]),
    ("github-token", "gh" + "u_", "gh" + "u_" + BODIES["github"]),
    ("github-token", "gh" + "s_", "gh" + "s_" + BODIES["github"]),
    ("github-token", "gh" + "r_", "gh" + "r_" + BODIES["github"]),
    ("github-token", "github" + "_pat_", "github" + "_pat_" + BODIES["github_pat"]),
    ("slack-token", "xo" + "xb-", "xo" + "xb-" + BODIES["slack"]),
    ("slack-token", "xo" + "xp-", "xo" + "xp-" + BODIES["slack"]),
    ("google-api-key", "AI" + "za", "AI" + "za" + BODIES["google"]),
    ("stripe-live-key", "sk" + "_live_", "sk" + "_live_" + BODIES["stripe"]),
    ("stripe-live-key", "rk" + "_live_", "rk" + "_live_" + BODIES["stripe"]),
]


@pytest.mark.parametrize(("kind", "prefix", "key"), NEW_VENDOR_KEYS)
@pytest.mark.parametrize("path", ["src/app.py", "README.md", ".env", "notes.txt"])
def test_more_vendor_tokens_are_found_with_a_redacted_preview(
    kind: str, prefix: str, key: str, path: str
) -> None:
    text = f"first line\nconfig = {{'token': '{key}'}}\n"
    hits = scan_text(text, path)
    assert [(h.line, h.kind) for h in hits] == [(2, kind)], hits
    assert hits[0].column == text.splitlines()[1].index(key) + 1
    assert hits[0].preview == f"{prefix}…{key[-4:]}"
    assert hits[0].label != kind  # a human-readable label
    _assert_no_value(hits)


@pytest.mark.parametrize("algorithm", ["", "RSA ", "EC ", "OPENSSH ", "DSA ", "ENCRYPTED "])
def test_pem_private_key_blocks_are_found_without_their_body(algorithm: str) -> None:
    dashes = "-" * 5
    header = f"{dashes}BEGIN {algorithm}PRIVATE KEY{dashes}"
    text = f'KEY = """\n{header}\n{BODIES["pem"]}\n{dashes}END {algorithm}PRIVATE KEY{dashes}\n"""\n'
    hits = scan_text(text, "deploy/key.txt")
    assert [(h.line, h.column, h.kind, h.preview) for h in hits] == [(2, 1, "private-key", header)]
    _assert_no_value(hits)


@pytest.mark.parametrize(
    "line",
    [
        "token = 'gh" + "p_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'",
        "GITHUB_TOKEN=gh" + "p_your_personal_access_token_goes_here",
        "SLACK_BOT_TOKEN=xo" + "xb-your-bot-token",
        "STRIPE_KEY=sk" + "_live_" + "0" * 24,
        "GOOGLE_API_KEY=AI" + "za" + "X" * 35,
        "-" * 5 + "BEGIN PUBLIC KEY" + "-" * 5,
        "-" * 5 + "BEGIN CERTIFICATE" + "-" * 5,
        "sk" + "_test_" + BODIES["stripe"][:24],  # a Stripe test key is not a live secret
        "pattern = r'gh[pousr]_[A-Za-z0-9]{36}'",
    ],
)
def test_new_formats_skip_placeholders_and_neighbours(line: str) -> None:
    for path in ("settings.py", ".env", "README.md"):
        assert scan_text(line + "\n", path) == [], (path, line)
