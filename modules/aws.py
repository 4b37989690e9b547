"""The one place that imports the AWS provider bindings, fast.

`cdktf_cdktf_provider_aws/__init__.py` eagerly imports ~2,200 submodules (7-11 s, >1 GB). Every
submodule registers the jsii assembly itself through `.._jsii`, so we register the package without
running its `__init__` and import only the submodules a stack uses. `MLOPS_TF_PLAIN_IMPORT=1` takes
the ordinary import instead; a test checks both give byte-identical output.

`load_in_background()` starts Node and loads the jsii assemblies on a second thread while this one goes
on importing Python; `preload()` queues the loads of constructs, cdktf and the provider there and imports
the Python submodules it is given. Every submodule is otherwise imported on first use (`aws.<name>`), so a
synthesis of two stacks imports the few dozen those stacks use instead of every one mlops-tf mentions
(~150: 0.7 s quiet); `aws.used` collects them per stack, the synth cache records them, and the next
synthesis of that stack hands them to `preload()`, so they are imported while Node still loads (~0.3 s of
Node's start that Python would otherwise spend waiting).

Usage: `from modules.aws import aws` then `aws.s3_bucket.S3Bucket(...)`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import queue
import re
import sys
import threading
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

import jsii._runtime as runtime  # the jsii kernel load_in_background() gates
from jsii._kernel.types import LoadRequest

from . import jsii_transport

PACKAGE = "cdktf_cdktf_provider_aws"
PROVIDER_ASSEMBLY = "@cdktf/provider-aws"  # the jsii assembly the bindings load
LOADING_SWITCH_INTERVAL = 0.0002  # seconds, while Node loads (load_in_background)
BINDING_NAME = re.compile(r"[a-z][a-z0-9_]*")  # a submodule of the bindings: s3_bucket, provider, ...
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")


class _CachedTypeHints(types.ModuleType):
    """`typing` for the generated bindings, with get_type_hints computed once per stub.

    Every binding call evaluates the string annotations of a `_typecheckingstub__...` function again
    (typing.get_type_hints) before its typeguard check; the stubs never change, so one evaluation
    each is enough. The checks themselves still run.
    """

    def __init__(self) -> None:
        super().__init__("typing")
        self._hints: dict[Any, dict[str, Any]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(typing, name)

    def get_type_hints(self, obj: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return typing.get_type_hints(obj, *args, **kwargs)
        hints = self._hints.get(obj)
        if hints is None:
            hints = self._hints[obj] = typing.get_type_hints(obj)
        return hints


_TYPING = _CachedTypeHints()


def _import(name: str) -> types.ModuleType:
    """Import a module of the bindings (or cdktf/constructs) and give it the caching typing."""
    module = importlib.import_module(name)
    # publication.publish() leaves only the public names on the module; the functions' globals are
    # those of the private module behind it.
    private: Any = getattr(module, "_private", module)
    if not plain_import() and getattr(private, "typing", None) is typing:
        private.typing = _TYPING
        if os.environ.get("MLOPS_TF_CHECK_BINDING_TYPES") != "1" and callable(vars(private).get("check_type")):
            private.check_type = _skip_type_check
    return module


def _skip_type_check(argname: str, value: object, expected_type: Any) -> None:
    """What the bindings' `if __debug__:` checks amount to under `python -O`: nothing."""


def plain_import() -> bool:
    return os.environ.get("MLOPS_TF_PLAIN_IMPORT") == "1"


def _register_package() -> None:
    """Put a bare package object for the bindings in sys.modules, with a path but no eager imports."""
    if PACKAGE in sys.modules:
        return
    if plain_import():
        importlib.import_module(PACKAGE)
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{PACKAGE} is not installed; run the set-up command from the README")
    package = types.ModuleType(PACKAGE)
    package.__path__ = list(spec.submodule_search_locations)
    package.__file__ = spec.origin
    package.__spec__ = spec
    package.__package__ = PACKAGE
    sys.modules[PACKAGE] = package


