#!/usr/bin/env python3
"""Checks the module graph against the layers declared in docs/architecture.md.

The table under "## Modules and layers" lists every module from the top layer (L4) down to C,
one module or a comma-separated group per line ("L1  ICE, DTLS, SRTP (Sources/...)"); a module
may depend only on modules listed *below* it (later in the table). This script fails when
  - a target of Package.swift (other than tests, fuzz targets and their helpers: any target whose
    path is outside Sources/) is missing from the table, or
    the table names a module Package.swift does not have;
  - a target's `dependencies:` in Package.swift, or an `import` in its sources, names a module
    listed above it or beside it.
Run by `make test`; `python3 scripts/check-layers.py [repo root]`. Prints one line per problem
and a summary line; exits 1 if there is a problem.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

TARGET_KINDS = ("target", "systemLibrary", "executableTarget", "testTarget")
IMPORT = re.compile(
    r"^\s*(?:@[\w()]+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+"
    r"(?:(?:struct|class|enum|protocol|func|typealias|var|let|actor)\s+)?(\w+)", re.M)


@dataclass
class Target:
    name: str
    kind: str
    path: str
    dependencies: list[str] = field(default_factory=list)

    @property
    def is_test(self) -> bool:
        """Tests (UnitTests/) and fuzz targets (Fuzz/) sit above every layer and may use any module."""
        return self.kind == "testTarget" or self.path.split("/")[0] != "Sources"


def parse_package(text: str) -> dict[str, Target]:
    """The targets of Package.swift with their local (by-name) dependencies; products of other
    packages (`.product(name:package:)`) are not ours and are left out."""
    # A list shared by targets: `let name: [Target.Dependency] = [...]`, used as `dependencies: name`.
    lists = dict(re.findall(r"let\s+(\w+):\s*\[Target\.Dependency\]\s*=\s*\[(.*?)\n\]", text, re.S))
    starts = [m for m in re.finditer(r"\.(%s)\(\s*name:\s*\"(\w+)\"" % "|".join(TARGET_KINDS), text)]
    targets: dict[str, Target] = {}
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        body = text[match.end():end]
        path = re.search(r"path:\s*\"([^\"]+)\"", body)
        kind, name = match.group(1), match.group(2)
        target = Target(name, kind, path.group(1) if path else
                        (f"UnitTests/{name}" if kind == "testTarget" else f"Sources/{name}"))
        deps = re.search(r"dependencies:\s*\[(.*?)\]\s*,\s*(?:path|exclude|sources|resources|swiftSettings|cSettings|linkerSettings|pkgConfig|providers)",
                         body, re.S)
        shared = re.match(r"\s*(\w+)\s*,", body[body.find("dependencies:") + len("dependencies:"):]) \
            if "dependencies:" in body else None
        listing = deps.group(1) if deps else lists.get(shared.group(1), "") if shared else ""
        listing = re.sub(r"\.product\([^)]*\)", "", listing)
        target.dependencies = re.findall(r"\"(\w+)\"", listing)
        targets[name] = target
    return targets


def parse_layers(text: str) -> list[tuple[str, str]]:
    """(layer, module) from the architecture table, top to bottom."""
    section = text.split("## Modules and layers", 1)
    if len(section) < 2:
        raise SystemExit("docs/architecture.md has no '## Modules and layers' section")
    block = re.search(r"```\n(.*?)```", section[1], re.S)
    if not block:
        raise SystemExit("docs/architecture.md: no table under '## Modules and layers'")
    order: list[tuple[str, str]] = []
    layer = "?"
    for line in block.group(1).splitlines():
        label = re.match(r"^(L\d|C)\s+", line)
        if label:
            layer = label.group(1)
        entry = re.match(r"^(?:L\d|C)?\s+([\w][\w, ]*?)\s+\(Sources/", line)
        if entry:
            order += [(layer, name.strip()) for name in entry.group(1).split(",") if name.strip()]
    return order


def imports_of(root: Path, target: Target) -> set[str]:
    found: set[str] = set()
    for source in (root / target.path).rglob("*.swift"):
        found.update(IMPORT.findall(source.read_text(errors="replace")))
    return found


def check(root: Path) -> list[str]:
    targets = parse_package((root / "Package.swift").read_text())
    table = parse_layers((root / "docs/architecture.md").read_text())
    position = {name: index for index, (_, name) in enumerate(table)}
    layer_of = dict((name, layer) for layer, name in table)
    modules = {name: t for name, t in targets.items() if not t.is_test}
    problems = []
    for name in sorted(set(modules) - set(position)):
        problems.append(f"{name}: a target of Package.swift missing from docs/architecture.md's layer table")
    for name in sorted(set(position) - set(modules)):
        problems.append(f"{name}: in docs/architecture.md's layer table but not a target of Package.swift")
    for name, target in sorted(modules.items()):
        if name not in position:
            continue
        uses = [(dep, "Package.swift dependency") for dep in target.dependencies]
        uses += [(module, f"imported in {target.path}") for module in sorted(imports_of(root, target))]
        for dep, how in uses:
            if dep in position and dep != name and position[dep] <= position[name]:
                problems.append(f"{name} ({layer_of[name]}) depends on {dep} ({layer_of[dep]}), which the "
                                f"table lists above it ({how})")
    return sorted(set(problems))


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    problems = check(root)
    for problem in problems:
        print(f"layer check: {problem}")
    modules = len(parse_layers((root / "docs/architecture.md").read_text()))
    print(f"layer check: {modules} modules, {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
