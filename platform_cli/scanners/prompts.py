"""Find prompt text written inline in source code, and the registered prompt names source refers to.

Features should call `feature.complete("summarize", {...})`: the prompt lives in `prompts/summarize.yaml`,
is versioned and can be rolled back. This heuristic scan (Python via `ast`, JS/TS via regexes) flags
literal text passed to the runtime or a vendor SDK, role/content message literals, and long literals that
read like prompts ("You are a ...", "### Instructions"). Docstrings are never prompts.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from platform_cli.scanners.textfiles import read_for_scan
from platform_cli.scanners.vendor_calls import (
    VendorCall,
    literal_text,
    python_vendor_calls,
    script_vendor_calls,
)

__all__ = [
    "InlinePrompt",
    "PromptRef",
    "PromptScan",
    "is_scanned_source",
    "scan_python",
    "scan_script",
    "scan_source",
]

RUNTIME_CALLS = frozenset({"complete", "chat", "acomplete", "achat", "stream_complete"})
CHAT_CALLS = frozenset({"chat", "achat"})
DEFAULT_CHAT_PROMPT = "chat"  # Feature.chat's default prompt name (prompts/chat.yaml)
SDK_CALLS = frozenset(
    {
        "create",
        "acreate",
        "generate",
        "generate_content",
        "invoke",
        "ainvoke",
        "stream",
        "completion",
        "acompletion",
    }
)
PROMPT_KEYWORDS = frozenset({"prompt", "system", "system_prompt", "instructions", "contents", "template"})
MIN_LOOKS_LIKE_LENGTH = 40  # shorter literals that start "You are a" are UI strings, not prompts
PREVIEW_LENGTH = 48

_PROMPT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,127}(?:[@:][A-Za-z0-9_.-]+)?$")
_LOOKS_LIKE_PROMPT = re.compile(
    r"^\s*(?:you are (?:a|an|the)\s|you're (?:a|an)\s|act as (?:a|an)\s)"
    r"|^\s*#{1,4}\s*(?:instructions?|system prompt|task|role|persona)\b",
    re.IGNORECASE | re.MULTILINE,
)
_PY_SUFFIXES = frozenset({".py"})
_SCRIPT_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx"})
_SOURCE_ENDINGS = tuple(sorted(_PY_SUFFIXES | _SCRIPT_SUFFIXES))
EXCLUDED_DIRS = frozenset({"tests", "test", "__tests__", "evals", "prompts", "node_modules", ".venv"})


@dataclass(frozen=True)
class InlinePrompt:
    """Prompt text found in source: where, why it was flagged, and the first words of it."""

    file: str
    line: int
    column: int
    reason: str
    preview: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "inline-prompt",
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "reason": self.reason,
            "preview": self.preview,
        }


@dataclass(frozen=True)
class PromptRef:
    """A prompt referenced by name, e.g. `feature.complete("summarize", ...)`."""

    name: str
    file: str
    line: int
    column: int
    call: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "prompt-ref",
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "call": self.call,
        }


@dataclass
class PromptScan:
    """What a scan over many files found."""

    inline: list[InlinePrompt] = field(default_factory=list)
    refs: list[PromptRef] = field(default_factory=list)
    files_scanned: list[str] = field(default_factory=list)
    unparsable: list[dict[str, Any]] = field(default_factory=list)  # {file, line, reason}
    vendor_calls: list[VendorCall] = field(default_factory=list)  # model calls that bypass the runtime
    unscanned: list[dict[str, Any]] = field(default_factory=list)  # source files that could not be read


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_LENGTH else flat[: PREVIEW_LENGTH - 1] + "…"


def _is_text(text: str) -> bool:
    """Prose rather than a name: at least two words."""
    return len(text.split()) >= 2


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _is_responses_create(call: ast.Call) -> bool:
    """`client.responses.create(input=...)`: OpenAI's Responses API takes the prompt as `input`."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "create"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "responses"
    )


def _dict_items(node: ast.AST) -> dict[str, ast.AST] | None:
    if isinstance(node, ast.Dict):
        items: dict[str, ast.AST] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                items[key.value] = value
        return items
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return {kw.arg: kw.value for kw in node.keywords if kw.arg}
    return None


