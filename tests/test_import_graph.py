"""Imports between the package's subpackages point one way: no cycle.

Every module under ``adnet_mmpose/`` is parsed with :mod:`ast` (nothing is imported, so the
test needs no optional dependency); every ``import`` / ``from ... import`` statement counts,
at module level and inside functions alike, since a lazy import is still a dependency. An edge
``a → b`` joins two first-level subpackages (``apis``, ``runtime``, ...) when a module of ``a``
imports one of ``b``. The package's own ``__init__`` (which imports the subpackages to register
them) and ``version`` are left out.
"""
import ast
from pathlib import Path
from typing import Dict, List, Set

PACKAGE = Path(__file__).resolve().parents[1] / 'adnet_mmpose'
ROOT_MODULES = {'__init__', 'version'}


def module_name(path: Path) -> List[str]:
    """``adnet_mmpose/a/b.py`` → ['adnet_mmpose', 'a', 'b'] (``__init__`` → its package)."""
    parts = ['adnet_mmpose', *path.relative_to(PACKAGE).with_suffix('').parts]
    return parts[:-1] if parts[-1] == '__init__' else parts


def imported_modules(path: Path) -> Set[str]:
    """Absolute dotted names of every module (or name) ``path`` imports, at any depth."""
    name = module_name(path)
    package = name if path.name == '__init__.py' else name[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            mod = '.'.join(base + ([node.module] if node.module else []))
            found.update(f'{mod}.{alias.name}' for alias in node.names)
    return found


def subpackage(dotted: str):
    """First-level subpackage of a dotted name under adnet_mmpose, else None."""
    parts = dotted.split('.')
    if parts[0] != 'adnet_mmpose' or len(parts) < 2 or parts[1] in ROOT_MODULES:
        return None
    return parts[1]


def subpackage_graph() -> Dict[str, Dict[str, Set[str]]]:
    """``graph[a][b]``: the modules of ``a`` that import from ``b`` (a ≠ b)."""
    graph: Dict[str, Dict[str, Set[str]]] = {}
    for path in sorted(PACKAGE.rglob('*.py')):
        src = subpackage('.'.join(module_name(path)))
        if src is None:
            continue
        graph.setdefault(src, {})
        for dotted in imported_modules(path):
            dst = subpackage(dotted)
            if dst is not None and dst != src:
                graph[src].setdefault(dst, set()).add(str(path.relative_to(PACKAGE.parent)))
    return graph


def cycles(graph: Dict[str, Dict[str, Set[str]]]) -> List[List[str]]:
    """Strongly connected components with more than one subpackage (Tarjan), sorted."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_cycle_finder_names_a_cycle():
    """The finder itself: a → b → c → a is one cycle, d → a is not part of it."""
    graph = {'a': {'b': {'x'}}, 'b': {'c': {'y'}}, 'c': {'a': {'z'}}, 'd': {'a': {'w'}}}
    assert cycles(graph) == [['a', 'b', 'c']]
    assert cycles({'a': {'b': {'x'}}, 'b': {}}) == []


def test_relative_imports_resolve():
    """``from .x import y`` in apis/face_landmarker.py and ``from ..utils import z`` in a
    subpackage module resolve to absolute names."""
    mods = imported_modules(PACKAGE / 'codecs' / 'adnet_label.py')
    assert any(m.startswith('adnet_mmpose.utils') for m in mods), mods


def test_no_import_cycle_between_subpackages():
    graph = subpackage_graph()
    assert {'apis', 'models', 'utils'} <= set(graph), sorted(graph)
    found = cycles(graph)
    lines = []
    for comp in found:
        for a in comp:
            for b in comp:
                if b in graph[a]:
                    lines.append(f'  {a} → {b}: {", ".join(sorted(graph[a][b]))}')
    assert not found, ('import cycles between subpackages: '
                       + '; '.join(' ↔ '.join(c) for c in found) + '\n' + '\n'.join(lines))
