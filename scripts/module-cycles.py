#!/usr/bin/env python3
"""Lists import cycles between the library's modules (src/), which must be none.

A module "imports" another when its file names it in a path: `crate::a::b`,
`super::x`, or `self::y` (tests included). A cycle is a chain of modules that
leads back to where it started. Exit status 1 when there is one.
"""
import pathlib, re, sys

root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent / "src"

def module_of(path):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)

modules = {module_of(p): p for p in root.rglob("*.rs")}

def resolve(current, words):
    """The longest known module that the path `words` (from `current`) names."""
    if words[0] == "crate":
        base, rest = (), words[1:]
    elif words[0] in ("super", "self"):
        base = current
        if current and modules[current].name not in ("mod.rs", "lib.rs"):
            base = current[:-1]  # a file module's `super` is its parent
        while words and words[0] in ("super", "self"):
            if words[0] == "super":
                base = base[:-1]
            words = words[1:]
        rest = words
        if modules[current].name not in ("mod.rs", "lib.rs"):
            pass
    else:
        return None
    best = None
    for i in range(len(rest) + 1):
        candidate = base + tuple(rest[:i])
        if candidate in modules:
            best = candidate
    return best

edges = {m: set() for m in modules}
path_re = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
for module, path in modules.items():
    # Comments (docs included) mention modules without importing them.
    text = "\n".join(line.split("//")[0] for line in path.read_text().splitlines())
    # `use super::{a, b}` groups: expand the first level.
    for group in re.finditer(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^}]*)\}", text):
        for item in group.group(2).split(","):
            item = item.strip().split("::")[0].split(" ")[0]
            if item and item != "self":
                words = group.group(1).split("::") + [item]
                target = resolve(module, words)
                if target is not None and target != module and not module[: len(target)] == target:
                    edges[module].add(target)
    for match in path_re.finditer(text):
        target = resolve(module, match.group(1).split("::"))
        # A module naming its own ancestor (the crate root, its folder) is not an edge.
        if target is not None and target != module and module[: len(target)] != target:
            edges[module].add(target)

# Items re-exported at the crate root hide which module they come from: a
# module must name the module (`crate::core::error::Error`), not `crate::Error`.
hidden = []
for module, path in modules.items():
    if module == ():
        continue
    text = "\n".join(line.split("//")[0] for line in path.read_text().splitlines())
    for match in re.finditer(r"\bcrate::(\{|[A-Z][A-Za-z0-9_]*|[a-z_][a-z0-9_]*\()", text):
        hidden.append(f"{path.relative_to(root)}: crate::{match.group(1)} (name the module instead)")

cycles = []
def visit(node, stack, on_stack, done):
    stack.append(node); on_stack.add(node)
    for nxt in sorted(edges[node]):
        if nxt in on_stack:
            cycles.append(stack[stack.index(nxt):] + [nxt])
        elif nxt not in done:
            visit(nxt, stack, on_stack, done)
    stack.pop(); on_stack.discard(node); done.add(node)

done = set()
for m in sorted(modules):
    if m not in done:
        visit(m, [], set(), done)
name = lambda m: "::".join(m) or "crate"
for cycle in cycles:
    print("cycle:", " -> ".join(name(m) for m in cycle))
for line in hidden:
    print("root import:", line)
print(f"{len(modules)} modules, {sum(len(e) for e in edges.values())} imports, {len(cycles)} cycles")
sys.exit(1 if cycles or hidden else 0)
