#!/usr/bin/env python3
"""Lists import cycles between the modules of each crate, which must be none:
the library (src/), the web app (web/src) and the sandbox (sandbox/src), or
the source folders given as arguments.

A module "imports" another when its file names it in a path: `crate::a::b`,
`super::x`, or `self::y` (tests included). A cycle is a chain of modules that
leads back to where it started. Exit status 1 when there is one.
"""
import pathlib, re, sys


def module_of(root, path):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


def code_of(path):
    # Comments (docs included) mention modules without importing them.
    return "\n".join(line.split("//")[0] for line in path.read_text().splitlines())


def resolve(modules, current, words):
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
    else:
        return None
    best = None
    for i in range(len(rest) + 1):
        candidate = base + tuple(rest[:i])
        if candidate in modules:
            best = candidate
    return best


GROUP = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^}]*)\}")
PATH = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")


def group_items(text):
    """(prefix words, first word of each item) of every `use a::{b, c}` group."""
    for group in GROUP.finditer(text):
        for item in group.group(2).split(","):
            item = item.strip().split("::")[0].split(" ")[0]
            if item and item != "self":
                yield group.group(1).split("::"), item


def imports(modules):
    edges = {m: set() for m in modules}
    for module, path in modules.items():
        text = code_of(path)
        targets = [resolve(modules, module, prefix + [item]) for prefix, item in group_items(text)]
        targets += [resolve(modules, module, m.group(1).split("::")) for m in PATH.finditer(text)]
        for target in targets:
            # A module naming its own ancestor (the crate root, its folder) is not an edge.
            if target is not None and target != module and module[: len(target)] != target:
                edges[module].add(target)
    return edges


def root_imports(root, modules):
    """Items re-exported at the crate root hide which module they come from: a
    module must name the module (`crate::core::error::Error`), not `crate::Error`."""
    hidden = []
    for module, path in modules.items():
        if module == ():
            continue
        text = code_of(path)
        for match in re.finditer(r"\bcrate::([A-Z][A-Za-z0-9_]*|[a-z_][a-z0-9_]*\()", text):
            hidden.append(f"{path.relative_to(root)}: crate::{match.group(1)} (name the module instead)")
        for prefix, item in group_items(text):
            if prefix == ["crate"] and (item,) not in modules:
                hidden.append(f"{path.relative_to(root)}: crate::{{{item}}} (name the module instead)")
    return hidden


def find_cycles(edges):
    cycles, done = [], set()

    def visit(node, stack, on_stack):
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt in on_stack:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, stack, on_stack)
        stack.pop()
        on_stack.discard(node)
        done.add(node)

    for m in sorted(edges):
        if m not in done:
            visit(m, [], set())
    return cycles


def check(root):
    """Prints the cycles and root imports of the crate at `root`; True when none."""
    modules = {module_of(root, p): p for p in root.rglob("*.rs")}
    edges = imports(modules)
    hidden = root_imports(root, modules)
    cycles = find_cycles(edges)
    name = lambda m: "::".join(m) or "crate"
    for cycle in cycles:
        print(f"{root}: cycle:", " -> ".join(name(m) for m in cycle))
    for line in hidden:
        print(f"{root}: root import:", line)
    print(f"{root}: {len(modules)} modules, {sum(len(e) for e in edges.values())} imports, {len(cycles)} cycles")
    return not cycles and not hidden


repo = pathlib.Path(__file__).resolve().parent.parent
roots = [pathlib.Path(a) for a in sys.argv[1:]] or [repo / "src", repo / "web" / "src", repo / "sandbox" / "src"]
results = [check(root) for root in roots]
sys.exit(0 if all(results) else 1)
