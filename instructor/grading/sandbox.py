"""Running one child process under the strongest isolation this machine offers.

- "bwrap" (bubblewrap, Debian package `bubblewrap`): an allowlist. The child's
  file system starts empty and holds only, read-only, the Python runtime (the
  interpreter, its standard library, the environment's package folders, the
  system's shared libraries under /lib and /usr/lib and the loader's few /etc
  files: ld.so.cache, ld.so.conf(.d), localtime, nsswitch.conf, passwd,
  group) and the kit's packages (`lessons`, and `instructor` for the grading
  child and its probes) and its data folder; read-write, its own scratch
  folder, a private 256 MB /tmp and 64 MB /dev/shm; a read-only minimal /dev
  and its own /proc. Nothing else is there: no home folder (but the way to a
  runtime kept in it), no /opt, /srv, /var or /mnt, none of the instructor's
  checkout (solutions, tests, notebooks, .git) but the kit and a virtual
  environment kept in it, no submissions, output or other scratch folders,
  and a folder passed as hidden stays hidden even inside a shown one.
  `visible_paths()` lists what it sees. It has no network (own network, PID,
  IPC and user namespaces), runs as `nobody` with no capabilities (its user
  namespace maps nobody to the grader's own user, so a grader run as root
  owns what it sees, all of it read-only), and dies with the grader.
- "user" (root without working bwrap): the child runs as `nobody`, so it can
  write only where everybody may (its scratch folder, /tmp); it can read what
  everybody may read, and it can reach the network.
- "none" (neither): a plain child process of the grader's own user: it can
  read and write what that user can, and reach the network. The grader warns.

In all three the child has a time limit (its whole process group is killed),
a memory limit (RLIMIT_DATA, set by the child itself before any student code
runs), a 512 MB limit per file and no core dumps.
"""

import dataclasses
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

NOBODY = 65534
TMP_BYTES = 256 * 2**20  # the private /tmp
SHM_BYTES = 64 * 2**20  # the private /dev/shm (POSIX semaphores, shared memory)
RUNNING = set()  # process groups of the children running now

# The shared libraries (the interpreter's and the C extensions'): bound when they are
# folders, recreated when they are symbolic links (/lib -> usr/lib on merged-/usr systems).
SYSTEM_LIBRARIES = (
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/usr/lib",
    "/usr/lib32",
    "/usr/lib64",
    "/usr/libx32",
)
# What the dynamic loader and the C library read (no secrets: /etc/shadow is not here).
SYSTEM_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",  # the time zone (else UTC)
    "/etc/nsswitch.conf",
    "/etc/passwd",  # getpass.getuser() and pwd for `nobody`
    "/etc/group",
)
PACKAGE_FOLDERS = ("site-packages", "dist-packages")

DESCRIPTIONS = {
    "bwrap": (
        "bubblewrap sandbox: sees only the Python runtime, the kit's package and data "
        "(read-only), its scratch folder and a private /tmp; no network; runs as nobody"
    ),
    "user": (
        "unprivileged user (nobody), no bubblewrap: writes only where everybody may; can read "
        "world-readable files and reach the network"
    ),
    "none": (
        "NO SANDBOX: student code runs as the grader's user and can "
        "read and write that user's files and reach the network"
    ),
}


@dataclasses.dataclass
class Outcome:
    """How a child process ended."""

    returncode: int | None  # exit status, or None if killed by a signal
    signal: int | None
    timed_out: bool
    seconds: float
    peak_mb: float  # the largest resident set of the child and its descendants


@dataclasses.dataclass
class Isolation:
    kind: str  # "bwrap", "user" or "none"
    hidden: tuple = ()  # folders the child must not see (bwrap only)

    @property
    def description(self):
        return DESCRIPTIONS[self.kind]

    def command(self, argv, scratch):
        """`argv` wrapped for this isolation, and extra arguments for Popen."""
        if self.kind == "user":
            return argv, {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        if self.kind == "none":
            return argv, {}
        return bwrap_command(argv, scratch, self.hidden), {}

    def prepare(self, scratch):
        """Let the child's user write its scratch folder."""
        if self.kind == "user":
            for path in [scratch, *scratch.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)


def _inside(path, folder):
    return path == folder or folder in path.parents


def _kit():
    """The kit's folders the child needs (the student package, the grading child and its
    probes, the data) and the checkout holding them (None if installed)."""
    package = Path(importlib.util.find_spec("lessons").origin).resolve().parent
    tools = Path(importlib.util.find_spec("instructor").origin).resolve().parent
    root = package.parent
    is_checkout = any((root / mark).exists() for mark in ("pyproject.toml", ".git", "solutions"))
    return [package, tools, root / "data"], root if is_checkout else None


def _chain(path):
    """(real file, [(target, link)]): `path` and the symbolic links that lead from it."""
    links = []
    path = Path(os.path.abspath(path))
    for _ in range(40):
        path = path.parent.resolve() / path.name
        if not path.is_symlink():
            break
        target = os.readlink(path)
        links.append((target, path))
        path = path.parent / target
    return path, links


def _pth_folders(site_folders):
    """The folders that the .pth files of `site_folders` put on sys.path."""
    for folder in site_folders:
        for pth in sorted(folder.glob("*.pth")):
            try:
                lines = pth.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            for line in lines:
                line = line.strip()
                if line and not line.startswith(("#", "import ", "import\t")):
                    yield (folder / line).resolve()


def _base_path(name):
    """A sysconfig path of the base interpreter (not of the virtual environment)."""
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}  # get_path changes it
    return Path(sysconfig.get_path(name, vars=base)).resolve()


