"""The project's modules import each other without a cycle.

A cycle (a imports b, which imports a) makes import order matter and hides which module
owns a rule. Only imports at module level count: a function-level import is how the one
allowed exception, an app importing one that builds on it, is written.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pensero", "integrations", "analytics", "jira_simulator", "benchmarks")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py") if (ROOT / package).exists() else ():
            if "migrations" in path.parts or "tests" in path.parts:
                continue
            modules[_module_name(path)] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an import names (a name inside a module counts as the module)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _module_level_imports(path: Path, module: str, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in tree.body:  # module level only
        nodes = [node]
        if isinstance(node, ast.If | ast.Try):
            nodes = list(ast.walk(node))
        for item in nodes:
            if isinstance(item, ast.If) and "TYPE_CHECKING" in ast.unparse(item.test):
                break  # imports for type checkers only never run
            if isinstance(item, ast.Import):
                names = [alias.name for alias in item.names]
            elif isinstance(item, ast.ImportFrom):
                base = item.module or ""
                if item.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - item.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from package import submodule` imports the submodule; a name defined in
                # a module (or a package's __init__) imports that module.
                names = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in item.names
                ]
            else:
                continue
            for name in names:
                target = _resolve(name, modules)
                if target and target != module:
                    found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _project_modules()
    return {name: _module_level_imports(path, name, modules) for name, path in modules.items()}


def test_the_graph_is_read():
    graph = import_graph()
    assert "integrations.sync.run" in graph
    assert "integrations.jira.workflow" in graph["integrations.sync.finish"]


def test_no_import_cycle_among_the_projects_modules():
    assert _cycles(import_graph()) == []


def test_a_cycle_would_be_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_jira_integration_never_imports_analytics():
    # Analytics builds on the integration's rows and listens to its signals; the other
    # way round, the integration would depend on how its data is reported.
    graph = import_graph()
    wrong = {
        (module, target)
        for module, targets in graph.items()
        if module.startswith("integrations")
        for target in targets
        if target.startswith("analytics")
    }
    assert wrong == set()
