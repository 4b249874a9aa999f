"""Price tables in LiteLLM's `model_prices_and_context_window.json` field names, dated and versioned.

Three layers, later ones winning per model:
1. the table shipped with platform-cli (`policies/model-prices.json`: every model the lifecycle table knows,
   taken from LiteLLM's own file; its `source` and `as_of` say which release and when);
2. the feature repo's committed `prices.json` (written by `platform cost prices import FILE`), so a team
   can add a self-hosted model or take a newer LiteLLM file without waiting for a platform-cli release,
   and CI and every replica price alike;
3. nothing else: a model in neither is UNPRICED (reported as such, never $0).

A table's `version` is a hash of the prices it holds (not of metadata), so two processes with the same
prices record the same version on their usage events, and `platform cost reprice` can tell which events a
price change affects.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from platform_cli.errors import InvalidFile, Problem, UserError
from platform_cli.jsonfile import load_json
from platform_cli.resources import policies_dir

BUNDLED_NAME = "model-prices.json"
REPO_PRICES = "prices.json"
# The per-token fields we price with, in LiteLLM's names. Other LiteLLM fields are kept as they came.
PRICE_FIELDS = (
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "output_cost_per_reasoning_token",
)
KEPT_FIELDS = (*PRICE_FIELDS, "litellm_provider", "mode", "max_input_tokens", "max_output_tokens", "source")
MAX_FILE_BYTES = 64 * 1024 * 1024  # LiteLLM's full file is ~3.5 MB; refuse anything absurd


@dataclass(frozen=True)
class ModelPrice:
    """USD per token for one model. None: the table gives no price for that bucket."""

    model: str
    input_cost_per_token: float
    output_cost_per_token: float
    cache_read_input_token_cost: float | None = None
    cache_creation_input_token_cost: float | None = None
    output_cost_per_reasoning_token: float | None = None
    litellm_provider: str | None = None
    mode: str | None = None
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    source: str | None = None

    def per_million(self) -> dict[str, float | None]:
        """The prices as USD per 1M tokens (how vendors publish them)."""
        return {
            name.replace("_per_token", "").replace("_token_cost", ""): (
                None if value is None else round(value * 1e6, 6)
            )
            for name in PRICE_FIELDS
            if (value := getattr(self, name)) is not None or name in PRICE_FIELDS[:2]
        }

    def as_litellm(self) -> dict[str, Any]:
        """The entry in LiteLLM's field names (None fields left out)."""
        return {name: value for name in KEPT_FIELDS if (value := getattr(self, name)) is not None}


@dataclass(frozen=True)
class PriceTable:
    """Model id -> price. `version` is a content hash of the prices; `as_of`/`source` say where from."""

    prices: Mapping[str, ModelPrice]
    as_of: str
    source: str
    layers: tuple[str, ...] = field(default=())

    @functools.cached_property
    def version(self) -> str:
        canonical = json.dumps(
            {model: price.as_litellm() for model, price in sorted(self.prices.items())}, sort_keys=True
        )
        return "p-" + hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def lookup(self, model: str | None) -> ModelPrice | None:
        """The price of `model`, also when a router writes it with a vendor prefix (`openai/gpt-4o-...`)."""
        if not model:
            return None
        return self.prices.get(model) or self.prices.get(model.rsplit("/", 1)[-1])

    def missing(self, models: Iterable[str]) -> list[str]:
        """The models of `models` this table cannot price, in order, without repeats."""
        return [m for m in dict.fromkeys(models) if self.lookup(m) is None]

    def document(self) -> dict[str, Any]:
        """The table as a file: metadata, then the models in LiteLLM's format."""
        return {
            "as_of": self.as_of,
            "source": self.source,
            "version": self.version,
            "models": {model: price.as_litellm() for model, price in sorted(self.prices.items())},
        }


def bundled_path() -> Path:
    return policies_dir() / BUNDLED_NAME


