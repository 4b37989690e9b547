"""Python talks to the jsii kernel over one socket instead of through a relay process.

jsii's Python runtime starts `node bin/jsii-runtime.js`, which starts a second Node process for the
kernel (`lib/program.js`, reading and writing its API channel on fd 3) and relays every message between
Python's pipes and that fd. A synthesis of the example sends ~2,100 messages; each pays the relay's two
extra hops (0.33 ms per trivial call with the relay, 0.22 ms without, on a quiet 2-core machine), and the
relay is a second Node start. `enable()` starts the kernel itself, with a socket pair as its fd 3, through
`sh -c 'exec node ... 3<&0'`. Same kernel, same messages: the output is byte-identical (tests/test_speed.py
compares a synthesis without this, MLOPS_TF_PLAIN_IMPORT=1, with the suite's). Two differences: what the
kernel prints goes to our stderr (jsii's relay sent its stdout to ours), and the relay's warning about a
Node.js version jsii does not support is not printed (the README names the Node.js mlops-tf runs on).

Where the layout of jsii's embedded runtime is not the one expected, or on a system without /bin/sh,
jsii's own start is kept.
"""

from __future__ import annotations

import atexit
import errno
import importlib.abc
import importlib.machinery
import importlib.util
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, NoReturn

SHELL = "/bin/sh"
# $0 is node: the kernel gets the socket (stdin) as fd 3, which lib/program.js reads and writes.
EXEC_WITH_FD3 = 'exec "$0" "$@" 3<&0 0</dev/null'


class KernelExited(RuntimeError):
    """Node, which runs the jsii kernel, ended in the middle of a synthesis (killed, out of memory, crashed)."""

    def __init__(self, popen: subprocess.Popen) -> None:
        try:
            status = popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            status = None
        how = (
            f"killed by signal {-status}"
            if status is not None and status < 0
            else f"exit status {status}"
            if status is not None
            else "its channel closed"
        )
        super().__init__(
            f"Node.js (the jsii kernel cdktf runs on) ended during the synthesis ({how}; out of memory or "
            "killed?); nothing was written"
        )


class _Channel:
    """One direction of the kernel's socket as jsii reads and writes it; a kernel that ended is an error
    that says so (jsii would fail to parse an empty line), and writing to it at exit is a no-op."""

    def __init__(self, file: IO[bytes], popen: subprocess.Popen) -> None:
        self._file, self._popen = file, popen

    def readline(self) -> bytes:
        try:
            line = self._file.readline()
        except ConnectionResetError:
            line = b""
        if not line:
            raise KernelExited(self._popen)
        return line

    def write(self, data: bytes) -> int:
        try:
            return self._file.write(data)
        except (BrokenPipeError, ConnectionResetError):
            if self._popen.poll() is None:
                raise
            return len(data)  # jsii's exit message to a kernel that already ended

    def flush(self) -> None:
        try:
            self._file.flush()
        except (BrokenPipeError, ConnectionResetError):
            if self._popen.poll() is None:
                raise

    def close(self) -> None:
        try:
            self._file.close()
        except (BrokenPipeError, ConnectionResetError):
            pass

    @property
    def closed(self) -> bool:
        return self._file.closed


class _KernelProcess:
    """What jsii's _NodeProcess uses of a Popen: stdin/stdout carry the API, stderr the kernel's output."""

    def __init__(self, popen: subprocess.Popen, channel: socket.socket) -> None:
        self._popen, self._channel = popen, channel
        self.stdin = _Channel(channel.makefile("wb"), popen)
        self.stdout = _Channel(channel.makefile("rb"), popen)
        self.stderr = popen.stdout  # the kernel's stdout and stderr, merged (jsii's relay sent stdout to ours)

    def wait(self, timeout: float | None = None) -> int:
        code = self._popen.wait(timeout)
        self._channel.close()
        return code

    def terminate(self) -> None:
        self._popen.terminate()

    def poll(self) -> int | None:
        return self._popen.poll()


def _forward_output(reader: IO[bytes]) -> None:
    """Copy what the kernel prints (warnings, console output of constructs) to our stderr."""
    for line in iter(reader.readline, b""):
        try:
            sys.stderr.buffer.write(line)
            sys.stderr.flush()
        except (AttributeError, ValueError, OSError):
            pass


def program_path(runtime: str) -> Path:
    """lib/program.js beside jsii's bin/jsii-runtime.js (both written to one temporary folder by jsii)."""
    return Path(runtime).resolve().parent.parent / "lib" / "program.js"


def cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlops-tf"


