"""The plan file the helper hands back to a launcher: JSON, or a Lua chunk ``return {…}``.

Resolve's Lua has no JSON reader, so the Lua launcher asks for ``plan.lua`` and loads it with
``dofile``; the Python launcher asks for ``plan.json``. Same values either way; ``None``
becomes an absent key (``nil``), lists are Lua sequences (counted from 1).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from lipsync.integrations.resolve.settings import write_atomic


def write_plan(path: Path, plan: dict) -> Path:
    if path.suffix.lower() == ".lua":
        text = "return " + to_lua(plan) + "\n"
    else:
        text = json.dumps(plan, indent=2) + "\n"
    return write_atomic(path, text)


def to_lua(value: object, indent: str = "") -> str:
    """A Lua literal of ``value`` (dicts, lists, strings, numbers, booleans, None)."""
    inner = indent + "  "
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "nil"
        return repr(value)
    if isinstance(value, str):
        return lua_string(value)
    if isinstance(value, dict):
        parts = [
            f"{inner}[{lua_string(str(k))}] = {to_lua(v, inner)}"
            for k, v in value.items()
            if v is not None
        ]
        return "{\n" + ",\n".join(parts) + "\n" + indent + "}" if parts else "{}"
    if isinstance(value, list | tuple):
        parts = [f"{inner}{to_lua(v, inner)}" for v in value]
        return "{\n" + ",\n".join(parts) + "\n" + indent + "}" if parts else "{}"
    raise TypeError(f"no Lua literal for {type(value).__name__}")


def lua_string(text: str) -> str:
    """A double-quoted Lua string: backslash, quote and control characters escaped as decimal
    byte escapes, which Lua 5.1 (Resolve's LuaJIT) and 5.4 read alike; UTF-8 kept as bytes."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if ch in '\\"':
            out.append("\\" + ch)
        elif byte < 32 or byte == 127:
            out.append(f"\\{byte:03d}")
        elif byte < 128:
            out.append(ch)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'
