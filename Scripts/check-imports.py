#!/usr/bin/env python3
"""Every target declares what it imports.

    python3 Scripts/check-imports.py

SwiftPM builds a target that imports a module it never declared as long as something else
built that module first, so such a target breaks when built alone (`swift build --target X`)
or when the build order changes. This reads the manifest (`swift package dump-package`) and
every target's sources, and fails, naming file and line, on an `import` of a module the
target does not declare: one of its target dependencies, a product it names (a product's
module has the product's name in every package used here), or the toolchain's own modules.
A file, of the sources or the tests, that imports the C library itself (not through Platform)
fails too: Platform is where the platforms' differences are spelled once.
It also fails on a declared library dependency that none of the target's files imports (an
executable dependency is there to be built first, for the tests that run it).
"""
import json
import os
import re
import subprocess
import sys

# Modules of the toolchain: not package dependencies.
TOOLCHAIN = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Darwin", "Dispatch",
    "Testing", "XCTest", "Synchronization", "_Concurrency", "Android", "Musl", "WinSDK",
}
# The C library: named by the Platform module alone.
C_LIBRARY = {"Glibc", "Darwin", "Musl", "Android"}
IMPORT = re.compile(
    r"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*import\s+"
    r"(?:(?:struct|class|enum|func|protocol|typealias|var|let)\s+)?([A-Za-z_][A-Za-z0-9_]*)")


def module_name(target: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", target)


def main() -> int:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    manifest = json.loads(subprocess.run(
        ["swift", "package", "--package-path", root, "dump-package"],
        check=True, capture_output=True, text=True).stdout)
    problems = []
    for target in manifest["targets"]:
        if target["type"] in ("system", "binary", "plugin"):
            continue
        name = module_name(target["name"])
        default = "Tests" if target["type"] == "test" else "Sources"
        folder = os.path.join(root, target.get("path") or os.path.join(default, target["name"]))
        # A module is named after its target, with what Swift cannot take in a name as `_`.
        declared = {module_name(next(iter(dep.values()))[0]) for dep in target["dependencies"]}
        executables = {module_name(t["name"]) for t in manifest["targets"] if t["type"] == "executable"}
        used = set()
        for directory, _, files in os.walk(folder):
            for file in sorted(files):
                if not file.endswith(".swift"):
                    continue
                path = os.path.join(directory, file)
                with open(path, encoding="utf-8") as source:
                    in_string = False  # inside a multi-line string literal (a script, say)
                    for number, line in enumerate(source, 1):
                        if line.count('"""') % 2 == 1:
                            in_string = not in_string
                            continue
                        match = None if in_string else IMPORT.match(line)
                        if not match:
                            continue
                        module = match.group(1)
                        used.add(module)
                        if module in C_LIBRARY and name != "Platform":
                            shown = os.path.relpath(path, root)
                            problems.append(f"{shown}:{number}: {name} imports {module}: import Platform, the one place that names the C library")
                        elif module not in declared and module not in TOOLCHAIN and module != name:
                            shown = os.path.relpath(path, root)
                            problems.append(f"{shown}:{number}: {name} imports {module}, which it does not declare")
        for module in sorted(declared - used - executables):
            problems.append(f"Package.swift: {name} declares {module}, which none of its files imports")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"check-imports: every import of {len(manifest['targets'])} targets is declared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