def installed_program() -> Path | None:
    """The kernel's lib/ files, written once per jsii version to mlops-tf's cache folder.

    jsii writes its embedded runtime to a new temporary folder at every start and removes it when Python
    stops the kernel; a copy that stays needs no removal, so an exit that does not wait for the kernel
    (`exit_process` before anything was built) leaves nothing behind. None when it cannot be written.
    """
    jsii = sys.modules["jsii"]  # loaded: this runs as jsii starts its kernel
    embedded = Path(str(jsii.__file__)).parent / "_embedded" / "jsii"  # lib__program.js is lib/program.js
    folder = cache_home() / f"jsii-runtime-{jsii.__version__}"
    program = folder / "lib" / "program.js"
    if program.is_file():
        return program
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        (staging / "lib").mkdir()
        for source in embedded.glob("lib__*"):
            shutil.copyfile(source, staging / "lib" / source.name.removeprefix("lib__"))
        try:
            os.rename(staging, folder)
        except OSError:  # another process installed it first
            shutil.rmtree(staging, ignore_errors=True)
    except OSError:
        return None
    return program if program.is_file() else None


def _start(self: Any) -> None:
    """_NodeProcess.start, without the relay: spawn the kernel with a socket pair as its fd 3."""
    environ = os.environ.copy()
    environ["JSII_AGENT"] = f"Python/{platform.python_version()}"
    node = environ.get("JSII_NODE", "node")
    found = shutil.which(node, path=environ.get("PATH"))
    if found is None:  # what Popen would raise for it (the shell below would only exit 127)
        raise FileNotFoundError(errno.ENOENT, f"{os.strerror(errno.ENOENT)} (Node.js runs cdktf: install it)", node)
    runtime = environ.get("JSII_RUNTIME")
    program = program_path(runtime) if runtime else installed_program()
    if program is None or not program.is_file():
        return _ORIGINAL_START(self)
    ours, theirs = socket.socketpair()
    try:
        popen = subprocess.Popen(
            # the flags jsii-runtime.js gives the kernel (the heap limit jsii's Python gives the relay)
            [SHELL, "-c", EXEC_WITH_FD3, found, "--max-old-space-size=4069", "--preserve-symlinks", str(program)],
            stdin=theirs.fileno(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=environ,
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    self._process = _KernelProcess(popen, ours)
    self.sink_thread = threading.Thread(
        name="process.stderr_sink", target=_forward_output, args=(popen.stdout,), daemon=True
    )
    self.sink_thread.start()
    atexit.register(self.stop)  # as jsii does: the kernel is told to exit when Python exits
    _STARTED.append(self)
    self.handshake()


_ORIGINAL_START: Any = None
_STARTED: list[Any] = []  # the kernels started here
_EARLY_EXIT_HOOKS: list[Callable[[], bool]] = []


def at_early_exit(hook: Callable[[], bool]) -> None:
    """Have `exit_process` call hook() first; when it returns True (nothing was built: the kernel is only
    loading), the exit does not wait for the kernel, which exits by itself when our end of its socket closes."""
    _EARLY_EXIT_HOOKS.append(hook)


PROCESS_MODULE = "jsii._kernel.providers.process"


def _patch(process: Any) -> None:
    global _ORIGINAL_START
    if _ORIGINAL_START is None:
        _ORIGINAL_START = process._NodeProcess.start
        process._NodeProcess.start = _start


class _PatchOnImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Patches jsii's process module when it is imported: `enable()` itself must not load jsii (--help)."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name != PROCESS_MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        self._loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self._loader.exec_module(module)
        _patch(module)


def enable() -> None:
    """Start the jsii kernel without the relay from now on (call before cdktf's import); not for plain."""
    if os.environ.get("MLOPS_TF_PLAIN_IMPORT") == "1" or not os.path.exists(SHELL) or _ORIGINAL_START is not None:
        return
    if PROCESS_MODULE in sys.modules:
        _patch(sys.modules[PROCESS_MODULE])
    elif not any(isinstance(finder, _PatchOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())


def exit_process(code: str | int | None) -> NoReturn:
    """sys.exit(code), without the interpreter's teardown once cdktf was loaded.

    After a synthesis, Python's teardown deallocates the provider bindings' ~100,000 objects one by one
    (~0.2 s of every synth, plan or apply). Here the exit handlers run as at any exit (jsii's stops the
    kernel and removes its files), output is flushed, and only that teardown is skipped; with a thread
    still running, under a profiler or debugger, or before cdktf was loaded, this is the ordinary sys.exit.
    """
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    # a profiler or debugger writes its results after the program returns, not in an exit handler
    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if "cdktf" not in sys.modules or others or watched:
        sys.exit(code)
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit does with a message
        code = 1
    if any([hook() for hook in _EARLY_EXIT_HOOKS]):
        # The kernel reads end-of-file once its current load is done, exits and removes its own files.
        for kernel in _STARTED:
            atexit.unregister(kernel.stop)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code or 0)
