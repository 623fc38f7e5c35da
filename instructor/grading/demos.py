"""Which of a submitted notebook's cells the grader runs: not the lesson's own demonstrations.

Most of a notebook's run time goes to cells the student did not write and did
not change: the training runs, the plots, the tables. They
cannot change a grade, because the hidden tests call the student's objects on
inputs of their own, after the cells; the reference, too, runs only the
solution's context and exercise cells (`instructor.grade.reference`).

So a cell is skipped when its code is, character for character, a cell the
release gave the student outside every exercise, the context, the set-up cell
and the checks (a check's message is part of the feedback). Every other cell
runs: the exercises, the checks, whatever the student added or edited, the
context. A skipped cell runs after all when code that runs (or a
name the probes look up) refers to a name it binds, e.g. a student's function
that reads the global `char_to_index` a demonstration made; and then so do the
cells that one needs, and so on. Python's own `symtable` finds the names, with
Python's scoping rules: a function's local `x` is not the global `x`.
"""

import ast
import symtable
import threading


def ipython_to_python():
    """IPython's own translation of `%magic` and `!command` lines, or commenting them out."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell
    except ImportError:
        return lambda source: "\n".join(
            "# " + line if line.lstrip().startswith(("%", "!")) else line
            for line in source.splitlines()
        )


def _key(source):
    """A cell's code as compared with the release's: trailing blanks do not count."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def demonstrations(notebook, setup_tag):
    """The code of the lesson's cells that are neither exercise, context, set-up nor check.

    The checks run: what they tell a student about a mistake is part of the feedback.
    """
    transform = ipython_to_python()
    found = set()
    for cell in notebook.cells:
        tags = cell.metadata.get("rnn_lessons", {})
        if (
            cell.cell_type != "code"
            or tags.get("exercise")
            or tags.get("context")
            or setup_tag in cell.metadata.get("tags", [])
        ):
            continue
        read = names(cell.source, transform)
        if read is not None and not runs_a_check(cell.source, transform):
            found.add(_key(cell.source))
    return frozenset(found)


def runs_a_check(source, transform=None):
    """Whether the cell calls the lesson's `checks` for its own sake.

    A cell that names `checks` only to choose between the student's version and the kit's
    (`yours_or_kit(mine, checks.check_mine, kit)`) is a demonstration: what it prints is not
    feedback on the exercise, its own check cell gives that.
    """
    code = (transform or ipython_to_python())(source)
    try:
        with _PARSING:
            tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    choosing = {
        id(node)
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "yours_or_kit"
        for node in ast.walk(call)
    }
    return any(
        isinstance(node, ast.Name) and node.id == "checks" and id(node) not in choosing
        for node in ast.walk(tree)
    )


# `grade --jobs N` grades in threads, and CPython 3.11's AST constructor keeps its recursion
# depth per interpreter, not per thread: two parses at once can fail with "SystemError: AST
# constructor recursion depth mismatch" (CPython gh-106905). One parse at a time.
_PARSING = threading.Lock()


def names(source, transform=None):
    """(names the code binds at module level, module-level names it reads as it runs,
    those its functions and classes read when called), or None if it does not compile
    (it would raise SyntaxError and bind nothing).
    """
    code = (transform or ipython_to_python())(source)
    try:
        with _PARSING:
            top = symtable.symtable(code, "<cell>", "exec")
            tree = ast.parse(code)
    except (SyntaxError, ValueError, TypeError):
        return None
    # `x += 1` reads x, but symtable records only the store: count it as read, now and later
    updated = {
        node.target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)
    }
    bound, now, later = set(), set(updated), set(updated)
    tables = [top]
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        module = table.get_type() == "module"
        for symbol in table.get_symbols():
            if not (module or symbol.is_global()):
                continue  # a local, a parameter or a closure's variable: not the module's
            if symbol.is_referenced():
                (now if module else later).add(symbol.get_name())
            if symbol.is_assigned() or symbol.is_imported() or (module and symbol.is_namespace()):
                bound.add(symbol.get_name())
    return bound, now, later


def bound_by(sources):
    """Every module-level name the code of `sources` binds (the exercises': what probes find)."""
    transform = ipython_to_python()
    return frozenset().union(*[(names(source, transform) or ((),))[0] for source in sources])


def cells_to_run(cells, demos, looked_up=frozenset()):
    """(the cells to run, the numbers of those skipped), in notebook order.

    `cells`: [{"number", "source", ...}]; `demos`: `demonstrations(...)`;
    `looked_up`: names the probes take from the namespace after the cells.
    A demonstration is needed when a later cell that runs reads a name it binds, or a
    function of any cell that runs (called any time later), or a probe.
    """
    if cells is None:  # an unreadable notebook: nothing to choose from
        return None, []
    transform = ipython_to_python()
    found = {cell["number"]: names(cell["source"], transform) for cell in cells}
    skipped = {
        cell["number"]
        for cell in cells
        if found[cell["number"]] is not None and _key(cell["source"]) in demos
    }
    changed = True
    while changed:  # a needed demonstration's own needs, until nothing changes
        running = [n for n, f in found.items() if f is not None and n not in skipped]
        anytime = set(looked_up).union(*[found[n][2] for n in running])
        changed = False
        for number in sorted(skipped):
            later_reads = set().union(*[found[n][1] for n in running if n > number])
            if found[number][0] & (anytime | later_reads):
                skipped.discard(number)
                changed = True
                break  # recompute what the cells that run read
    return [cell for cell in cells if cell["number"] not in skipped], sorted(skipped)
