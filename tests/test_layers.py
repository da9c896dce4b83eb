"""The layer order, enforced: a lower layer never imports a higher one, workers never each other.

`mosaic_tui/` is layered `protocol < core < envs < runtime < telemetry < render < experiments <
app < cli`: each folder imports only those before it (or itself). Workers (`workers/*`) are
separate programs that speak the protocol; they import `mosaic_tui.protocol` (the env worker
also `mosaic_tui.envs`, the catalogue of the environments it hosts; the baseline worker too, to
count a `--task`'s actions when the reference GUI leaves them out), their own package and
`worker_common`, the one place for code two workers share — never another worker.

Every import counts: at module level, inside functions (lazy imports), under `TYPE_CHECKING`,
and `importlib.import_module("...")` / `__import__("...")` with a literal name. The checker is
plain `ast` rather than import-linter so that it needs no extra dependency or CI step, runs in
the ordinary pytest run, and can state the worker rules (per-worker allowances, one common
package) that import-linter's contracts would need several separate contracts for.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "mosaic_tui"
LAYERS = ("protocol", "core", "envs", "runtime", "telemetry", "render", "experiments", "app", "cli")
COMMON = "worker_common"
# The mosaic_tui layers a worker may import; any worker not named here gets the default.
WORKER_LAYERS = {"env_worker": ("protocol", "envs"), "baseline_worker": ("protocol", "envs")}
DEFAULT_WORKER_LAYERS = ("protocol",)
# Modules straight under mosaic_tui/: the root package sits below every layer (importing
# `mosaic_tui` must not pull in a layer), `python -m mosaic_tui` sits on top of them all.
ROOT_MODULES = {"__init__.py": -1, "__main__.py": len(LAYERS)}


@dataclass(frozen=True)
class Violation:
    path: str  # relative to the scanned root
    line: int
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.imported}: {self.rule}"


def module_name(root: Path, path: Path) -> tuple[str, bool]:
    """Dotted module name of `path` (under root or root/workers) and whether it is a package."""
    rel = path.relative_to(root)
    parts = list(rel.with_suffix("").parts)
    if parts[0] == "workers":
        parts = parts[1:]
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def imports(tree: ast.AST, name: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, absolute dotted name) of everything the module imports, wherever it does it."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from mosaic_tui import app` imports the app layer, not just mosaic_tui
                yield node.lineno, base if alias.name == "*" else f"{base}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            arg = node.args[0]
            if called in ("import_module", "__import__") and isinstance(arg, ast.Constant):
                if isinstance(arg.value, str) and not arg.value.startswith("."):
                    yield node.lineno, arg.value


def layer_of(dotted: str) -> str | None:
    """The mosaic_tui layer a dotted name lies in (None for the root package itself)."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def check_tree(root: Path) -> tuple[list[Violation], set[str], set[str]]:
    """Violations under root/mosaic_tui and root/workers, plus the layers and workers seen."""
    violations: list[Violation] = []
    seen_layers: set[str] = set()
    workers_dir = root / "workers"
    workers = (
        {p.parent.name for p in workers_dir.glob("*/__init__.py")}
        if workers_dir.is_dir()
        else set()
    )

    def report(path: Path, line: int, imported: str, rule: str) -> None:
        violations.append(Violation(path.relative_to(root).as_posix(), line, imported, rule))

    for path in sorted((root / PACKAGE).rglob("*.py")):
        rel = path.relative_to(root / PACKAGE).parts
        if len(rel) == 1:
            if rel[0] not in ROOT_MODULES:
                report(
                    path, 1, "-", f"{PACKAGE}/{rel[0]} is in no layer; move it into one of {LAYERS}"
                )
                continue
            own, own_name = ROOT_MODULES[rel[0]], f"the {PACKAGE} package root"
        elif rel[0] not in LAYERS:
            report(
                path, 1, "-", f"{PACKAGE}/{rel[0]}/ is not a layer; add it to the order {LAYERS}"
            )
            continue
        else:
            seen_layers.add(rel[0])
            own, own_name = LAYERS.index(rel[0]), f"layer {rel[0]!r}"
        name, is_package = module_name(root, path)
        for line, imported in imports(ast.parse(path.read_text(), str(path)), name, is_package):
            top = imported.split(".")[0]
            if top in workers:
                report(
                    path,
                    line,
                    imported,
                    f"{PACKAGE} never imports a worker package; workers run as subprocesses",
                )
            elif top == PACKAGE and (layer := layer_of(imported)) is not None:
                if LAYERS.index(layer) > own:
                    report(
                        path,
                        line,
                        imported,
                        f"{own_name} may not import the higher layer {layer!r}"
                        f" (order: {' < '.join(LAYERS)})",
                    )

    for worker in sorted(workers):
        # worker_common serves every worker, so it gets no allowance beyond the default
        allowed = (
            DEFAULT_WORKER_LAYERS
            if worker == COMMON
            else WORKER_LAYERS.get(worker, DEFAULT_WORKER_LAYERS)
        )
        for path in sorted((workers_dir / worker).rglob("*.py")):
            name, is_package = module_name(root, path)
            for line, imported in imports(ast.parse(path.read_text(), str(path)), name, is_package):
                top = imported.split(".")[0]
                if top in workers and top not in (worker, COMMON):
                    report(
                        path,
                        line,
                        imported,
                        f"workers do not import each other ({worker} imports {top});"
                        f" move the shared code into workers/{COMMON}/",
                    )
                elif top == PACKAGE and (layer := layer_of(imported)) not in (None, *allowed):
                    report(
                        path,
                        line,
                        imported,
                        f"{worker} may import only "
                        f"{', '.join(f'{PACKAGE}.{a}' for a in allowed)} from {PACKAGE},"
                        f" not {PACKAGE}.{layer}",
                    )
    return violations, seen_layers, workers


