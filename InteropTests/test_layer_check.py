"""scripts/check-layers.py: the repo passes, and a module that imports one above it, or a target
the architecture table does not list, fails it (so the check cannot pass by reading nothing)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "check-layers.py"

ARCHITECTURE = """# Architecture

## Modules and layers

```
L2  Top            (Sources/Top)              uses Middle
L1  Middle         (Sources/Middle)           uses Bottom
L0  Bottom, Base   (Sources/Wire/…)           wire formats
```
"""

PACKAGE = """
let package = Package(name: "Fixture", targets: [
    .target(name: "Base", path: "Sources/Wire/Base"),
    .target(name: "Bottom", dependencies: ["Base"], path: "Sources/Wire/Bottom"),
    .target(name: "Middle", dependencies: ["Bottom", .product(name: "NIOCore", package: "swift-nio")],
            path: "Sources/Middle"),
    .target(name: "Top", dependencies: ["Middle"], path: "Sources/Top"),
    .testTarget(name: "TopTests", dependencies: ["Top"], path: "UnitTests/TopTests"),
])
"""


def _load():
    spec = importlib.util.spec_from_file_location("check_layers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _fixture(root: Path, package: str = PACKAGE, sources: dict[str, str] | None = None) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "architecture.md").write_text(ARCHITECTURE)
    (root / "Package.swift").write_text(package)
    files = {"Sources/Wire/Base/Base.swift": "struct Base {}\n",
             "Sources/Wire/Bottom/Bottom.swift": "import Base\n",
             "Sources/Middle/Middle.swift": "import NIOCore\nimport Bottom\n",
             "Sources/Top/Top.swift": "@preconcurrency import Middle\n",
             "UnitTests/TopTests/TopTests.swift": "@testable import Top\nimport Base\n"}
    files.update(sources or {})
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def test_the_repository_passes():
    result = subprocess.run([sys.executable, str(SCRIPT), str(REPO)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("0 problems"), result.stdout


def test_a_well_layered_fixture_passes(tmp_path):
    assert _load().check(_fixture(tmp_path)) == []


def test_an_import_of_a_module_above_fails(tmp_path):
    root = _fixture(tmp_path, sources={"Sources/Middle/Loop.swift": "public import Top\n"})
    problems = _load().check(root)
    assert len(problems) == 1 and "Middle (L1) depends on Top (L2)" in problems[0] and "imported" in problems[0], problems


def test_a_module_beside_it_on_the_same_row_counts_by_order(tmp_path):
    # "Bottom, Base": Bottom may use Base (listed after it), Base may not use Bottom.
    problems = _load().check(_fixture(tmp_path / "a", package=PACKAGE.replace(
        '.target(name: "Base", path', '.target(name: "Base", dependencies: ["Bottom"], path')))
    assert len(problems) == 1 and "Base (L0) depends on Bottom (L0)" in problems[0] and "Package.swift" in problems[0], problems
    problems = _load().check(_fixture(tmp_path / "b", sources={"Sources/Wire/Base/Base.swift": "import Bottom\n"}))
    assert len(problems) == 1 and "Base (L0) depends on Bottom (L0)" in problems[0], problems


def test_a_target_missing_from_the_table_fails(tmp_path):
    package = PACKAGE.replace('    .target(name: "Top"', '    .target(name: "Extra", path: "Sources/Extra"),\n    .target(name: "Top"')
    problems = _load().check(_fixture(tmp_path, package=package))
    assert any(p.startswith("Extra: a target of Package.swift missing") for p in problems), problems
