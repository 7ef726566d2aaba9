"""The layout guard: wings import only downwards, no circles, small modules, each one explained."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WINGS = ("content", "db", "audio", "bot", "handlers", "channels", "dashboard", "app")
LEAVES = ("app.settings", "app.keys", "app.html")  # the only part of app/ other wings may use
# What each wing may import besides itself (a name allows its submodules): §3 of the plan.
ALLOWED = {
    "content": (),
    "db": ("content",),
    "audio": ("content", "db", "app.settings"),
    "bot": ("content", "db", "audio"),
    "handlers": ("bot.messages", "bot.context", "content", "db", "audio"),
    "channels": ("bot.messages", "bot.channel", "bot.render", "db", *LEAVES),
    "dashboard": ("bot", "content", "db", "audio", *LEAVES),
    "app": WINGS,
    "leaves": ("content", "db", "audio", "bot", *LEAVES),
}
NEVER = {"handlers": ("telegram", "aiohttp")}  # outside libraries a wing must not use
ADAPTER_PARTS = ("_api", "_http", "_clips", "_tokens")  # channels/zalo_oa_api.py is zalo_oa's
FROZEN = "db.migrations.versions"  # written once, never edited: no docstring rule
MAX_LINES, MAX_SHARE = 420, 0.25


def _modules() -> dict[str, Path]:
    found = {"bot_script": ROOT / "bot.py"}
    for wing in WINGS:
        for path in sorted((ROOT / wing).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}
LINES = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}


def _imports(name: str) -> set[str]:
    """Every module `name` imports, anywhere in it (a lazy import is an import too)."""
    found: set[str] = set()
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):  # the project uses absolute imports only
            base = node.module or ""
            found |= {
                base if f"{base}.{a.name}" not in MODULES else f"{base}.{a.name}"
                for a in node.names
            }
    return found


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _wing(name: str) -> str:
    return "app" if name == "bot_script" else name.split(".")[0]


def _adapter(module: str) -> str:
    name = module.split(".")[-1]
    return next((name[: -len(p)] for p in ADAPTER_PARTS if name.endswith(p)), name)


def _forbidden(name: str, imported: str) -> bool:
    wing, other = _wing(name), imported.split(".")[0]
    if other not in WINGS:
        return other in NEVER.get(wing, ())
    if name in LEAVES:
        return not _within(imported, ALLOWED["leaves"])
    if other == wing:  # an adapter uses its own parts and the shared media module only
        shared = ("channels", "channels.media", "channels.webhooks")
        return (
            wing == "channels" and imported not in shared and _adapter(name) != _adapter(imported)
        )
    return not _within(imported, ALLOWED[wing])


def test_every_import_runs_down_the_wings():
    wrong = [f"{n} -> {i}" for n in MODULES for i in sorted(_imports(n)) if _forbidden(n, i)]
    assert not wrong, "\n".join(wrong)


def test_no_modules_import_each_other_even_through_others():
    graph = {n: {i for i in _imports(n) if i in MODULES and i != n} for n in MODULES}
    circles, done = set(), set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in path:
                circles.add(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in done:
                walk(nxt, [*path, nxt])
        done.add(node)

    for name in MODULES:
        if name not in done:
            walk(name, [name])
    assert not circles, "\n".join(sorted(circles))


def test_no_module_is_over_420_lines():
    big = [f"{n}: {lines}" for n, lines in LINES.items() if lines > MAX_LINES]
    assert not big, "\n".join(big)


def test_no_wing_holds_over_a_quarter_of_the_code():
    total = sum(LINES.values())
    shares = {w: sum(v for n, v in LINES.items() if _wing(n) == w) / total for w in WINGS}
    assert {w: round(share, 3) for w, share in shares.items() if share > MAX_SHARE} == {}


def test_every_module_opens_with_a_one_line_summary():
    def summarised(tree: ast.Module) -> bool:
        lines = (ast.get_docstring(tree, clean=False) or "").splitlines()
        return bool(lines and lines[0].strip()) and (len(lines) == 1 or not lines[1].strip())

    unexplained = [n for n, t in TREES.items() if not summarised(t) and not _within(n, (FROZEN,))]
    assert not unexplained, "\n".join(unexplained)


PATCHERS = ("monkeypatch.setattr", "patch", "mock.patch", "patch.object", "mock.patch.object")


def test_no_test_patches_the_projects_own_names():
    patched = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        ours = set()  # names bound to the project's modules or to names in them
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                ours |= {a.asname or _wing(a.name) for a in node.names if _wing(a.name) in WINGS}
            elif isinstance(node, ast.ImportFrom) and _wing(node.module or "") in WINGS:
                ours |= {a.asname or a.name for a in node.names}
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call) and ast.unparse(node.func) in PATCHERS and node.args
            ):
                continue
            target = node.args[0]
            while isinstance(target, ast.Attribute):
                target = target.value
            if isinstance(target, ast.Constant):  # "bot.core.NAME"
                ours_patched = _wing(str(target.value)) in WINGS
            else:
                ours_patched = getattr(target, "id", "") in ours
            if ours_patched:
                patched.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert not patched, "\n".join(patched)
