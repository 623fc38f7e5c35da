"""The kit's own answers as tripwires: an exercise must be the student's own code.

The kit holds a working answer to most exercises (`lessons.GRUCell` is lesson
04's GRU cell, `lessons.seq2seq.masked_loss` is lesson 09's masked loss),
and the checks hold NumPy references for all of them. Each lesson's checks
module declares those objects per exercise, in its `KIT_ANSWERS` table.

While a check (or the grader's hidden test) runs an exercise, a `Tripwire`
watches for three ways of handing in the kit's answer:

- *calling* it: a profile hook sees every Python call; a call of a declared
  function, or of a method defined in a declared class, whose nearest caller
  outside the kit and the libraries is the student's code (not the check's);
- *subclassing* it: the student's class has a declared class among its bases;
- *wrapping* it: the student's object is a declared object, or unwraps to one
  (`functools.partial`, `functools.wraps`' `__wrapped__`, a bound method), or
  runs a declared function's code (`types.FunctionType(f.__code__, ...)`).

It cannot see source text copied into a cell and changed: the grader's
similarity report is for that. It runs in the student's own process, so it
stops delegation, not a determined attack on the checks themselves (the
grader adds an audit hook so that the student's code cannot remove it).
"""

import functools
import inspect
import os
import sys
import sysconfig
import threading
from importlib import import_module
from pathlib import Path

KIT = Path(__file__).resolve().parents[1]  # the package `lessons`
CHECKS = KIT / "checks"
# Folders whose code may call the kit's answers: the checks (the kit's own test suite adds
# its folder, where wrong answers are built from the references).
AUTHORITY = [CHECKS]
LIBRARIES = tuple(
    sorted(
        {
            os.path.join(Path(p).resolve(), "")
            for p in (
                sysconfig.get_path("stdlib"),
                sysconfig.get_path("platstdlib"),
                sysconfig.get_path("purelib"),
                sysconfig.get_path("platlib"),
                sys.prefix,
                sys.base_prefix,
            )
            if p
        }
    )
)


def resolve(name):
    """The object a dotted name such as `lessons.seq2seq.masked_loss` stands for."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(f"kit answer {name!r}: no such module")


def _codes_of(obj):
    """The code objects that make up `obj`: a function's, or each method of a class."""
    if inspect.isclass(obj):
        for member in vars(obj).values():
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isinstance(member, property):
                yield from (_code(f) for f in (member.fget, member.fset) if f)
            elif inspect.isfunction(member):
                yield _code(member)
    elif callable(obj):
        yield _code(obj)


def _code(function):
    return inspect.unwrap(function).__code__


def _unwrapped(obj, depth=0):
    """`obj` and what it wraps (partials, `__wrapped__`, bound methods' functions)."""
    yield obj
    if depth > 10:
        return
    inner = getattr(obj, "__wrapped__", None)
    if isinstance(obj, functools.partial):
        inner = obj.func
    elif inspect.ismethod(obj):
        inner = obj.__func__
    if inner is not None and inner is not obj:
        yield from _unwrapped(inner, depth + 1)


@functools.lru_cache(maxsize=4096)
def frame_kind(filename, authority):
    """Whose code a frame of `filename` runs: "authority" (the checks, the grader), "kit",
    "library" (the standard library, installed packages) or "student" (the rest)."""
    path = filename if filename.startswith("<") else str(Path(filename).resolve())
    if path.startswith(authority):
        return "authority"
    if path.startswith(os.path.join(KIT, "")):
        return "kit"
    if path.startswith(LIBRARIES) or path.startswith("<frozen"):
        return "library"
    return "student"  # a notebook cell, a script, a test file


def student_on_stack(authority, frame=None):
    """Whether a frame of the student's code is on the stack (from `frame` up)."""
    frame = frame or sys._getframe(1)
    while frame is not None:
        if frame_kind(frame.f_code.co_filename, authority) == "student":
            return True
        frame = frame.f_back
    return False


