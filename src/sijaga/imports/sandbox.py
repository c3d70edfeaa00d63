"""Parse untrusted files in a child process with hard limits, so that a hostile file can only kill the child.

A spreadsheet parser (calamine, through fastexcel) allocates the dense grid a sheet declares: a 1.7 KB workbook
can ask for 550 GB, and a Rust allocation failure aborts the whole process. The import worker must survive that,
so the parse runs in a fresh interpreter (``sys.executable``, not a fork: Polars' thread pool does not survive
``fork``) whose address space, CPU time and output size are capped with ``setrlimit``, and whose wall time the
parent watches. If the child dies, for whatever reason, the parent raises :class:`ChildFailed`; it never dies
itself.

Protocol: the parent starts the child at once with its target ``module:function`` (:func:`start`), so that the
child's interpreter start, imports and Django set-up overlap with whatever the parent checks meanwhile; then
:meth:`Child.run` sends the JSON arguments on the child's stdin. The target is called as ``target(args, out)``
with a private folder ``out`` for large results (e.g. an Arrow IPC file) and returns a JSON-able dict. An
exception with ``code`` and ``message`` attributes (``reader.FileRefused``) comes back as :class:`ChildRefused`;
anything else, including ``MemoryError`` and signals, as :class:`ChildFailed`, with the child's traceback or last
output logged.

The child configures a minimal Django (translations only, no apps, no database) with the parent's locale paths
and active language, so messages it renders read exactly as the parent's would.

Limits are module constants, read when a child starts (tests lower them):

* ``MEMORY_BYTES``: address space (``RLIMIT_AS``), which is virtual, not resident: Polars' thread pool alone
  reserves hundreds of MB, so the child runs Polars on ``CHILD_THREADS`` threads whatever the machine. Measured:
  a legitimate 1,000,000-row template workbook (12 columns) reads with 2.5 GiB and fails with 2 GiB (1.3–1.6 GB
  resident at its peak); 4 GiB leaves room for 1,048,576 rows of long values, and stops any bomb far below the
  tens of GB it asks for.
* ``CPU_SECONDS``: CPU time of the child (all threads; ``RLIMIT_CPU``). The 1,000,000-row workbook needs ~15–20 s.
* ``WALL_SECONDS``: the parent kills the child after this long (a child stuck in I/O uses no CPU).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

logger = logging.getLogger(__name__)

MEMORY_BYTES = 4 * 1024**3
CPU_SECONDS = 300
WALL_SECONDS = 600
CHILD_THREADS = 2
OUTPUT_TAIL = 2000  # characters of the child's stderr kept for the log (its start and its end)
_RESULT = "result.json"


class ChildFailed(Exception):
    """The child gave no result: killed by a limit or a signal, crashed (Rust abort, MemoryError) or timed out."""


class ChildRefused(Exception):
    """The target refused its input: ``code`` and ``message`` as it raised them."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Child:
    """A started child waiting for its request; use as a context manager so it is always reaped."""

    def __init__(self, target: str) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="sijaga-read-")
        self.out = Path(self._tmp.name)
        self.target = target
        self.limits = {"memory": MEMORY_BYTES, "cpu": CPU_SECONDS, "wall": WALL_SECONDS}
        config = {"target": target, "limits": self.limits, "django": _django_config()}
        package_root = str(Path(__file__).resolve().parents[2])  # the folder holding `sijaga`: this very code
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p),
            "MALLOC_ARENA_MAX": "2",  # glibc reserves 64 MB of address space per arena otherwise
            "POLARS_MAX_THREADS": str(CHILD_THREADS),  # the same address space on 2 cores as on 64
            "RUST_BACKTRACE": "0",  # an allocation failure logs its one telling line, not 40 frames
        }
        self._stderr = (self.out / "stderr.txt").open("wb")
        self.started = time.monotonic()
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [
                sys.executable,
                "-c",
                "from sijaga.imports.sandbox import _child_main; _child_main()",
                str(self.out),
                json.dumps(config),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            env=env,
            start_new_session=True,  # its own process group: a timeout kills whatever it started too
            close_fds=True,
        )

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill the child if it still runs, reap it and remove its folder."""
        if self._proc.poll() is None:
            self._kill()
        with suppress(OSError):
            self._proc.stdin.close()  # type: ignore[union-attr]
        self._proc.wait()
        self._stderr.close()
        self._tmp.cleanup()

    def _kill(self) -> None:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)  # the group this child leads, nothing else

    @contextmanager
    def run(self, args: dict) -> Iterator[dict]:
        """Send the arguments, wait for the result and yield it; `self.out` holds the target's files until exit."""
        try:
            self._proc.stdin.write(json.dumps(args).encode())  # type: ignore[union-attr]
            self._proc.stdin.close()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            pass  # the child is already gone: the wait below says how
        try:
            status = self._proc.wait(timeout=max(1.0, self.limits["wall"] - (time.monotonic() - self.started)))
        except subprocess.TimeoutExpired:
            self._kill()
            self._proc.wait()
            self._fail(f"no result after {self.limits['wall']} s (killed)")
        result_file = self.out / _RESULT
        if status != 0 or not result_file.exists():
            how = f"killed by signal {signal.Signals(-status).name}" if status < 0 else f"exit status {status}"
            self._fail(how)
        result = json.loads(result_file.read_text(encoding="utf-8"))
        if "refused" in result:
            raise ChildRefused(*result["refused"])
        if "ok" not in result:
            self._fail(result.get("error", "no result"))
        logger.debug("sandboxed %s finished in %.2f s", self.target, time.monotonic() - self.started)
        yield result["ok"]

    def _fail(self, how: str) -> None:
        self._stderr.flush()
        output = (self.out / "stderr.txt").read_bytes().decode("utf-8", "replace").strip()
        if len(output) > OUTPUT_TAIL:
            output = output[: OUTPUT_TAIL // 2] + " … " + output[-OUTPUT_TAIL // 2 :]
        logger.warning("sandboxed parse failed: %s; child output: %s", how, output or "(none)")
        raise ChildFailed(how)


def start(target: str) -> Child:
    """Start a child for `target` (``module:function``) now: it imports and sets up while the caller does other
    checks, then waits for :meth:`Child.run`."""
    return Child(target)


def _django_config() -> dict | None:
    """What the child needs to translate exactly as this process does."""
    from django.conf import settings

    if not settings.configured:
        return None
    from django.utils import translation

    return {
        "use_i18n": settings.USE_I18N,
        "language_code": settings.LANGUAGE_CODE,
        "languages": [[code, str(name)] for code, name in settings.LANGUAGES],
        "locale_paths": [str(p) for p in settings.LOCALE_PATHS],
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }


# --- the child ------------------------------------------------------------------------------------------------


def _lower_limit(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a resource limit (never raise it above the hard limit this process inherited)."""
    _current, inherited = resource.getrlimit(which)
    hard = soft if hard is None else hard
    if inherited != resource.RLIM_INFINITY:
        soft, hard = min(soft, inherited), min(hard, inherited)
    resource.setrlimit(which, (soft, hard))


def _child_main() -> None:
    out, config = Path(sys.argv[1]), json.loads(sys.argv[2])
    limits = config["limits"]
    _lower_limit(resource.RLIMIT_CORE, 0)  # a Rust abort must not write a core of gigabytes
    _lower_limit(resource.RLIMIT_AS, limits["memory"])
    _lower_limit(resource.RLIMIT_FSIZE, limits["memory"])  # the files it writes cannot exceed its memory
    _lower_limit(resource.RLIMIT_CPU, limits["cpu"], limits["cpu"] + 5)  # SIGXCPU, then SIGKILL
    status = 0
    try:
        # everything but the work itself, done while the parent still checks the file
        _setup_django(config["django"])
        module, name = config["target"].split(":")
        target = getattr(importlib.import_module(module), name)
        args = json.loads(sys.stdin.buffer.read() or b"null")
        if args is None:  # the parent changed its mind
            os._exit(0)
        result = {"ok": target(args, out)}
    except MemoryError:
        result, status = {"error": "MemoryError"}, 3
    except Exception as exc:
        if isinstance(getattr(exc, "code", None), str) and isinstance(getattr(exc, "message", None), str):
            result = {"refused": [exc.code, exc.message]}  # type: ignore[attr-defined]
        else:
            result = {"error": traceback.format_exc()[-OUTPUT_TAIL:]}
            sys.stderr.write(result["error"])
    try:
        (out / (_RESULT + ".tmp")).write_text(json.dumps(result), encoding="utf-8")
        (out / (_RESULT + ".tmp")).rename(out / _RESULT)
    except BaseException:  # even writing the result failed (memory, disk): the exit status tells
        status = status or 4
    sys.stderr.flush()
    os._exit(status)  # no interpreter teardown: freeing a large heap object by object only costs time


def _setup_django(config: dict | None) -> None:
    if config is None:
        return
    from django.apps import apps
    from django.conf import settings
    from django.utils import translation

    if not settings.configured:
        settings.configure(
            USE_I18N=config["use_i18n"],
            LANGUAGE_CODE=config["language_code"],
            LANGUAGES=[tuple(pair) for pair in config["languages"]],
            LOCALE_PATHS=config["locale_paths"],
            INSTALLED_APPS=[],
        )
        apps.populate([])  # what translations need of `django.setup()`, without importing URLs, HTTP and models
    translation.activate(config["language"])
