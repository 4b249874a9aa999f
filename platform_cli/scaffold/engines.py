"""Template engines behind one small interface: copier (the golden path) and cookiecutter (teams' own)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from platform_cli.errors import InvalidFile, Problem, Refused, UserError


@dataclass(frozen=True)
class RenderRequest:
    """Everything an engine needs to render one template into an empty directory."""

    source: str  # local path or git URL
    dest: Path  # an empty temporary directory; the caller moves it into place
    data: Mapping[str, Any]
    defaults: bool  # answer every question with its default (or the given data); no prompts
    trusted: bool  # the template's code may be loaded (copier Jinja extensions)
    run_code: bool  # run copier tasks / cookiecutter hooks (never in a dry run)
    vcs_ref: str | None = None
    user_defaults: Mapping[str, Any] | None = None


class Engine(Protocol):
    name: str

    def template_code(self, template_dir: Path, *, dry_run: bool) -> str | None:
        """What in the template would run code on this machine (needs trust), or None."""
        ...

    def render(self, request: RenderRequest) -> dict[str, Any]:
        """Render and return the final answers."""
        ...


class CopierEngine:
    name = "copier"

    def template_code(self, template_dir: Path, *, dry_run: bool) -> str | None:
        """copier renders in a Jinja sandbox; only tasks and migrations (run after rendering, never in a
        dry run) and Jinja extensions (Python imported to render) run code."""
        config = copier_config(template_dir)
        if config.get("_jinja_extensions"):
            return "copier _jinja_extensions import Python code"
        if not dry_run and (config.get("_tasks") or config.get("_migrations")):
            return "copier _tasks/_migrations run commands"
        return None

    def render(self, request: RenderRequest) -> dict[str, Any]:
        from copier import run_copy
        from copier.errors import (
            CopierAnswersInterrupt,
            CopierError,
            ForbiddenPathError,
            TaskError,
            UnsafeTemplateError,
            UserMessageError,
        )
        from jinja2 import TemplateError

        try:
            worker = run_copy(
                request.source,
                request.dest,
                data=dict(request.data),
                vcs_ref=request.vcs_ref,
                defaults=request.defaults,
                user_defaults=dict(request.user_defaults or {}),
                overwrite=True,
                quiet=True,
                unsafe=request.trusted,
                skip_tasks=not request.run_code,
                cleanup_on_error=False,  # the caller owns (and removes) the temporary destination
            )
        except UnsafeTemplateError as error:
            raise Refused(_untrusted_message(request.source, str(error))) from error
        except CopierAnswersInterrupt as error:
            raise KeyboardInterrupt from error
        except TaskError as error:
            raise UserError(
                f"{request.source}: a template task failed: {error}; nothing was written"
            ) from error
        except ForbiddenPathError as error:  # a template symlink, or a rendered path, leading out
            raise Refused(
                f"{request.source}: {error}: it leads outside the template or the destination; nothing was "
                "written (fix the template, or the answer used in that path)"
            ) from error
        except (UserMessageError, ValueError) as error:
            raise UserError(f"{request.source}: {error} (answer with --data KEY=VALUE)") from error
        except TemplateError as error:
            raise UserError(_template_error(request.source, error)) from error
        except CopierError as error:  # an answer of the wrong type, a broken template setting
            raise UserError(f"{request.source}: {error} (check the answers and the template)") from error
        answers = dict(worker.answers.combined)
        return {k: v for k, v in answers.items() if not k.startswith("_") and _plain(v)}


class CookiecutterEngine:
    name = "cookiecutter"

    def template_code(self, template_dir: Path, *, dry_run: bool) -> str | None:
        """Every cookiecutter template is code: its Jinja is not sandboxed (any `{{ }}` can reach `os`),
        `_extensions` imports local Python and `hooks/` run scripts, dry run or not."""
        return "cookiecutter renders with unsandboxed Jinja (and may import _extensions or run hooks/)"

    def render(self, request: RenderRequest) -> dict[str, Any]:
        from cookiecutter.exceptions import CookiecutterException
        from cookiecutter.main import cookiecutter
        from jinja2 import TemplateError

        produced_at: Path | None = None
        try:
            out = cookiecutter(
                request.source,
                checkout=request.vcs_ref,
                no_input=request.defaults,
                extra_context=dict(request.data),
                output_dir=str(request.dest),
                accept_hooks=request.run_code,
                overwrite_if_exists=False,  # dest is empty: an existing project dir means a path escaped
            )
            produced_at = Path(out)
        except CookiecutterException as error:
            raise UserError(f"{request.source}: {error}") from error
        except (TemplateError, ValueError, TypeError, KeyError) as error:  # the template's own mistake
            raise UserError(_template_error(request.source, error)) from error
        finally:
            if produced_at is not None and not _inside(produced_at, request.dest):
                # it did not exist before (overwrite_if_exists=False), so it is ours to remove
                import shutil

                shutil.rmtree(produced_at, ignore_errors=True)
        if not _inside(produced_at, request.dest) or produced_at == request.dest.resolve():
            raise Refused(
                f"{request.source}: the template's project directory rendered to {produced_at}, outside "
                "the destination; it was removed and nothing was written (check the answers used in its name)"
            )
        # cookiecutter renders into a named sub-directory; flatten it into dest
        for child in list(produced_at.iterdir()):
            child.rename(request.dest / child.name)
        produced_at.rmdir()
        replayed = _replayed_answers(Path(request.source))
        if replayed is not None:
            return replayed
        answers = {
            k: v for k, v in cookiecutter_context(Path(request.source)).items() if not k.startswith("_")
        }
        answers.update(request.data)
        return answers


def _replayed_answers(template_dir: Path) -> dict[str, Any] | None:
    """The answers cookiecutter actually used (defaults rendered, prompts answered), from its replay file."""
    try:
        from cookiecutter.config import get_user_config
        from cookiecutter.replay import load

        context = load(get_user_config()["replay_dir"], template_dir.resolve().name).get("cookiecutter", {})
    except Exception:  # no replay written (older cookiecutter, unwritable home): fall back to the defaults
        return None
    return {k: v for k, v in context.items() if not str(k).startswith("_") and _plain(v)}


ENGINES: dict[str, Engine] = {"copier": CopierEngine(), "cookiecutter": CookiecutterEngine()}


COPIER_FILES = ("copier.yml", "copier.yaml")
COOKIECUTTER_FILE = "cookiecutter.json"


def copier_file(template_dir: Path) -> Path | None:
    """The template's copier.yml (or copier.yaml), when it has one."""
    return next((template_dir / n for n in COPIER_FILES if (template_dir / n).is_file()), None)


