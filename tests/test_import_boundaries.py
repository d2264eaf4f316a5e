"""The core names nothing built on it, and its modules import one another without a cycle.

Every import counts: at module level, inside functions, and by string (importlib.import_module,
__import__); only `if TYPE_CHECKING:` blocks are left out, since they never run.
"""

import ast
from pathlib import Path

from conftest import REPO

CORE = REPO / "neuralfx"
ABOVE = ("neuralfx_training", "neuralfx_gui")  # training/ and gui/, installed under these names
STRING_IMPORTERS = {"import_module", "__import__"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    return skipped


def _imports(path: Path) -> set[str]:
    """The absolute names a core module imports (modules and the names taken from them)."""
    tree = ast.parse(path.read_text())
    skipped = _type_checking_nodes(tree)
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    own = _module_name(path)
    names, strings, imports_by_variable = set(), set(), False
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join([*package[: len(package) - node.level + 1], *([node.module] if node.module else [])])
            base = base if node.level else node.module
            if not own.startswith(base + "."):  # a package around this module is imported already
                names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _called_name(node) in STRING_IMPORTERS:
            literal = [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            names.update(literal)
            imports_by_variable |= not literal
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.add(node.value)
    if imports_by_variable:  # a module imported by a name held in a variable: any string may name it
        names |= strings
    return names


def _called_name(call: ast.Call) -> str | None:
    return getattr(call.func, "attr", getattr(call.func, "id", None))


def test_the_core_names_no_package_built_on_it():
    for path in CORE.rglob("*.py"):
        text = path.read_text()
        for name in ABOVE:
            assert name not in text, f"{path.relative_to(REPO)} names {name}"
        assert not [n for n in _imports(path) if n.split(".")[0] in ABOVE], path


def test_no_import_cycle_in_the_core():
    modules = {_module_name(path): path for path in CORE.rglob("*.py")}
    graph = {name: {n for n in _imports(path) if n in modules and n != name} for name, path in modules.items()}
    cycles = []

    def visit(name: str, trail: list[str]) -> None:
        for target in graph[name]:
            if target in trail:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in done:
                visit(target, [*trail, target])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert not cycles, cycles


def test_the_scanner_sees_string_and_function_level_imports(tmp_path):
    sample = tmp_path / "neuralfx" / "sample.py"
    sample.parent.mkdir()
    sample.write_text(
        "import importlib\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .hidden import X\n"
        "def f():\n    from .chain import Chain\n    return importlib.import_module('neuralfx_training.cli')\n"
    )
    global REPO
    saved, REPO = REPO, tmp_path
    try:
        assert _imports(sample) == {"importlib", "typing", "typing.TYPE_CHECKING", "neuralfx.chain",
                                    "neuralfx.chain.Chain", "neuralfx_training.cli"}  # fmt: skip
    finally:
        REPO = saved
