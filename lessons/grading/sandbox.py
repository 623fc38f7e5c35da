"""Running one child process under the strongest isolation this machine offers.

- "bwrap" (bubblewrap, Debian package `bubblewrap`): the child sees the file
  system read-only, with the instructor's home, the repository (all but the
  kit's package, its data and the Python environment), the submissions and
  the output folder hidden behind empty read-only folders; it writes only its
  scratch folder and a 256 MB /tmp; it has no network (own network, PID, IPC
  and user namespaces), runs as `nobody` with no capabilities, and dies with
  the grader.
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
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

NOBODY = 65534
TMP_BYTES = 256 * 2**20
RUNNING = set()  # process groups of the children running now

DESCRIPTIONS = {
    "bwrap": (
        "bubblewrap sandbox: read-only file system with the home, repository, submissions and "
        "output hidden; writes only to its scratch folder; no network; runs as nobody"
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


def _needed_paths():
    """What the child must see: the Python environment, the kit's package and data."""
    import lessons

    package = Path(lessons.__file__).resolve().parent
    paths = {Path(sys.prefix), Path(sys.base_prefix), package, package.parent / "data"}
    paths |= {Path(p) for p in sys.path if p and Path(p).is_dir()}
    return {p.resolve() for p in paths if p.exists()}


def _inside(path, folder):
    return path == folder or folder in path.parents


def bwrap_command(argv, scratch=None, hidden=()):
    """`argv` inside bubblewrap, writing only to `scratch`, with `hidden` folders emptied."""
    hidden = sorted({Path(h).resolve() for h in hidden if Path(h).is_dir()})
    hidden = [h for h in hidden if h != Path("/") and not any(o in h.parents for o in hidden)]
    covered = [*hidden, Path("/tmp")]
    # Bring back what the child needs from under the hidden folders, but never a folder
    # that holds a hidden one (the repository is on sys.path in tests): that would undo it.
    needed = [
        p
        for p in sorted(_needed_paths())
        if any(_inside(p, c) for c in covered) and not any(_inside(h, p) for h in hidden)
    ]
    needed = [p for p in needed if not any(q in p.parents for q in needed)]
    command = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    command += ["--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    for folder in hidden:
        command += ["--tmpfs", str(folder)]
    for path in needed:
        command += ["--ro-bind", str(path), str(path)]
    if scratch is not None:
        command += ["--bind", str(scratch), str(scratch), "--chdir", str(scratch)]
    for folder in hidden:
        command += ["--remount-ro", str(folder)]
    command += ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    command += ["--uid", str(NOBODY), "--gid", str(NOBODY), "--", *argv]
    return command


def bwrap_works():
    """Whether bubblewrap can make the sandbox here (it needs user namespaces or root)."""
    if not shutil.which("bwrap"):
        return False
    try:
        done = subprocess.run(bwrap_command(["true"]), capture_output=True, timeout=60)
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