def load_in_background() -> None:
    """Start Node and load the jsii assemblies on a second thread while this one goes on importing Python.

    Until the first other jsii call, `kernel.load` (which every `<package>._jsii` import calls: constructs,
    cdktf, the provider) only queues the request, and a second thread starts Node and sends the loads in
    order; the kernel's provider is a gate that waits for those loads (and re-raises their failure) on first
    use. Node's share (its start, requiring cdktf, hashing the provider's 37 MB tarball for jsii's package
    cache: ~0.5 s quiet) then overlaps the import of cdktf's Python package and of the stacks' code. Call it
    before `import cdktf` for the whole gain; later it still covers the provider's load.
    """
    if plain_import():
        return
    kernel: Any = runtime.kernel  # jsii internals, patched on purpose (module docstring)
    if isinstance(kernel.provider, _Gate):
        return
    provider = kernel.provider
    requests: queue.SimpleQueue[Any] = queue.SimpleQueue()
    failures: list[BaseException] = []

    abandoned = threading.Event()

    def run() -> None:
        try:
            _ = provider._process  # starts Node
            while (request := requests.get()) is not None and not abandoned.is_set():
                provider.load(request)
                if request.name == PROVIDER_ASSEMBLY:  # the last load: the short interval has done its work
                    sys.setswitchinterval(switch_interval)
        except BaseException as exc:  # re-raised on the main thread by the gate
            failures.append(exc)
        finally:  # when the loads failed, or ended before the provider's (finish() joins this thread)
            sys.setswitchinterval(switch_interval)

    # This thread needs the GIL for every step of Node's start and for each load's answer, while the main
    # thread imports: a short switch interval hands it over at once instead of after 5 ms each time.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(LOADING_SWITCH_INTERVAL)

    loader = threading.Thread(target=run, name="jsii-load", daemon=True)

    def finish() -> None:
        requests.put(None)
        loader.join()
        kernel.provider = provider
        vars(kernel).pop("load", None)
        if failures:
            raise failures[0]

    def abandon() -> bool:
        """At an exit before any jsii call (a configuration error): send no further load; True if so."""
        if not isinstance(kernel.provider, _Gate):
            return False
        abandoned.set()
        return True

    kernel.load = lambda name, version, tarball: requests.put(LoadRequest(name=name, version=version, tarball=tarball))
    kernel.provider = _Gate(finish, provider)
    jsii_transport.at_early_exit(abandon)
    loader.start()


class _Gate:
    """Stands for the jsii kernel's provider while the assemblies load: the first use waits for them."""

    def __init__(self, finish: Callable[[], None], provider: Any) -> None:
        self._finish, self._provider = finish, provider

    def __getattr__(self, name: str) -> Any:
        self._finish()
        return getattr(self._provider, name)


def preload(submodules: Sequence[str] = ()) -> None:
    """Load the provider assembly (Node) and import the given submodules (Python) at the same time.

    The first call queues the loads of constructs, cdktf and the provider for Node; any call imports the
    submodules it is given (what the stacks about to be built used last time) while Node is still loading.
    """
    _register_package()
    if plain_import():
        return
    if f"{PACKAGE}._jsii" not in sys.modules:
        load_in_background()
        importlib.import_module(f"{PACKAGE}._jsii")
        for core in ("cdktf", "constructs"):
            _import(core)
    for name in submodules:
        if BINDING_NAME.fullmatch(name) and importlib.util.find_spec(f"{PACKAGE}.{name}") is not None:
            _import(f"{PACKAGE}.{name}")  # names come from the synth cache's record: only real submodules


class _Bindings:
    """Attribute access imports one submodule of the bindings, once: aws.s3_bucket, aws.provider, ...

    While `used` is a set it collects the names accessed: what one stack needs, which the synth cache
    records so that the next synthesis of that stack imports them while Node loads (`preload`).
    """

    def __init__(self) -> None:
        self._modules: dict[str, types.ModuleType] = {}
        self.used: set[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        module = self._modules.get(name)
        if module is None:
            _register_package()
            module = self._modules[name] = _import(f"{PACKAGE}.{name}")
        if self.used is not None:
            self.used.add(name)
        return module


aws = _Bindings()
