"""The layers of `docs/architecture.md`, enforced: imports point down, and no cycles.

Every import counts, at module level or inside a function (a lazy import still runs);
only imports under `if TYPE_CHECKING:` are left out, since they never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "cqrs_lab"

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"__main__", "cli", "commands"}),
    frozenset({"bench"}),
    frozenset({"tui"}),
    frozenset({"classroom"}),
    frozenset({"lessons"}),
    frozenset({"simulate"}),
    frozenset({"lab"}),
    frozenset({"services"}),
    frozenset({"script"}),
    frozenset({"read"}),
    frozenset({"crud"}),
    frozenset({"write"}),
    frozenset({"sim"}),
    frozenset({"shop"}),
    frozenset({"store"}),
)
"""Top to bottom: a part may import its own layer and every layer below it."""

ANYWHERE = frozenset({"config", "environment", "wording"})
"""Import nothing of the lab, so every layer may read them."""

ENTRY_POINTS = frozenset({"cqrs_lab.tui.serve", "cqrs_lab.tui.bench_probe"})
"""Process entry points (`python -m`): serve's warm process starts the CLI in each
visitor; the bench's screen probe starts the app as `cqrs-lab` does."""


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts).removesuffix(".__init__")] = path
    return modules


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[str]:
    """The lab's modules that `module` imports when it runs."""
    tree = ast.parse(path.read_text("utf-8"))
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            submodules = [f"{source}.{alias.name}" for alias in node.names]
            names = [name for name in submodules if name in MODULES] or [source]
        else:
            continue
        yield from (name for name in names if name in MODULES and name != module)


GRAPH = {module: set(_imports(module, path)) for module, path in MODULES.items()}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _rank(part: str) -> int:
    return next(rank for rank, layer in enumerate(LAYERS) if part in layer)


def test_every_part_of_the_package_has_its_place() -> None:
    placed = ANYWHERE.union(*LAYERS)
    assert {_part(module) for module in MODULES} - placed - {"cqrs_lab"} == set()


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if _part(module) not in ANYWHERE | {"cqrs_lab"}
        and _part(target) not in ANYWHERE | {"cqrs_lab"}
        and not any(module.startswith(entry) for entry in ENTRY_POINTS)
        and _rank(_part(target)) < _rank(_part(module))
    ]
    assert upward == []


def test_the_free_modules_import_nothing_of_the_lab() -> None:
    for module in ANYWHERE:
        assert GRAPH[f"cqrs_lab.{module}"] <= {f"cqrs_lab.{other}" for other in ANYWHERE}


def test_no_import_cycles() -> None:
    assert _cycles() == []


def _cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for target in GRAPH[module]:
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group = [stack.pop()]
            while group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(MODULES):
        if module not in order:
            visit(module)
    return cycles