@dataclasses.dataclass
class View:
    """What the bwrap child sees: `mounts` in order, then `links`.

    A path is visible when the nearest of itself and its folders that `mounts` names is
    shown (bound read-only from the host at the same place); it is hidden when that one is
    covered (an empty read-only folder laid over it), or when none is named.
    """

    mounts: list  # ("show" or "cover", path), parents first
    links: list  # (target, link): symbolic links recreated where nothing shown holds them

    @property
    def binds(self):
        return [path for kind, path in self.mounts if kind == "show"]

    @property
    def covers(self):
        return [path for kind, path in self.mounts if kind == "cover"]

    def paths(self):
        return sorted({*self.binds, *(link for _, link in self.links)})


def _shown(path, marks):
    """Whether `path` is visible: the nearest of it and its folders in `marks` says so."""
    return next((marks[p] for p in (path, *path.parents) if p in marks), False)


def _layout(shown, hidden):
    """The mounts that show `shown` and, of what they hold, nothing of `hidden`.

    Every path gets one mark (hidden wins when a path is in both); in parents-first order,
    a shown path is bound unless a shown folder already shows it, and a hidden one is
    covered only where a shown folder would show it. So a shown folder inside a hidden one
    inside a shown one (the kit in a checkout under /usr/lib) is bound again, and a hidden
    folder inside the kit (submissions kept in data/) is covered, at any depth.
    """
    marks = {p: True for p in shown} | {p: False for p in hidden}
    mounts = []
    for path in sorted(marks):
        above = path != path.parent and _shown(path.parent, marks)
        if marks[path] != above:
            mounts.append(("show" if marks[path] else "cover", path))
    return mounts, marks


def view(hidden=()):
    """The child's file system: the runtime and the kit, nothing of `hidden` or the checkout."""
    kit_folders, checkout = _kit()
    home = Path.home().resolve()
    guarded = {Path(h).resolve() for h in hidden} | {home} | ({checkout} if checkout else set())
    guarded.discard(Path("/"))
    venv = Path(sys.prefix).resolve() if sys.prefix != sys.base_prefix else None

    # The interpreter, its shared library, its standard library, the environment.
    interpreter, links = _chain(sys.executable)
    needed = {interpreter}
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        library = Path(sysconfig.get_config_var("LIBDIR") or "/") / (
            sysconfig.get_config_var("INSTSONAME") or ""
        )
        if library.is_file():
            real, more = _chain(library)
            needed.add(real)
            links += more
    needed |= {_base_path("stdlib"), _base_path("platstdlib")}
    needed |= {venv} if venv else set()

    # The package folders on sys.path (not the checkout, the current folder or the tests).
    on_path = {Path(p or ".").resolve() for p in sys.path}
    sites = [p for p in on_path if p.name in PACKAGE_FOLDERS and p.is_dir()]
    prefixes = (sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix)
    prefixes = {Path(p).resolve() for p in prefixes}

    def packages(p):
        return (
            p.name in PACKAGE_FOLDERS
            or any(_inside(p, prefix) for prefix in prefixes)
            or p in pth_folders
        )

    def safe(p):
        if p == Path("/") or any(_inside(g, p) for g in guarded) or (p / "solutions").exists():
            return False  # it is or holds the checkout, the home or a hidden folder
        return not (checkout and _inside(p, checkout) and not (venv and _inside(p, venv)))

    pth_folders = set(_pth_folders(sites))
    needed |= {p for p in on_path if p.exists() and packages(p) and safe(p)}

    # The system's shared libraries and the loader's files.
    for name in SYSTEM_LIBRARIES:
        path = Path(name)
        if path.is_symlink():
            links.append((os.readlink(path), path))
            needed |= {path.resolve()} if path.resolve().is_dir() else set()
        elif path.is_dir():
            needed.add(path)
    needed = {p.resolve() for p in needed if p.exists()}
    needed |= {Path(f) for f in SYSTEM_FILES if Path(f).exists()}  # where they are looked for
    needed |= {p for p in kit_folders if p.is_dir()}

    # The interpreter's own site-packages, when a virtual environment stands in for it.
    unused = {_base_path("purelib"), _base_path("platlib")} - on_path
    mounts, marks = _layout(needed, {p for p in guarded | unused if p.is_dir()})
    links = sorted({(target, link) for target, link in links if not _shown(link, marks)})
    return View(mounts=mounts, links=links)