def _line_of(text: str, key: str) -> int | None:
    at = text.find(json.dumps(key))
    return None if at < 0 else text.count("\n", 0, at) + 1


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def parse_entries(
    data: Mapping[str, Any], *, display: str, text: str = "", strict: bool = True
) -> tuple[dict[str, ModelPrice], list[Problem]]:
    """Model entries of a LiteLLM-format mapping -> prices, plus every problem found (file:line located).

    Entries without both input and output per-token prices (images, audio-per-second, `sample_spec`) are
    skipped when `strict` is False (a full LiteLLM file has thousands of them); with `strict` they are
    problems. A price that is negative, not a number or not finite is always a problem.
    """
    prices: dict[str, ModelPrice] = {}
    problems: list[Problem] = []
    for model, entry in data.items():
        if model == "sample_spec":
            continue
        # the entry's line, worked out only for a problem (a full table has hundreds of clean entries)
        where = _line_of(text, model) if text and not _clean(entry) else None
        if not isinstance(entry, Mapping):
            problems.append(Problem(display, where, None, f"$.{model}", "an entry must be a mapping"))
            continue
        values: dict[str, float | None] = {}
        bad = False
        for name in PRICE_FIELDS:
            raw = entry.get(name)
            if raw is None:
                values[name] = None
                continue
            values[name] = _number(raw)
            if values[name] is None:
                problems.append(
                    Problem(
                        display, where, None, f"$.{model}.{name}", f"{raw!r} is not a price",
                        "write USD per token as a number >= 0, e.g. 2.5e-06 for $2.50 per 1M tokens",
                    )
                )  # fmt: skip
                bad = True
        if bad:
            continue
        if values["input_cost_per_token"] is None or values["output_cost_per_token"] is None:
            if strict:
                problems.append(
                    Problem(
                        display, where, None, f"$.{model}",
                        "needs input_cost_per_token and output_cost_per_token",
                        "LiteLLM's field names, USD per token",
                    )
                )  # fmt: skip
            continue
        prices[model] = ModelPrice(
            model=model,
            input_cost_per_token=float(values["input_cost_per_token"] or 0.0),
            output_cost_per_token=float(values["output_cost_per_token"] or 0.0),
            cache_read_input_token_cost=values["cache_read_input_token_cost"],
            cache_creation_input_token_cost=values["cache_creation_input_token_cost"],
            output_cost_per_reasoning_token=values["output_cost_per_reasoning_token"],
            litellm_provider=_text(entry.get("litellm_provider")),
            mode=_text(entry.get("mode")),
            max_input_tokens=_int(entry.get("max_input_tokens")),
            max_output_tokens=_int(entry.get("max_output_tokens")),
            source=_text(entry.get("source")),
        )
    return prices, problems


