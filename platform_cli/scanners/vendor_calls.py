"""Find model calls that bypass the runtime: vendor SDK calls and HTTP requests to vendor API hosts.

A feature must call models through `Feature.complete()/chat()`, which serves only the pinned models of
ai-feature.yaml and prompts from the registry. A direct call (a `requests.post` to
https://api.openai.com/... with `json={"model": "gpt-4o", ...}`, `client.chat.completions.create`,
`anthropic.Anthropic().messages.create`, a `fetch` to a vendor host) chooses its own model and builds its
own prompt, so readiness fails it under `model-pinned` and `prompts-registered`. Python is read with `ast`,
JS/TS with regexes.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["VENDOR_HOSTS", "VendorCall", "python_vendor_calls", "script_vendor_calls"]

VENDOR_HOSTS = (
    "api.openai.com",
    "openai.azure.com",
    "api.anthropic.com",
    "generativelanguage.googleapis.com",
    "aiplatform.googleapis.com",
    "bedrock-runtime.",
    "api.mistral.ai",
    "api.cohere.ai",
    "api.cohere.com",
    "api.groq.com",
    "openrouter.ai",
    "api.together.xyz",
    "api.together.ai",
    "api.deepseek.com",
    "api.x.ai",
    "api.perplexity.ai",
    "api.fireworks.ai",
    "inference.ai.azure.com",
    "api-inference.huggingface.co",
    "router.huggingface.co",
)
# Modules whose import makes a file a direct model client.
SDK_MODULES = frozenset(
    {
        "openai",
        "anthropic",
        "google.generativeai",
        "google.genai",
        "vertexai",
        "mistralai",
        "cohere",
        "groq",
        "litellm",
        "together",
        "langchain_openai",
        "langchain_anthropic",
        "langchain_google_genai",
        "langchain_mistralai",
    }
)
# Call chains that are model calls on an SDK client (matched on the last attribute names).
SDK_CHAINS = (
    ("chat", "completions", "create"),
    ("chat", "completions", "parse"),
    ("completions", "create"),
    ("responses", "create"),
    ("responses", "parse"),
    ("messages", "create"),
    ("messages", "stream"),
    ("models", "generate_content"),
    ("generate_content",),
    ("chat", "complete"),
    ("chat", "stream"),
    ("completion",),
    ("acompletion",),
    ("invoke_model",),
    ("converse",),
)
SDK_CONSTRUCTORS = frozenset({"ChatOpenAI", "ChatAnthropic", "ChatGoogleGenerativeAI", "ChatMistralAI"})


@dataclass(frozen=True)
class VendorCall:
    """A model call outside the runtime: where, how, and the model it names (when it is a literal)."""

    file: str
    line: int
    column: int
    via: str
    model: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": "vendor-call",
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "via": self.via,
            "model": self.model,
        }


def vendor_host(text: str) -> str | None:
    """The vendor API host `text` names, if any."""
    lowered = text.lower()
    return next((host.rstrip(".") for host in VENDOR_HOSTS if host in lowered), None)


def _chain(func: ast.AST) -> list[str]:
    names: list[str] = []
    while isinstance(func, ast.Attribute):
        names.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        names.append(func.id)
    elif isinstance(func, ast.Call):
        names.extend(reversed(_chain(func.func)))  # Anthropic().messages.create(...)
    return list(reversed(names))


def literal_text(node: ast.AST) -> str | None:
    """The literal text of a str constant or an f-string's literal parts; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal_text(node.left), literal_text(node.right)
        if left is not None or right is not None:
            return (left or "") + (right or "")
    return None


def _model_of(call: ast.Call) -> str | None:
    """A literal model id passed to `call`: model=..., or "model" in a json=/data=/body= dict literal."""
    for keyword in call.keywords:
        if keyword.arg in ("model", "model_id", "modelId", "model_name"):
            text = literal_text(keyword.value)
            if text:
                return text
        if keyword.arg in ("json", "data", "body") and isinstance(keyword.value, ast.Dict):
            for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "model":
                    return literal_text(value)
    return None


def _imports_sdk(tree: ast.AST) -> str | None:
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            for module in SDK_MODULES:
                if name == module or name.startswith(module + "."):
                    return module
    return None


def python_vendor_calls(tree: ast.AST, path: str) -> list[VendorCall]:
    """Every direct model call in a parsed Python module."""
    sdk = _imports_sdk(tree)
    found: list[VendorCall] = []
    seen: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        chain = _chain(node.func)
        where = (node.lineno, node.col_offset + 1)
        url_host = next(
            (
                h
                for arg in (*node.args, *(k.value for k in node.keywords))
                if (h := vendor_host(literal_text(arg) or ""))
            ),
            None,
        )
        if url_host:
            found.append(VendorCall(path, *where, f"HTTP to {url_host} ({'.'.join(chain)})", _model_of(node)))
            seen.update(id(n) for n in ast.walk(node))
            continue
        specific = any(tuple(chain[-len(c) :]) == c for c in SDK_CHAINS[:5])
        sdk_call = sdk is not None and any(tuple(chain[-len(c) :]) == c for c in SDK_CHAINS)
        constructor = bool(chain) and chain[-1] in SDK_CONSTRUCTORS
        if specific or sdk_call or constructor:
            found.append(
                VendorCall(path, *where, f"{sdk or 'a vendor SDK'}: {'.'.join(chain)}()", _model_of(node))
            )
    for node in ast.walk(tree):
        if id(node) in seen or not isinstance(node, (ast.Constant, ast.JoinedStr)):
            continue
        if isinstance(node, ast.JoinedStr):
            seen.update(id(n) for n in ast.walk(node))
        text = literal_text(node) or ""
        host = vendor_host(text)
        # a URL or a bare host, not prose that mentions one (prose has spaces)
        if host and not any(c.isspace() for c in text):
            found.append(VendorCall(path, node.lineno, node.col_offset + 1, f"a URL of {host}"))
    found.sort(key=lambda c: (c.line, c.column))
    return found


_JS_URL = re.compile(r"""(["'`])(?P<url>https?://[^"'`\s]+)\1""")
_JS_SDK = re.compile(
    r"""new\s+(?P<ctor>OpenAI|AzureOpenAI|Anthropic|GoogleGenerativeAI|Mistral|Groq)\s*\("""
    r"""|\.(?P<chain>chat\.completions\.create|responses\.create|messages\.create|generateContent)\s*\("""
)
_JS_MODEL = re.compile(r"""\bmodel\s*:\s*(["'`])(?P<model>[^"'`]+)\1""")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def script_vendor_calls(text: str, path: str) -> list[VendorCall]:
    """The same for JavaScript/TypeScript (and Python that does not parse), by regex."""
    found: list[VendorCall] = []
    for match in _JS_URL.finditer(text):
        host = vendor_host(match.group("url"))
        if host:
            model = _JS_MODEL.search(text, match.end(), match.end() + 400)
            found.append(
                VendorCall(
                    path,
                    *_line_col(text, match.start("url")),
                    f"HTTP to {host}",
                    model and model.group("model"),
                )
            )
    for match in _JS_SDK.finditer(text):
        model = _JS_MODEL.search(text, match.end(), match.end() + 400)
        what = f"new {match.group('ctor')}()" if match.group("ctor") else f".{match.group('chain')}()"
        found.append(
            VendorCall(
                path, *_line_col(text, match.start()), f"a vendor SDK: {what}", model and model.group("model")
            )
        )
    found.sort(key=lambda c: (c.line, c.column))
    return found