def engine_name(template_dir: Path) -> str | None:
    """`copier` or `cookiecutter`, from the marker file the directory holds; None when it holds neither.

    The one place a template's engine is told from its files (copier wins when both are there)."""
    if copier_file(template_dir) is not None:
        return "copier"
    if (template_dir / COOKIECUTTER_FILE).is_file():
        return "cookiecutter"
    return None


def detect_engine(template_dir: Path) -> Engine:
    """The engine whose marker file the template directory holds."""
    name = engine_name(template_dir)
    if name is not None:
        return ENGINES[name]
    raise UserError(
        f"{template_dir}: not a template "
        "(expected copier.yml for copier or cookiecutter.json for cookiecutter)"
    )


def copier_config(template_dir: Path) -> dict[str, Any]:
    """copier.yml (or copier.yaml) under the loading policy: a mapping, else a located exit 2."""
    from platform_cli.yamlfile import load_yaml

    config = copier_file(template_dir)
    if config is None:
        return {}
    loaded = load_yaml(config, what="copier template config")
    if loaded.data is None:
        return {}
    if not isinstance(loaded.data, dict):
        problem = loaded.problem(
            (), "expected a mapping of questions and settings", "write `question: default` lines"
        )
        raise InvalidFile(loaded.display, [problem], "copier template config")
    return loaded.data


def cookiecutter_context(template_dir: Path) -> dict[str, Any]:
    """cookiecutter.json under the loading policy: a JSON object, else a located exit 2."""
    from platform_cli.jsonfile import load_json

    path = template_dir / COOKIECUTTER_FILE
    if not path.is_file():
        return {}
    data = load_json(path, what="cookiecutter context").data
    if not isinstance(data, dict):
        problem = Problem(
            str(path), 1, 1, "", "expected a JSON object of question: default", 'write {"name": "default"}'
        )
        raise InvalidFile(str(path), [problem], "cookiecutter context")
    return data


def _inside(path: Path | None, root: Path) -> bool:
    if path is None:
        return False
    resolved, real_root = path.resolve(), root.resolve()
    return resolved == real_root or real_root in resolved.parents


def _template_error(source: str, error: Exception) -> str:
    where = getattr(error, "filename", None) or getattr(error, "name", None)
    line = getattr(error, "lineno", None)
    location = f" in {where}{f':{line}' if line else ''}" if where else ""
    return (
        f"{source}: the template failed to render{location}: {error} "
        "(fix the template, or report it to its owners); nothing was written"
    )


def _plain(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, list, dict)) or value is None


def _untrusted_message(source: str, detail: str) -> str:
    return (
        f"{source}: refusing to run template code from an untrusted template ({detail}). "
        "Template code runs commands on your machine. Review the template, then pass --trust, or add its "
        "location to `trusted_templates` in ~/.config/platform-cli/config.yaml"
    )