# --------------------------------------------------------------------------- the project itself


def test_the_project_keeps_its_layer_order_and_its_workers_apart() -> None:
    violations, seen_layers, workers = check_tree(ROOT)
    # The scan is not vacuous: it saw every layer and every worker package.
    assert seen_layers == set(LAYERS)
    assert {"env_worker", "baseline_worker", "llm_worker", COMMON} <= workers
    assert not violations, "layer rule broken:\n" + "\n".join(map(str, violations))


# --------------------------------------------------------------------------- the checker


def write(root: Path, files: dict[str, str]) -> None:
    for rel, source in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


CLEAN = {
    "mosaic_tui/__init__.py": '"""root"""\n',
    "mosaic_tui/__main__.py": "from mosaic_tui.cli import main\n",
    **{f"mosaic_tui/{layer}/__init__.py": "" for layer in LAYERS},
    "mosaic_tui/core/model.py": "from mosaic_tui.protocol import Step\nimport numpy\n",
    "mosaic_tui/runtime/run.py": """\
        import json
        from mosaic_tui.core.model import x
        from ..envs import catalog
        def later():
            from mosaic_tui import protocol
    """,
    "mosaic_tui/telemetry/rec.py": "import mosaic_tui.runtime.run\n",
    "mosaic_tui/cli/main.py": "from mosaic_tui.app import App\nimport mosaic_tui\n",
    "workers/a_worker/__init__.py": "",
    "workers/a_worker/cli.py": """\
        from a_worker import helpers
        from worker_common.policies import Policy
        from mosaic_tui.protocol import Error
        from mosaic_tui.protocol.stdio import WorkerChannel
    """,
    "workers/env_worker/__init__.py": "",
    "workers/env_worker/cli.py": "from mosaic_tui.envs import make_env\nimport worker_common\n",
    "workers/worker_common/__init__.py": "",
    "workers/worker_common/policies.py": "import numpy\nfrom mosaic_tui.protocol import limits\n",
}


def test_a_clean_tree_has_no_violations(tmp_path: Path) -> None:
    write(tmp_path, CLEAN)
    violations, layers, workers = check_tree(tmp_path)
    assert violations == []
    assert layers == set(LAYERS) and workers == {"a_worker", "env_worker", COMMON}


