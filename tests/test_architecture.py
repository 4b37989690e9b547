"""The house rules of docs/maintainers.md, read from the source: imports run one way between the layers,
and no import hides inside a function (except the CLI's marked lazy imports on synth paths)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("config", "modules", "accounts", "cli")
# Code shipped to AWS byte for byte (Lambda handlers, Glue scripts): not part of the Python package's layers.
SHIPPED = (ROOT / "modules" / "lambda_src", ROOT / "config" / "scripts")
CDKTF = ("cdktf", "jsii", "constructs", "cdktf_cdktf_provider_aws", "cdktf_cdktf_provider_tfe")
# layer -> top-level packages it must never import (docs/maintainers.md, "The layers and their rules").
FORBIDDEN = {
    "config": {"modules", "accounts", "cli", *CDKTF},
    "modules": {"config", "accounts", "cli"},
    "accounts": {"cli"},
    "cli": set(),
}
LAZY_MARK = "# lazy:"  # the comment line right above a deliberate function-level import says why


def sources(layer: str) -> list[Path]:
    return [p for p in sorted((ROOT / layer).rglob("*.py")) if not any(p.is_relative_to(s) for s in SHIPPED)]


def imported_packages(tree: ast.AST) -> set[str]:
    """Top-level packages a module imports absolutely (relative imports stay inside its own package)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module.split(".")[0])
    return out


def function_imports(text: str) -> list[tuple[int, bool]]:
    """(line, marked) of every import statement inside a function body."""
    lines = text.splitlines()
    found = []
    for fn in ast.walk(ast.parse(text)):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    above = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
                    found.append((node.lineno, above.startswith(LAZY_MARK)))
    return sorted(set(found))


def test_the_scanners_see_what_they_look_for():
    text = "import os\ndef f():\n    import json\n    # lazy: why\n    from cdktf import App\n"
    assert function_imports(text) == [(3, False), (5, True)]
    assert imported_packages(ast.parse(text)) == {"os", "json", "cdktf"}
    assert imported_packages(ast.parse("from . import x\nfrom ..kinds import y\n")) == set()


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_run_one_way_between_the_layers(layer):
    wrong = [
        f"{path.relative_to(ROOT)} imports {package}"
        for path in sources(layer)
        for package in sorted(imported_packages(ast.parse(path.read_text(encoding="utf-8"))) & FORBIDDEN[layer])
    ]
    assert wrong == []


@pytest.mark.parametrize("layer", LAYERS)
def test_no_import_hides_inside_a_function(layer):
    """Function-level imports hide cycles; the CLI's lazy synth-path imports are the marked exception."""
    unmarked, marked_outside_cli = [], []
    for path in sources(layer):
        for line, marked in function_imports(path.read_text(encoding="utf-8")):
            where = f"{path.relative_to(ROOT)}:{line}"
            if not marked:
                unmarked.append(where)
            elif layer != "cli":
                marked_outside_cli.append(where)
    assert unmarked == []
    assert marked_outside_cli == []


def test_the_lazy_imports_are_the_synth_paths_and_the_optional_extra():
    lazy = {
        f"{path.relative_to(ROOT)}"
        for path in sources("cli")
        for _, marked in function_imports(path.read_text(encoding="utf-8"))
        if marked
    }
    assert lazy == {"cli/bootstrap.py", "cli/synth.py", "cli/tfc.py", "cli/validate.py"}


def runtime_edges(path: Path, package_root: Path) -> set[str]:
    """Modules of the same package this module imports when it runs (not under `if TYPE_CHECKING:`)."""
    parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    here = parts[:-1]  # the package a relative import starts from (the same for a module and an __init__)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for n in ast.walk(block)
    }
    out = set()
    for node in ast.walk(tree):
        if id(node) in typing_only or not isinstance(node, ast.ImportFrom | ast.Import):
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif node.level == 0:
            base = (node.module or "").split(".")
            targets = [[*base, alias.name] for alias in node.names]
        else:
            anchor = here[: len(here) - node.level + 1]
            base = [*anchor, *((node.module or "").split(".") if node.module else [])]
            targets = [[*base, alias.name] for alias in node.names]
        for target in targets:
            if target[0] != package_root.name:
                continue
            # `from pkg import name`: the submodule when name is one, else the module itself.
            path = package_root.parent / Path(*target)
            module = target if path.with_suffix(".py").is_file() or path.is_dir() else target[:-1]
            if (package_root.parent / Path(*module)).is_dir():
                module = [*module, "__init__"]
            out.add(".".join(module))
    return out


def test_the_configuration_package_has_no_import_cycle():
    """kinds.inference <-> ml_execution, loader -> checks -> kinds, resolver <-> flows were cycles hidden by
    function-level imports; the shared types now sit below them (config/model.py) and imports run one way."""
    package = ROOT / "config"
    graph = {".".join(p.relative_to(ROOT).with_suffix("").parts): runtime_edges(p, package) for p in sources("config")}
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> list[str] | None:
        if node in stack:
            return [*stack[stack.index(node) :], node]
        if node in done:
            return None
        for nxt in sorted(graph.get(node, ())):
            cycle = visit(nxt, [*stack, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    cycles = [c for c in (visit(n, []) for n in sorted(graph)) if c]
    assert cycles == []
    assert "config.model" in graph["config.kinds.inference"] and "config.kinds.security" in graph["config.flows"]


def test_stacks_build_no_arn_by_hand():
    """IAM, S3 and KMS ARNs in accounts/ come from config/contracts.py (or Resolved), the functions the checks and
    the other side of each grant call too; a stack spelling one out would be a second home for that name."""
    spelled = re.compile(r"arn:\{[^}]*\}:(iam|s3|kms):")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources("accounts")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if spelled.search(line)
    ]
    assert found == []
