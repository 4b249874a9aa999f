"""Updates for cookiecutter-generated repos, the way cruft does them: re-render old and new, merge three ways.

`.cruft.json` records the template, the commit (or release tag) it was rendered from and the answers.
Both versions are rendered with those answers; then every file the template changed is merged into the
repo with `git merge-file` (inline markers, the same labels copier uses) or applied with
`git apply --reject` (`.rej` files). Files the team deleted stay deleted; a file the template removes is
deleted only when the team never changed it.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from platform_cli.errors import Refused, UserError
from platform_cli.jsonfile import load_json
from platform_cli.scaffold.engines import ENGINES, RenderRequest
from platform_cli.scaffold.gitrepo import run_git
from platform_cli.scaffold.provenance import CRUFT_FILE, Provenance, TemplateSource
from platform_cli.scaffold.releases import extract_release, find_release, releases

LABELS = ["-L", "before updating", "-L", "last update", "-L", "after updating"]


def _git(cwd: Path, *args: str) -> str:
    return run_git(cwd, *args)


def _checkouts(source: TemplateSource, prov: Provenance, to: str | None, tmp: Path) -> tuple[Path, Path, str]:
    """(old template dir, new template dir, the ref to record) for the recorded and the target version."""
    if source.kind == "archive":
        if not prov.ref:
            raise UserError(f"{CRUFT_FILE}: no commit recorded, so the old version cannot be re-rendered")
        old = extract_release(source.directory, find_release(source.directory, prov.ref))
        target = find_release(source.directory, to) if to else releases(source.directory)[-1]
        return old, extract_release(source.directory, target), target.ref
    if not prov.ref:
        raise UserError(f"{CRUFT_FILE}: no commit recorded, so the old version cannot be re-rendered")
    clone = tmp / "template"
    _git(tmp, "clone", "-q", source.location, str(clone))
    new_ref = _git(clone, "rev-parse", f"{to or 'HEAD'}^{{commit}}").strip()
    old = tmp / "old-template"
    _git(clone, "worktree", "add", "-q", "--detach", str(old), prov.ref)
    _git(clone, "checkout", "-q", "--detach", new_ref)
    return old, clone, new_ref


def _render(
    template: Path, sub: str | None, answers: Mapping[str, Any], out: Path, trusted: bool, label: str
) -> None:
    engine = ENGINES["cookiecutter"]
    root = template / sub if sub else template
    why = engine.template_code(root, dry_run=False)
    if not trusted and why:
        raise Refused(
            f"{label}: refusing to run template code from an untrusted template ({why}); review it, then "
            "pass --trust or list the template under trusted_templates in ~/.config/platform-cli/config.yaml"
        )
    out.mkdir(parents=True)
    engine.render(RenderRequest(str(root), out, dict(answers), True, trusted, trusted))


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _merge(project: Path, rel: str, base: bytes, new: bytes, tmp: Path, conflict: str) -> None:
    """Merge the template's change base -> new into project/rel (markers, or a .rej next to it)."""
    work = tmp / "merge"
    (work / "old").mkdir(parents=True, exist_ok=True)
    for side, data in (("old", base), ("new", new)):
        path = work / side / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    target = project / rel
    if conflict == "inline":
        sides = [str(work / side / rel) for side in ("old", "new")]
        done = subprocess.run(
            ["git", "merge-file", "-p", *LABELS, str(target), *sides], capture_output=True, check=False
        )
        if done.returncode < 0 or done.returncode > 127:
            raise UserError(f"{rel}: git merge-file failed: {done.stderr.decode(errors='replace').strip()}")
        target.write_bytes(done.stdout)
        return
    patch = subprocess.run(
        ["git", "diff", "--no-index", "--binary", f"old/{rel}", f"new/{rel}"],
        cwd=work, capture_output=True, check=False,
    ).stdout  # fmt: skip
    subprocess.run(["git", "apply", "-p2", "--reject", "-"], cwd=project, input=patch, capture_output=True)


def cookiecutter_update(
    project: Path,
    prov: Provenance,
    source: TemplateSource,
    to: str | None,
    data: Mapping[str, Any],
    conflict: str,
    trusted: bool,
) -> str:
    """Apply the template's changes between the recorded and the target version to `project`."""
    with tempfile.TemporaryDirectory(prefix="platform-cruft-") as name:
        tmp = Path(name)
        old_dir, new_dir, new_ref = _checkouts(source, prov, to, tmp)
        _render(old_dir, prov.directory, prov.answers, tmp / "old", trusted, prov.src)
        answers = {**prov.answers, **data}
        _render(new_dir, prov.directory, answers, tmp / "new", trusted, prov.src)
        old, new = _files(tmp / "old"), _files(tmp / "new")
        for rel in sorted(set(old) | set(new)):
            base, theirs = old.get(rel), new.get(rel)
            target = project / rel
            ours = target.read_bytes() if target.is_file() else None
            if base == theirs or rel == CRUFT_FILE:
                continue
            if theirs is None:  # removed by the template: only when the team never changed it
                if ours is not None and ours == base:
                    target.unlink()
                continue
            if ours is None and base is not None:
                continue  # the team deleted it: stays deleted
            if ours is None or ours == base:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(theirs)
            elif ours != theirs:
                _merge(project, rel, base or b"", theirs, tmp, conflict)
        loaded = load_json(project / CRUFT_FILE, display=CRUFT_FILE, what="cruft record").data
        record = loaded if isinstance(loaded, dict) else {}
        record["commit"] = new_ref
        record.setdefault("context", {}).setdefault("cookiecutter", {}).update(dict(data))
        (project / CRUFT_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return new_ref
