"""Template engines behind one small interface: copier (the golden path) and cookiecutter (teams' own)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from platform_cli.errors import Refused, UserError


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

    def has_template_code(self, template_dir: Path) -> bool: ...

    def render(self, request: RenderRequest) -> dict[str, Any]:
        """Render and return the final answers."""
        ...


class CopierEngine:
    name = "copier"

    def has_template_code(self, template_dir: Path) -> bool:
        import yaml

        for marker in ("copier.yml", "copier.yaml"):
            config = template_dir / marker
            if config.is_file():
                loaded = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
                return any(loaded.get(key) for key in ("_tasks", "_migrations", "_jinja_extensions"))
        return False

    def render(self, request: RenderRequest) -> dict[str, Any]:
        from copier import run_copy
        from copier.errors import CopierAnswersInterrupt, TaskError, UnsafeTemplateError, UserMessageError
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
        except (UserMessageError, ValueError) as error:
            raise UserError(f"{request.source}: {error} (answer with --data KEY=VALUE)") from error
        except TemplateError as error:
            raise UserError(_template_error(request.source, error)) from error
        answers = dict(worker.answers.combined)
        return {k: v for k, v in answers.items() if not k.startswith("_") and _plain(v)}


class CookiecutterEngine:
    name = "cookiecutter"

    def has_template_code(self, template_dir: Path) -> bool:
        hooks = template_dir / "hooks"
        return hooks.is_dir() and any(hooks.iterdir())

    def render(self, request: RenderRequest) -> dict[str, Any]:
        from cookiecutter.exceptions import CookiecutterException
        from cookiecutter.main import cookiecutter
        from jinja2 import TemplateError

        try:
            out = cookiecutter(
                request.source,
                checkout=request.vcs_ref,
                no_input=request.defaults,
                extra_context=dict(request.data),
                output_dir=str(request.dest),
                accept_hooks=request.run_code,
                overwrite_if_exists=True,
            )
        except CookiecutterException as error:
            raise UserError(f"{request.source}: {error}") from error
        except TemplateError as error:
            raise UserError(_template_error(request.source, error)) from error
        # cookiecutter renders into a named sub-directory; flatten it into dest
        produced = Path(out)
        for child in list(produced.iterdir()):
            child.rename(request.dest / child.name)
        produced.rmdir()
        context_file = Path(request.source) / "cookiecutter.json"
        answers: dict[str, Any] = {}
        if context_file.is_file():
            answers = {k: v for k, v in json.loads(context_file.read_text()).items() if not k.startswith("_")}
        answers.update(request.data)
        return answers


ENGINES: dict[str, Engine] = {"copier": CopierEngine(), "cookiecutter": CookiecutterEngine()}


def detect_engine(template_dir: Path) -> Engine:
    """The engine whose marker file the template directory holds."""
    if (template_dir / "copier.yml").is_file() or (template_dir / "copier.yaml").is_file():
        return ENGINES["copier"]
    if (template_dir / "cookiecutter.json").is_file():
        return ENGINES["cookiecutter"]
    raise UserError(
        f"{template_dir}: not a template "
        "(expected copier.yml for copier or cookiecutter.json for cookiecutter)"
    )


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
