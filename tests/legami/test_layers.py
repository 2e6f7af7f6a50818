"""The house's layers, read from the code's imports (those inside functions too).

The kernel (app/) imports nothing above it; integrations/ and worker/ import only the
kernel; domains reach each other through services, never through each other's tables;
and no modules import each other in a circle but piccolo's own engine set-up.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "integrations", "worker", "surveys", "company_portal", "community",
            "civic", "pacts", "legami")
DOMAINS = ("surveys", "company_portal", "community", "civic", "pacts")
# What each lower layer may import besides itself.
BELOW = {"app": set(), "integrations": {"app"}, "worker": {"app"}}
# piccolo_conf.py builds the engine that app/db.py reads, and piccolo wants it there.
PICCOLO_CIRCLE = {"app.db", "app.piccolo_conf"}
# A foreign key between two piccolo apps is declared with the table it points to.
FOREIGN_KEYS = {("surveys.tables", "company_portal.tables")}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "piccolo_migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imports() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {_owner(alias.name, modules) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                targets |= {_owner(f"{base}.{alias.name}", modules) if f"{base}.{alias.name}"
                            in modules else _owner(base, modules) for alias in node.names}
        graph[name] = {target for target in targets if target and target != name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return circles


def test_no_import_circle_but_piccolos_own() -> None:
    assert _circles(_imports()) == [PICCOLO_CIRCLE]


def test_the_kernel_integrations_and_worker_import_nothing_above_them() -> None:
    upward = sorted(
        (source, target) for source, targets in _imports().items() for target in targets
        if source.split(".")[0] in BELOW
        and target.split(".")[0] not in BELOW[source.split(".")[0]] | {source.split(".")[0]}
    )
    assert upward == []


def test_domains_never_import_each_others_tables() -> None:
    foreign = sorted(
        (source, target) for source, targets in _imports().items() for target in targets
        if source.split(".")[0] in DOMAINS and target.split(".")[0] in DOMAINS
        and target.endswith(".tables") and target.split(".")[0] != source.split(".")[0]
    )
    assert set(foreign) <= FOREIGN_KEYS, foreign