def visible_paths(hidden=()):
    """What the bwrap child sees read-only (besides /dev, /proc, its scratch and its /tmp)."""
    return view(hidden).paths()


def bwrap_command(argv, scratch=None, hidden=()):
    """`argv` inside bubblewrap: it sees only `view(hidden)`, and writes only to `scratch`."""
    seen = view(hidden)
    # /dev, /proc and /tmp first, so that a runtime kept under /tmp is bound over them.
    command = ["bwrap", "--dev", "/dev", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm"]
    command += ["--proc", "/proc", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    for kind, path in seen.mounts:
        command += ["--ro-bind", str(path), str(path)] if kind == "show" else ["--tmpfs", str(path)]
    for target, link in seen.links:
        command += ["--symlink", target, str(link)]
    if scratch is not None:
        command += ["--bind", str(scratch), str(scratch), "--chdir", str(scratch)]
    # Nothing can be written in the covers, in /dev (only its devices and /dev/shm) or in
    # the empty root: the limited tmpfs folders and the scratch folder are the only places.
    for folder in [*seen.covers, "/dev", "/"]:
        command += ["--remount-ro", str(folder)]
    command += ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    command += ["--uid", str(NOBODY), "--gid", str(NOBODY), "--", *argv]
    return command


def bwrap_works():
    """Whether bubblewrap can make the sandbox here (user namespaces or root) and run Python."""
    if not shutil.which("bwrap"):
        return False
    check = [sys.executable, "-I", "-S", "-c", "pass"]
    try:
        done = subprocess.run(bwrap_command(check), capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def nobody_can_run_the_kit():
    """Whether the user nobody can start this Python and find the kit (a home may be private)."""
    check = [sys.executable, "-c", "import importlib.util as u; assert u.find_spec('lessons')"]
    try:
        done = subprocess.run(
            check, user=NOBODY, group=NOBODY, extra_groups=[], cwd="/", capture_output=True
        )
    except OSError:
        return False
    return done.returncode == 0


def choose(mode="auto", hidden=()):
    """The isolation for `mode` ("auto", "bwrap", "user" or "none"); ValueError if unusable."""
    if mode in ("auto", "bwrap") and bwrap_works():
        return Isolation("bwrap", tuple(hidden))
    if mode == "bwrap":
        raise ValueError("bubblewrap (bwrap) is missing or cannot create a sandbox here")
    if mode in ("auto", "user") and os.geteuid() == 0 and nobody_can_run_the_kit():
        return Isolation("user")
    if mode == "user":
        raise ValueError(
            "--sandbox user needs the grader to run as root, and the user nobody to be able to "
            f"read {sys.executable} and the kit (a Python installed in a private home is not)"
        )
    return Isolation("none")


def run(argv, *, isolation, scratch, env, timeout, log_path):
    """Run `argv` isolated, killing its process group after `timeout` seconds."""
    command, extra = isolation.command(argv, scratch)
    isolation.prepare(scratch)
    started = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=scratch,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
            **extra,
        )
    RUNNING.add(process.pid)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            timed_out = True
            _kill_group(process.pid)
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.1)
    process.returncode = os.waitstatus_to_exitcode(status)
    _kill_group(process.pid)  # anything it left running
    RUNNING.discard(process.pid)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    killed = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    if isolation.kind == "bwrap" and code is not None and code > 128:
        code, killed = None, code - 128  # bwrap exits with 128 + the signal that ended its child
    return Outcome(
        returncode=code,
        signal=killed,
        timed_out=timed_out,
        seconds=time.monotonic() - started,
        peak_mb=usage.ru_maxrss / 1024,
    )


def kill_all():
    """Kill every child running now (the grader is stopping)."""
    for pgid in list(RUNNING):
        _kill_group(pgid)


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