class _PythonScan(ast.NodeVisitor):
    def __init__(self, path: str, docstrings: set[int]) -> None:
        self.path = path
        self.docstrings = docstrings
        self.flagged: set[int] = set()  # ids of literal nodes already reported
        self.inline: list[InlinePrompt] = []
        self.refs: list[PromptRef] = []

    def _flag(self, node: ast.AST, text: str, reason: str) -> None:
        if id(node) in self.flagged:
            return
        self.flagged.add(id(node))
        for child in ast.walk(node):
            self.flagged.add(id(child))
        self.inline.append(
            InlinePrompt(
                self.path,
                getattr(node, "lineno", 1),
                getattr(node, "col_offset", 0) + 1,
                reason,
                _preview(text),
            )
        )

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if name in CHAT_CALLS and isinstance(node.func, ast.Attribute):
            # Feature.chat(conversation_id, message, prompt="chat"): the prompt is a keyword, never positional
            first = next((kw.value for kw in node.keywords if kw.arg == "prompt"), None)
            if first is None:
                where = (node.lineno, node.col_offset + 1)
                self.refs.append(PromptRef(DEFAULT_CHAT_PROMPT, self.path, *where, name))
        elif name in RUNTIME_CALLS and isinstance(node.func, ast.Attribute):
            first = (
                node.args[0]
                if node.args
                else next((kw.value for kw in node.keywords if kw.arg in ("prompt", "name")), None)
            )
        else:
            first = None
        if name in RUNTIME_CALLS and isinstance(node.func, ast.Attribute):
            text = literal_text(first) if first is not None else None
            if first is not None and text is not None:
                if isinstance(first, ast.Constant) and _PROMPT_NAME.match(text):
                    self.refs.append(
                        PromptRef(
                            text.split("@")[0].split(":")[0],
                            self.path,
                            first.lineno,
                            first.col_offset + 1,
                            name,
                        )
                    )
                elif text.strip():
                    self._flag(first, text, f"prompt text passed to .{name}() instead of a registered name")
        if name in RUNTIME_CALLS or name in SDK_CALLS:
            for kw in node.keywords:
                if kw.arg in PROMPT_KEYWORDS or (kw.arg == "input" and _is_responses_create(node)):
                    text = literal_text(kw.value)
                    if text is not None and _is_text(text):
                        self._flag(kw.value, text, f"prompt text passed as {kw.arg}= to .{name}()")
        self.generic_visit(node)

    def _visit_message(self, node: ast.AST) -> None:
        items = _dict_items(node)
        if items and "role" in items and "content" in items:
            content = items["content"]
            text = literal_text(content)
            if text is not None and text.strip():
                self._flag(content, text, "chat message with literal content")

    def visit_Dict(self, node: ast.Dict) -> None:
        self._visit_message(node)
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        text = literal_text(node) or ""
        if len(text) >= MIN_LOOKS_LIKE_LENGTH and _LOOKS_LIKE_PROMPT.search(text):
            self._flag(node, text, "f-string that reads like a prompt")
        # the literal parts are Constants that must not be reported a second time
        for child in ast.walk(node):
            self.flagged.add(id(child))

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str) or id(node) in self.docstrings or id(node) in self.flagged:
            return
        if len(node.value) >= MIN_LOOKS_LIKE_LENGTH and _LOOKS_LIKE_PROMPT.search(node.value):
            self._flag(node, node.value, "string literal that reads like a prompt")


def scan_python(text: str, path: str) -> tuple[list[InlinePrompt], list[PromptRef]]:
    """Inline prompts and prompt-name references in one Python source. Raises SyntaxError if unparsable."""
    return _scan_tree(ast.parse(text, filename=path), path)


def _scan_tree(tree: ast.Module, path: str) -> tuple[list[InlinePrompt], list[PromptRef]]:
    scan = _PythonScan(path, _docstring_nodes(tree))
    # dict(role=..., content=...) calls are messages too; visit_Call handles the rest of the call
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
            scan._visit_message(node)
    scan.visit(tree)
    scan.inline.sort(key=lambda p: (p.line, p.column))
    return scan.inline, scan.refs


