"""Open a local HTML file in Debian's headless chromium through Playwright (never Playwright's own browser).

Records console errors, page errors and every request the page makes, and takes a screenshot.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_or_skip() -> str:
    """The chromium executable, or skip (fail in CI) with the reason and how to install it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    reason = None
    if path is None:
        reason = "Debian's chromium is not installed (make test-deps installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[test]')"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    assert path is not None
    return path


@dataclass
class PageVisit:
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    panels: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""


PANEL_PROBE = """() => Array.from(document.querySelectorAll('section.panel')).map(s => ({
    name: s.dataset.panel,
    svgs: s.querySelectorAll('.main-svg').length,
    marks: s.querySelectorAll('.trace').length,
    points: s.querySelectorAll('.point, .scatterlayer .js-line, .scatterlayer .js-fill').length,
    title: (s.querySelector('.gtitle') || {}).textContent || '',
    text: s.innerText,
}))"""


def visit(html_file: Path, screenshot: Path, *, width: int = 1400, height: int = 900) -> PageVisit:
    """Load `html_file` from disk, wait for the page to say it rendered, probe the panels, screenshot."""
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    seen = PageVisit()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": width, "height": height},
            offline=True,
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: seen.errors.append(f"uncaught: {e}"))
            page.on("request", lambda r: seen.requests.append(r.url))
            page.goto(html_file.resolve().as_uri())
            page.wait_for_function("document.body.dataset.rendered === 'true'", timeout=60_000)
            seen.panels = page.evaluate(PANEL_PROBE)
            seen.text = page.inner_text("body")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            context.close()
    return seen