class Tripwire:
    """Watch one exercise for the kit's answers `names` (dotted names).

    Args:
        names: the declared kit answers, e.g. `["lessons.GRUCell"]`.
        authority: folders whose code may call the answers (the checks; the
            grader's own code when it grades): a call made for them is fine.
    """

    def __init__(self, names, authority=()):
        self.names = list(names)
        self.objects = {name: resolve(name) for name in self.names}
        self.codes = {}  # code object -> the declared name it belongs to
        for name, obj in self.objects.items():
            for code in _codes_of(obj):
                label = f"{name}.{code.co_name}" if inspect.isclass(obj) else name
                self.codes.setdefault(code, label)
        folders = (*AUTHORITY, *authority)
        self.authority = tuple(os.path.join(Path(a).resolve(), "") for a in folders)
        self.hits = []  # plain-words descriptions, first one first
        self._seen = {}  # id(code) -> its declared name or None (codes kept alive in .codes)
        self._keep = []

    # --- what is declared --------------------------------------------------------------
    def inspect(self, obj, label="your object"):
        """Record a hit if `obj` is, subclasses or wraps a declared answer; True if so."""
        for inner in _unwrapped(obj):
            for name, declared in self.objects.items():
                if inner is declared:
                    return self.record(f"{label} is {name} itself")
                if inspect.isclass(inner) and inspect.isclass(declared):
                    if declared in inner.__mro__[1:]:
                        return self.record(f"{label} is a subclass of {name}")
            code = getattr(inner, "__code__", None)
            if code is not None and code in self.codes:
                return self.record(f"{label} runs the code of {self.codes[code]}")
        return False

    def record(self, text):
        if text not in self.hits:
            self.hits.append(text)
        return True

    # --- calls, while armed ------------------------------------------------------------
    def _profile(self, frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        name = self._seen.get(id(code), False)
        if name is False:
            name = self.codes.get(code)  # equal code counts too: a copied __code__
            self._seen[id(code)] = name
            self._keep.append(code)
        if name is None:
            return
        caller = frame.f_back
        while caller is not None:
            kind = frame_kind(caller.f_code.co_filename, self.authority)
            if kind == "authority":
                return
            if kind == "student":
                function = getattr(caller.f_code, "co_qualname", caller.f_code.co_name)
                where = f"{function}, line {caller.f_lineno}"
                self.record(f"your code calls {name} (from {where})")
                return
            caller = caller.f_back

    def arm(self):
        """Start watching calls (this thread and threads started from now on)."""
        self._previous = sys.getprofile()
        if self.codes:
            sys.setprofile(self._profile)
            threading.setprofile(self._profile)

    def disarm(self):
        if self.codes:
            sys.setprofile(self._previous)
            threading.setprofile(None)

    def intact(self):
        """Whether the profile hook is still the one `arm` set (nothing replaced it)."""
        return not self.codes or sys.getprofile() == self._profile

    def __enter__(self):
        self.arm()
        return self

    def __exit__(self, *exc_info):
        self.disarm()
        return False

    def message(self, exercise):
        """The hits in plain words, for a student."""
        found = "; ".join(self.hits[:2]) + ("; and more" if len(self.hits) > 2 else "")
        return (
            f"{exercise} must be your own code, but {found}. That is the kit's own answer to "
            "this exercise: write it yourself (the grader gives 0 points for an exercise "
            "that uses it)."
        )


def fingerprint():
    """What this module's watching rests on: compare before and after a student's code ran."""
    found = {}
    for owner in (globals(), vars(Tripwire)):
        for name, value in owner.items():
            found[name] = (id(value), id(getattr(value, "__code__", None)))
    return found


def guard_checks(namespace):
    """Wrap every `check_<exercise>` of a checks module `namespace` (its globals()).

    The wrapped check first looks at the objects it is given, then runs with
    the exercise's tripwire armed; a hit fails the check, whatever else it found.
    """
    from lessons.checks import CheckFailed

    declared = namespace.get("KIT_ANSWERS", {})
    for name, check in list(namespace.items()):
        exercise = name.removeprefix("check_")
        if name.startswith("check_") and callable(check) and declared.get(exercise):
            namespace[name] = _guarded(check, exercise, declared[exercise], CheckFailed)


def _guarded(check, exercise, names, failure):
    @functools.wraps(check)
    def guarded(*args, **kwargs):
        __tracebackhide__ = True
        wire = Tripwire(names)
        for value in (*args, *kwargs.values()):
            wire.inspect(value, label=f"`{getattr(value, '__name__', type(value).__name__)}`")
        if wire.hits:
            raise failure(wire.message(exercise))
        try:
            with wire:
                result = check(*args, **kwargs)
        except Exception:  # the kit's answer may fail the check in any way: say why
            if wire.hits:
                raise failure(wire.message(exercise)) from None
            raise
        if wire.hits:
            raise failure(wire.message(exercise))
        return result

    return guarded