_JS_MESSAGE = re.compile(
    r"""["']?role["']?\s*:\s*["'`](?:system|user|assistant|developer)["'`]\s*,\s*"""
    r"""["']?content["']?\s*:\s*(["'`])(?P<text>[^"'`]*)"""
)
_JS_LOOKS = re.compile(r"""(["'`])(?P<text>(?:You are (?:a|an|the)|Act as (?:a|an)) [^"'`]{20,})""")
_JS_RUNTIME = re.compile(r"""\.(?P<call>complete|chat)\(\s*(["'`])(?P<text>[^"'`]*)\2""")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def scan_script(text: str, path: str) -> tuple[list[InlinePrompt], list[PromptRef]]:
    """The same heuristics with regexes: for JavaScript/TypeScript, and Python that does not parse."""
    inline: list[InlinePrompt] = []
    refs: list[PromptRef] = []
    seen: set[int] = set()
    for pattern, reason in (
        (_JS_MESSAGE, "chat message with literal content"),
        (_JS_LOOKS, "string literal that reads like a prompt"),
    ):
        for match in pattern.finditer(text):
            start = match.start("text")
            if start in seen or not match.group("text").strip():
                continue
            seen.add(start)
            line, col = _line_col(text, start)
            inline.append(InlinePrompt(path, line, col, reason, _preview(match.group("text"))))
    for match in _JS_RUNTIME.finditer(text):
        start = match.start("text")
        line, col = _line_col(text, start)
        value = match.group("text")
        if _PROMPT_NAME.match(value):
            refs.append(PromptRef(value.split("@")[0].split(":")[0], path, line, col, match.group("call")))
        elif start not in seen and value.strip():
            inline.append(
                InlinePrompt(
                    path,
                    line,
                    col,
                    f"prompt text passed to .{match.group('call')}() instead of a registered name",
                    _preview(value),
                )
            )
    inline.sort(key=lambda p: (p.line, p.column))
    return inline, refs


def is_scanned_source(path: str) -> bool:
    """Application source: Python/JS/TS outside tests, evals and the prompt registry itself."""
    if not path.endswith(_SOURCE_ENDINGS):  # the usual answer, without building a path
        return False
    pure = PurePosixPath(path)
    if pure.suffix not in _PY_SUFFIXES | _SCRIPT_SUFFIXES:
        return False
    if any(part in EXCLUDED_DIRS for part in pure.parts[:-1]):
        return False
    name = pure.name
    return not (
        name.startswith("test_")
        or name.endswith(("_test.py", ".test.ts", ".test.js", ".spec.ts", ".spec.js"))
        or name == "conftest.py"
    )


_Unparsable = dict[str, Any] | None
_FileScan = tuple[tuple[InlinePrompt, ...], tuple[PromptRef, ...], tuple[VendorCall, ...], _Unparsable]
# What one file's scan found, by (path, text): an org-wide scan meets the same template files in every repo,
# and a scan is a pure function of the two (the findings are frozen; `unparsable` is copied on use).
_file_scans: dict[tuple[str, str], _FileScan] = {}
_MEMO_ENTRIES, _MEMO_MAX_CHARS = 512, 256 * 1024


def _scan_file(text: str, rel: str) -> _FileScan:
    key = (rel, text)
    found = _file_scans.get(key)
    if found is not None:
        return found
    unparsable: dict[str, Any] | None = None
    try:
        if rel.endswith(".py"):
            tree = ast.parse(text, filename=rel)
            inline, refs = _scan_tree(tree, rel)
            calls = python_vendor_calls(tree, rel)
        else:
            inline, refs = scan_script(text, rel)
            calls = script_vendor_calls(text, rel)
    except (SyntaxError, ValueError, RecursionError) as exc:
        # still scanned, with the regex heuristics: a syntax error must not hide an inline prompt
        line = getattr(exc, "lineno", None)
        reason = f"not valid Python: {exc.msg}" if isinstance(exc, SyntaxError) else str(exc)
        unparsable = {"file": rel, "line": line, "reason": reason}
        inline, refs = scan_script(text, rel)
        calls = script_vendor_calls(text, rel)
    found = (tuple(inline), tuple(refs), tuple(calls), unparsable)
    if len(text) <= _MEMO_MAX_CHARS:
        if len(_file_scans) >= _MEMO_ENTRIES:
            _file_scans.clear()
        _file_scans[key] = found
    return found


def scan_source(root: Path, files: Iterable[str], texts: dict[str, str] | None = None) -> PromptScan:
    """Scan every application source file among `files` (repo-relative) below `root`."""
    result = PromptScan()
    for rel in files:
        if not is_scanned_source(rel):
            continue
        text, skipped = (texts.get(rel), None) if texts is not None else read_for_scan(root / rel, rel)
        if text is None:
            if texts is not None:
                skipped = read_for_scan(root / rel, rel)[1]
            if skipped is not None and skipped.blocking:
                result.unscanned.append(skipped.as_dict())  # not shown clean: the rules say so
            continue
        result.files_scanned.append(rel)
        inline, refs, calls, unparsable = _scan_file(text, rel)
        if unparsable is not None:
            result.unparsable.append(dict(unparsable))
        result.inline.extend(inline)
        result.refs.extend(refs)
        result.vendor_calls.extend(calls)
    return result