def _clean(entry: Any) -> bool:
    """True when `parse_entries` finds no problem in `entry` whatever `strict` is (a priced mapping)."""
    if not isinstance(entry, Mapping):
        return False
    if any(entry.get(name) is not None and _number(entry.get(name)) is None for name in PRICE_FIELDS):
        return False
    return _number(entry.get("input_cost_per_token")) is not None and (
        _number(entry.get("output_cost_per_token")) is not None
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_json(path: Path, what: str) -> tuple[Any, str]:
    """Parse a JSON file (bounded in size); a syntax error is reported at its line and column, exit 2."""
    text = _read_text(path, what)
    return load_json(path, text=text, what=what).data, text


def _read_text(path: Path, what: str) -> str:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise UserError(f"{path}: cannot read the {what}: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise UserError(f"{path}: {size} bytes is too large for a {what} (at most {MAX_FILE_BYTES})")
    return path.read_text(encoding="utf-8", errors="replace")


# Remembered tables: what a clean load of a text depends on besides the text (this code's and the JSON
# loader's stamps), and the order of a ModelPrice's fields in a remembered row.
_MEMO_MODULES = ("platform_cli.cost.prices", "platform_cli.jsonfile", "platform_cli.yamlbuild")
_MEMO_REVISION = 1
_ROW_FIELDS = tuple(f.name for f in fields(ModelPrice))
# What each field of a remembered row must hold (type, None allowed), in _ROW_FIELDS' order (a test holds
# the two together): an entry is data read back from a cache that may have been damaged or restored from
# elsewhere, so every value is checked as the full load would have made it; anything else means a full load.
_ROW_KINDS: tuple[tuple[type, bool], ...] = (
    (str, False), (float, False), (float, False), (float, True), (float, True), (float, True),
    (str, True), (str, True), (int, True), (int, True), (str, True),
)  # fmt: skip


def _memo_entry(text: str) -> str:
    from platform_cli import __version__
    from platform_cli.usercache import entry_path, library_key

    libraries = library_key(*_MEMO_MODULES)
    return entry_path("prices", __version__, str(_MEMO_REVISION), libraries, text, suffix=".json")


def _recall(text: str, display: str) -> PriceTable | None:
    """The table `text` loaded as before, or None (never loaded clean, or the entry is unusable)."""
    try:
        with open(_memo_entry(text), encoding="utf-8") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            return None
        kept = json.loads(raw)
        rows, as_of, source, version = kept["models"], kept["as_of"], kept["source"], kept["version"]
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return None
    if not (type(as_of) is str and type(source) is str and _is_version(version)):
        return None
    if type(rows) is not list or not all(_row_ok(row) for row in rows):
        return None
    prices = {row[0]: ModelPrice(*row) for row in rows}
    if len(prices) != len(rows):
        return None
    table = PriceTable(prices, as_of, source, (display,))
    table.__dict__["version"] = version  # what the cached property would compute from these prices
    return table


def _is_version(value: Any) -> bool:
    """`p-` and 12 lowercase hex digits, as `PriceTable.version` writes it."""
    return (
        type(value) is str
        and len(value) == 14
        and value[:2] == "p-"
        and not value[2:].strip("0123456789abcdef")
    )


def _row_ok(row: Any) -> bool:
    if type(row) is not list or len(row) != len(_ROW_KINDS):
        return False
    for value, (kind, optional) in zip(row, _ROW_KINDS, strict=True):
        if value is None:
            if not optional:
                return False
        elif type(value) is not kind or not _sane(value):
            return False
    return True


def _sane(value: object) -> bool:
    """A price is finite and not negative (what `_number` lets through); other values need nothing more."""
    return not isinstance(value, float) or (math.isfinite(value) and value >= 0)


def _remember(text: str, table: PriceTable) -> None:
    """Keep a clean load of `text` (best effort: a read-only cache only costs speed)."""
    from platform_cli.usercache import keep

    rows = [[getattr(price, name) for name in _ROW_FIELDS] for price in table.prices.values()]
    document = {"as_of": table.as_of, "source": table.source, "version": table.version, "models": rows}
    try:
        encoded = json.dumps(document, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return
    keep(_memo_entry(text), encoded)


def load_table_file(path: Path, *, what: str = "price table") -> PriceTable:
    """A table file as written by `document()` (as_of, source, models in LiteLLM's format).

    A text that loaded clean before (under this code) is not parsed, checked and hashed again: its prices,
    metadata and version are remembered in the user cache. Every readiness check reads the shipped table
    (its budget fact names the unpriced models and the table's version), and loading it cost about 30M
    instructions, a twentieth of a check. A text with a problem is never remembered."""
    text = _read_text(path, what)
    display = str(path)
    remembered = _recall(text, display)
    if remembered is not None:
        return remembered
    table = _load_table_text(path, text, what, display)
    _remember(text, table)
    return table


def _load_table_text(path: Path, text: str, what: str, display: str) -> PriceTable:
    data = load_json(path, text=text, what=what).data
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise InvalidFile(
            display,
            [Problem(display, 1, 1, "$", "expected {as_of, source, models: {MODEL: {...}}}",
                     "write it with `platform cost prices import FILE`")],
            what,
        )  # fmt: skip
    prices, problems = parse_entries(data["models"], display=display, text=text)
    if problems:
        raise InvalidFile(display, problems, what)
    return PriceTable(prices, str(data.get("as_of") or ""), str(data.get("source") or ""), (display,))


@functools.lru_cache(maxsize=16)
def _cached(path: Path, mtime_ns: int) -> PriceTable:
    return load_table_file(path)


def load_bundled() -> PriceTable:
    path = bundled_path()
    return _cached(path, path.stat().st_mtime_ns)


def effective_table(repo_root: Path | None = None) -> PriceTable:
    """The bundled table overlaid by the repo's `prices.json` when there is one (cached per file version)."""
    base = load_bundled()
    local = (repo_root / REPO_PRICES) if repo_root is not None else None
    if local is None or not local.is_file():
        return base
    override = _cached(local.resolve(), local.stat().st_mtime_ns)
    merged = {**base.prices, **override.prices}
    return PriceTable(
        merged,
        as_of=max(base.as_of, override.as_of),
        source=f"{base.source}; overridden by {REPO_PRICES}: {override.source}",
        layers=(*base.layers, *override.layers),
    )


def select_entries(
    found: Mapping[str, ModelPrice], wanted: Iterable[str] | None
) -> tuple[dict[str, ModelPrice], list[str]]:
    """The entries of `found` for `wanted` models (all when None) and the wanted models it lacks."""
    if wanted is None:
        return dict(found), []
    chosen: dict[str, ModelPrice] = {}
    absent: list[str] = []
    for model in dict.fromkeys(wanted):
        price = found.get(model) or found.get(model.rsplit("/", 1)[-1])
        if price is None:
            absent.append(model)
        else:
            chosen[model] = price if price.model == model else _renamed(price, model)
    return chosen, absent


def _renamed(price: ModelPrice, model: str) -> ModelPrice:
    from dataclasses import replace

    return replace(price, model=model)


def today() -> str:
    from platform_cli.clock import utc_today

    return utc_today().isoformat()