@pytest.mark.parametrize(
    ("path", "source", "line", "imported", "rule"),
    [
        pytest.param(
            "mosaic_tui/core/bad.py",
            "import os\nfrom mosaic_tui.runtime.process import WorkerProcess\n",
            2,
            "mosaic_tui.runtime.process.WorkerProcess",
            "layer 'core' may not import the higher layer 'runtime'",
            id="module-level",
        ),
        pytest.param(
            "mosaic_tui/runtime/bad.py",
            "def show():\n    if True:\n        from mosaic_tui.app.app import MosaicApp\n",
            3,
            "mosaic_tui.app.app.MosaicApp",
            "layer 'runtime' may not import the higher layer 'app'",
            id="lazy-in-function",
        ),
        pytest.param(
            "mosaic_tui/telemetry/bad.py",
            "from mosaic_tui import experiments\n",
            1,
            "mosaic_tui.experiments",
            "layer 'telemetry' may not import the higher layer 'experiments'",
            id="from-package-import-layer",
        ),
        pytest.param(
            "mosaic_tui/protocol/bad.py",
            "import mosaic_tui.core\n",
            1,
            "mosaic_tui.core",
            "layer 'protocol' may not import the higher layer 'core'",
            id="plain-import",
        ),
        pytest.param(
            "mosaic_tui/envs/bad.py",
            "class A:\n    def f(self):\n        from ..render import halfblock\n",
            3,
            "mosaic_tui.render.halfblock",
            "layer 'envs' may not import the higher layer 'render'",
            id="relative",
        ),
        pytest.param(
            "mosaic_tui/core/bad.py",
            "import importlib\nimportlib.import_module('mosaic_tui.cli.main')\n",
            2,
            "mosaic_tui.cli.main",
            "layer 'core' may not import the higher layer 'cli'",
            id="importlib",
        ),
        pytest.param(
            "mosaic_tui/__init__.py",
            "from mosaic_tui.protocol import Step\n",
            1,
            "mosaic_tui.protocol.Step",
            "the mosaic_tui package root may not import the higher layer 'protocol'",
            id="package-root",
        ),
        pytest.param(
            "mosaic_tui/widgets/x.py",
            "",
            1,
            "-",
            "mosaic_tui/widgets/ is not a layer",
            id="unknown-layer-folder",
        ),
        pytest.param(
            "mosaic_tui/helpers.py",
            "",
            1,
            "-",
            "mosaic_tui/helpers.py is in no layer",
            id="module-outside-the-layers",
        ),
        pytest.param(
            "mosaic_tui/runtime/bad.py",
            "def spawn():\n    from env_worker.runtime import EnvRuntime\n",
            2,
            "env_worker.runtime.EnvRuntime",
            "mosaic_tui never imports a worker package",
            id="app-imports-worker",
        ),
        pytest.param(
            "workers/env_worker/bad.py",
            "from a_worker.policies import Policy\n",
            1,
            "a_worker.policies.Policy",
            "workers do not import each other (env_worker imports a_worker);"
            " move the shared code into workers/worker_common/",
            id="worker-imports-worker",
        ),
        pytest.param(
            "workers/a_worker/bad.py",
            "def f():\n    import env_worker.cli\n",
            2,
            "env_worker.cli",
            "workers do not import each other (a_worker imports env_worker)",
            id="worker-imports-worker-lazily",
        ),
        pytest.param(
            "workers/worker_common/bad.py",
            "from a_worker import cli\n",
            1,
            "a_worker.cli",
            "workers do not import each other (worker_common imports a_worker)",
            id="common-imports-a-worker",
        ),
        pytest.param(
            "workers/worker_common/bad.py",
            "from mosaic_tui.envs import make_env\n",
            1,
            "mosaic_tui.envs.make_env",
            "worker_common may import only mosaic_tui.protocol from mosaic_tui,"
            " not mosaic_tui.envs",
            id="common-imports-envs",
        ),
        pytest.param(
            "workers/a_worker/bad.py",
            "from mosaic_tui.envs import make_env\n",
            1,
            "mosaic_tui.envs.make_env",
            "a_worker may import only mosaic_tui.protocol from mosaic_tui, not mosaic_tui.envs",
            id="decision-worker-imports-envs",
        ),
        pytest.param(
            "workers/env_worker/bad.py",
            "from mosaic_tui.runtime import launcher\n",
            1,
            "mosaic_tui.runtime.launcher",
            "env_worker may import only mosaic_tui.protocol, mosaic_tui.envs from mosaic_tui,"
            " not mosaic_tui.runtime",
            id="env-worker-imports-runtime",
        ),
    ],
)
def test_a_planted_violation_is_named_with_file_line_and_rule(
    tmp_path: Path, path: str, source: str, line: int, imported: str, rule: str
) -> None:
    write(tmp_path, {**CLEAN, path: source})
    violations, _, _ = check_tree(tmp_path)
    assert len(violations) == 1, violations
    (v,) = violations
    assert (v.path, v.line, v.imported) == (path, line, imported)
    assert rule in v.rule
    assert str(v).startswith(f"{path}:{line}: imports {imported}: ")
