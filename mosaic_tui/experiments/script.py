"""The reference platform's Python experiment scripts, read by parsing them, never by running
them: two module-level assignments, `operators = [...]` and `execution = {...}`, of literals
and `range(...)` / `list(range(...))`. Anything else in the file is refused with its line.

The result is the same data an experiment TOML file gives (`spec.parse` checks it), with the
reference's names translated: `num_episodes` is `episodes`; a `random` or `passive` player is
a baseline playing `random` or `noop`.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

#: The reference's names for execution keys, as this project's files write them.
EXECUTION_NAMES = {"num_episodes": "episodes"}
#: The reference's scripted player types, as baselines.
PLAYER_TYPES = {"random": "random", "passive": "noop"}
#: The longest `range(...)` a script may write (one seed per episode at most).
MAX_RANGE = 10_000_000
#: The longest list of seeds `convert` writes (a range of step 1 is written as `seed = N`).
MAX_LISTED = 100_000


class ScriptError(ValueError):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.args[0]}"


def read_script(path: Path) -> dict[str, Any]:
    """The experiment in `path` as TOML-shaped data; ScriptError names the line at fault."""
    text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise ScriptError(exc.lineno, f"not valid Python: {exc.msg}") from None
    found: dict[str, Any] = {}
    for index, node in enumerate(tree.body):
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        target = _assigned_name(node)
        if target not in ("operators", "execution"):
            raise ScriptError(
                node.lineno,
                "only `operators = [...]` and `execution = {...}` are read from a script (it"
                " is parsed, never run): remove this statement or write the file as TOML"
                " (`mosaic-tui convert` writes one)",
            )
        found[target] = _literal(node.value)  # type: ignore[attr-defined]
    if "operators" not in found:
        raise ScriptError(None, "no `operators = [...]` in the script")
    return _translate(found)


def _assigned_name(node: ast.stmt) -> str | None:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return node.target.id if isinstance(node.target, ast.Name) else None
    return None


def _literal(node: ast.expr) -> Any:
    """A literal value, or a range of whole numbers as a list."""
    if isinstance(node, ast.Constant) and not isinstance(node.value, (bytes, complex)):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise ScriptError(node.lineno, "`**` in a dict is not read; write the keys out")
        pairs = zip(node.keys, node.values, strict=True)
        return {_key(key): _literal(value) for key, value in pairs}  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id == "list" and len(node.args) == 1:
            return _literal(node.args[0])
        if node.func.id == "range" and 1 <= len(node.args) <= 3:
            bounds = [_literal(arg) for arg in node.args]
            if all(type(b) is int for b in bounds):
                numbers = range(*bounds)
                if len(numbers) > MAX_RANGE:
                    raise ScriptError(node.lineno, f"range of {len(numbers):,} numbers; at most"
                                      f" {MAX_RANGE:,}")  # fmt: skip
                return numbers  # kept a range: `seeds` stays two numbers (see _translate)
    raise ScriptError(
        getattr(node, "lineno", None),
        f"{ast.unparse(node)[:60]!r} is not a literal: a script may hold numbers, strings,"
        " lists, dicts, True/False/None and range(...)",
    )


def _key(node: ast.expr) -> str:
    key = _literal(node)
    if not isinstance(key, str):
        raise ScriptError(node.lineno, f"dict keys must be strings, got {key!r:.40}")
    return key


def _lists(value: Any) -> Any:
    """`value` with every range as a list: only `execution.seeds` may stay a range."""
    if isinstance(value, range):
        return list(value)
    if isinstance(value, list):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value


def _translate(found: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"operators": _lists(found["operators"])}
    execution = found.get("execution")
    if isinstance(execution, dict):
        data["execution"] = {
            EXECUTION_NAMES.get(k, k): v if k == "seeds" else _lists(v)
            for k, v in execution.items()
        }
    elif execution is not None:
        data["execution"] = _lists(execution)  # not a table: the spec says so
    for operator in data["operators"] if isinstance(data["operators"], list) else ():
        workers = operator.get("workers") if isinstance(operator, dict) else None
        for name, player in (workers or {}).items() if isinstance(workers, dict) else ():
            if isinstance(player, dict) and player.get("type") in PLAYER_TYPES:
                workers[name] = {
                    **player,
                    "type": "baseline",
                    "behavior": PLAYER_TYPES[player["type"]],
                }
    return data


def to_toml(data: dict[str, Any]) -> str:
    """The data `read_script` gives, as an experiment TOML file (`mosaic-tui convert`)."""
    lines: list[str] = []
    if "name" in data:
        lines.append(f"name = {_toml(data['name'])}")
    execution = _compact_seeds(data.get("execution") or {})
    if execution:
        lines += ["", "[execution]", *_pairs(execution)]
    for operator in data.get("operators") or []:
        lines += ["", "[[operators]]"]
        lines += _pairs({k: v for k, v in operator.items() if k != "workers"})
        for agent, player in (operator.get("workers") or {}).items():
            lines += ["", f"[operators.workers.{_bare(agent)}]", *_pairs(player)]
    return "\n".join(lines).lstrip("\n") + "\n"


def _compact_seeds(execution: dict[str, Any]) -> dict[str, Any]:
    """`seeds = range(N, M)` as `seed = N` (and `episodes`, one per seed, unless given): the
    same schedule in two numbers, where a list of millions of seeds would take gigabytes."""
    seeds = execution.get("seeds")
    if not isinstance(seeds, range):
        return execution
    if seeds.step != 1:  # no two-number form: the list, as long as the episodes played
        played = seeds[: execution.get("episodes", len(seeds))]
        if len(played) > MAX_LISTED:
            raise ScriptError(
                None,
                f"seeds = range(...) with step {seeds.step} would be written as a list of"
                f" {len(played):,} seeds (at most {MAX_LISTED:,}); use step 1 (written as"
                " `seed = N`) or fewer episodes",
            )
        return {**execution, "seeds": list(played)}
    compact: dict[str, Any] = {} if "episodes" in execution else {"episodes": len(seeds)}
    for key, value in execution.items():  # `seed` where `seeds` was
        compact.update({"seed": seeds.start} if key == "seeds" else {key: value})
    return compact


def _pairs(table: dict[str, Any]) -> list[str]:
    """`key = value` lines; a None is left out (TOML has none: absent is the default)."""
    return [f"{_bare(k)} = {_toml(v)}" for k, v in table.items() if v is not None]


def _bare(key: str) -> str:
    """A key as TOML writes it: bare when it can be, quoted otherwise."""
    plain = key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key)
    return key if plain else _toml(key)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # TOML basic strings escape the same way
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_bare(k)} = {_toml(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if value is None:
        raise ScriptError(None, "None has no TOML form: leave the key out instead")
    raise ScriptError(None, f"{type(value).__name__} {value!r:.40} has no TOML form")
