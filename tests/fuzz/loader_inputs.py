"""Hypothesis strategies for hostile file contents: YAML/JSON fragments an attacker or a careless user
writes, spliced into valid files, plus raw bytes. Used by the loader property tests and `make fuzz`."""

from __future__ import annotations

from hypothesis import strategies as st

# Tokens that once ended in an internal error, a hang or silently accepted data somewhere.
HOSTILE_SCALARS = [
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!pairs [a: 1]",
    "!!float x",
    "!!float 1e",
    "!!int x",
    "!!int 1.5",
    "!!int 0x",
    "!!bool x",
    "!!null x",
    "!!str [a]",
    "!!map [a]",
    "!!seq {a: 1}",
    "!!timestamp x",
    "!!python/object:os.system {}",
    "!!python/name:os.system",
    "!!python/object/apply:os.system [id]",
    "!custom x",
    "!<tag:yaml.org,2002:binary> aGk=",
    ".nan",
    ".NaN",
    "-.inf",
    ".Inf",
    "1.0e+999",
    "-1.0e+999",
    "9" * 20,
    "-" + "9" * 25,
    "9" * 5000,
    "1" + "0" * 400 + ".5",
    "0x" + "f" * 40,
    "0b" + "1" * 100,
    "0o777777777777777777777777",
    "190:20:30",
    "1_000_000",
    "2025-13-01",
    "2025-02-30T25:61:00Z",
    "~",
    "null",
    "yes",
    "on",
    "''",
    '""',
    '"\\x00"',
    '"\\ud800"',
    '"\\U0010ffff"',
    "'unterminated",
    '"unterminated',
    "[",
    "{",
    "]",
    "}",
    "[a, [b, {c: [d",
    "*undefined",
    "&a",
    "*a",
    "&a [*a]",
    "? [a, b]",
    "? {a: b}",
    "<<: *a",
    "<<: [1, 2]",
    "@at",
    "`tick",
    "%TAG ! tag:example.com,2000:",
    "--- x",
    "...",
    "|",
    ">-",
    "\t",
    "\x07",
    "\x00",
    "\x1b[31m",
    "\ufeff",
    "\u2028",
    "\x85",
    "é",
    "🙂",
    "",
]
HOSTILE_JSON = [
    "NaN",
    "-Infinity",
    "Infinity",
    "1e999",
    "9" * 5000,
    "9" * 25,
    '"\\ud800"',
    "[" * 200 + "]" * 200,
    '{"a": 1, "a": 2}',
    "{",
    "[1,]",
    "'single'",
    "true",
    "null",
    "{}",
    "[]",
    '"x"',
]

_KEYS = st.sampled_from(["name", "spec", "a", "b", "on", "1", "<<", "model", "variables", "waivers", "x y"])
_PLAIN = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
scalars = st.one_of(st.sampled_from(HOSTILE_SCALARS), _PLAIN)


def _laughs(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    """A whole YAML document built from hostile pieces: block and flow collections, deep nesting,
    aliases (and alias bombs), duplicate keys, tags."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return _laughs(draw(st.integers(2, 10)))
    if kind == 1:
        depth = draw(st.integers(1, 1200))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("- ", "")]))
        if opener == "- ":
            return "".join("  " * i + "- \n" for i in range(min(depth, 600))) + "  " * depth + "x\n"
        return "k: " + opener * depth + "x" + closer * depth + "\n"
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        indent = "  " * draw(st.integers(0, 3))
        key = draw(_KEYS)
        value = draw(scalars)
        form = draw(st.integers(0, 3))
        if form == 0:
            lines.append(f"{indent}{key}: {value}")
        elif form == 1:
            lines.append(f"{indent}- {value}")
        elif form == 2:
            lines.append(f"{indent}{key}: [{value}, {draw(scalars)}]")
        else:
            lines.append(f"{indent}{key}: {{{draw(_KEYS)}: {value}}}")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n", "\r\n"]))


@st.composite
def spliced(draw: st.DrawFn, valid: str) -> str:
    """`valid` with one line replaced by, or extended with, a hostile fragment (keeps most structure, so
    the schema and the checks after it see the bad value too)."""
    lines = valid.splitlines()
    index = draw(st.integers(0, max(0, len(lines) - 1)))
    line = lines[index] if lines else ""
    fragment = draw(scalars)
    how = draw(st.integers(0, 3))
    if how == 0 and ": " in line:
        lines[index] = line.split(": ", 1)[0] + ": " + fragment
    elif how == 1:
        lines.insert(index, line[: len(line) - len(line.lstrip())] + fragment)
    elif how == 2:
        lines[index] = line + fragment
    else:
        lines.insert(index, lines[index] if lines else fragment)  # a duplicated key or item
    return "\n".join(lines) + "\n"


def file_bytes(valid: str) -> st.SearchStrategy[bytes]:
    """Contents for a file whose valid form is `valid`: whole hostile documents, splices of `valid`,
    raw bytes (including invalid UTF-8), and JSON oddities."""
    text = st.one_of(yaml_documents(), spliced(valid), st.sampled_from(HOSTILE_JSON), _PLAIN)
    return st.one_of(
        text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.binary(max_size=200),
        spliced(valid).map(lambda t: t.encode("utf-8") + b"\xff\xfe"),
    )


def json_bytes(valid: str) -> st.SearchStrategy[bytes]:
    """Contents for a JSON file: hostile JSON values spliced into `valid`, documents, raw bytes."""

    @st.composite
    def splice(draw: st.DrawFn) -> str:
        token = draw(st.sampled_from(HOSTILE_JSON) | scalars)
        cut = draw(st.integers(0, len(valid)))
        how = draw(st.integers(0, 2))
        if how == 0:
            return valid[:cut] + token + valid[cut:]
        if how == 1:
            return valid.replace(": ", f": {token}, ", 1) if ": " in valid else token
        return token

    return st.one_of(
        splice().map(lambda t: t.encode("utf-8", "surrogatepass")),
        yaml_documents().map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.binary(max_size=200),
    )
