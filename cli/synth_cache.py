"""Synth cache: skip cdktf entirely when nothing that shapes the output has changed.

The key hashes every input of a synthesis: the configuration files, the code that turns them into
stacks (.py/.j2/.json of config/, modules/, accounts/), the installed versions of mlops-tf, cdktf,
the provider bindings, constructs and jsii, the accounts asked for and the output/state paths
(local backends embed them). The cache file in the output folder records the key and a hash of each
file the synthesis wrote, so an output someone edited or deleted is synthesized again.

Nothing here imports cdktf: a cache hit answers as fast as `validate`.

Incremental synth: when the whole key misses, each stack has its own key, over the code and
versions, the landing zone (every file of the configuration folder except the account files and
the lock file), the names and kinds of all accounts, the paths, and what the stack read while it
was last built (accounts/reads.py: `ds-dev:account_id`, `data:config.data`, ...). Stacks whose key
and files are unchanged are kept byte for byte; only the others are synthesized again. Each stack's
entry also lists the binding submodules its build used, which the next synthesis of it imports while
Node loads (modules/aws.py); they speed the synthesis up and never change what it writes.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from accounts.reads import EVERY_ACCOUNT, fingerprint
from config.paths import LOCK_FILE

if TYPE_CHECKING:
    from config import Resolved

CACHE_FILE = ".mlops-tf-cache.json"
FORMAT = "mlops-tf-synth-cache/2"
CODE_PACKAGES = ("config", "modules", "accounts")
CODE_SUFFIXES = frozenset({".py", ".j2", ".json"})
DISTRIBUTIONS = ("mlops-tf", "cdktf", "cdktf-cdktf-provider-aws", "constructs", "jsii")
SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache"})
MAX_BINDINGS = 300  # binding submodules worth preloading (a stack of the example uses 24-51)
TERRAFORM_FILES = frozenset({"plans"})  # besides hidden files such as .terraform and .terraform.lock.hcl


class SynthResult(list):
    """The account names a synthesis wrote (a list), whether they came from the cache, and which
    stacks were synthesized again (the others were kept as they were)."""

    def __init__(self, names: Iterable[str], *, cached: bool, rebuilt: Iterable[str] | None = None) -> None:
        super().__init__(names)
        self.cached = cached
        self.rebuilt = [] if cached else list(self if rebuilt is None else rebuilt)


def code_roots() -> list[Path]:
    """Folders of the packages whose code shapes the synthesized JSON, found without importing them."""
    roots: list[Path] = []
    for package in CODE_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            roots.extend(Path(p) for p in spec.submodule_search_locations)
    return roots


def _files(root: Path, suffixes: frozenset[str] | None) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        rel_parts = path.relative_to(root).parts
        if SKIPPED_PARTS.intersection(rel_parts) or path.suffix == ".pyc" or not path.is_file():
            continue
        if suffixes is None or path.suffix in suffixes:
            found.append(path)
    return sorted(found)


def _feed_tree(digest: hashlib._Hash, label: str, root: Path, suffixes: frozenset[str] | None) -> None:
    for path in _files(root, suffixes):
        digest.update(f"{label}:{path.relative_to(root).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def code_fingerprint(roots: Sequence[Path] | None = None) -> str:
    """A hash of the code and versions that turn a configuration into stacks (part of every key); a synthesis
    computes it once for the whole key and the stacks' keys."""
    digest = hashlib.sha256(f"python {sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    for distribution in DISTRIBUTIONS:
        digest.update(f"{distribution}=={_version(distribution)}\0".encode())
    for i, root in enumerate(code_roots() if roots is None else roots):
        _feed_tree(digest, f"code{i}", root, CODE_SUFFIXES)
    return digest.hexdigest()


def cache_key(
    config_dir: Path,
    names: Sequence[str] | None,
    out: Path,
    state_dir: Path,
    *,
    roots: Sequence[Path] | None = None,
    code: str | None = None,
) -> str:
    """A hash of every input of a synthesis (see the module docstring); `code` is code_fingerprint(roots)."""
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(f"code={code or code_fingerprint(roots)}\0".encode())
    _feed_tree(digest, "config", Path(config_dir), None)
    selection = ",".join(sorted(set(names))) if names else "*"
    digest.update(f"accounts={selection}\0out={Path(out).resolve()}\0state={Path(state_dir).resolve()}\0".encode())
    return digest.hexdigest()


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def output_files(out: Path) -> dict[str, str]:
    """sha256 of each file a synthesis writes (manifest, stack JSON, assets), by path relative to out.

    Terraform's own files in a stack folder (.terraform*, plans/, hidden files) are not the synth's.
    """
    files = {"manifest.json": out / "manifest.json"} if (out / "manifest.json").is_file() else {}
    for path in sorted(out.glob("stacks/*/**/*")):
        rel = path.relative_to(out)
        if path.is_file() and not any(part.startswith(".") or part in TERRAFORM_FILES for part in rel.parts[2:]):
            files[rel.as_posix()] = path
    return {rel: _hash(path) for rel, path in files.items()}


def _read_record(out: Path) -> dict | None:
    try:
        record = json.loads((out / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == FORMAT else None


def lookup(out: Path, key: str) -> SynthResult | None:
    """The cached result when the key matches and every recorded file is present and untouched."""
    record = _read_record(out)
    if record is None or record.get("key") != key:
        return None
    recorded = record.get("files")
    if not isinstance(recorded, dict):
        return None
    stacks_now = {p.relative_to(out).as_posix() for p in out.glob("stacks/*/cdk.tf.json")}
    if stacks_now != {
        f for f in recorded if f.startswith("stacks/") and f.endswith("/cdk.tf.json") and f.count("/") == 2
    }:
        return None
    try:
        if any(_hash(out / rel) != digest for rel, digest in recorded.items()):
            return None
    except OSError:
        return None
    return SynthResult(record.get("written", []), cached=True)


def store(out: Path, key: str, written: Sequence[str], stacks: dict[str, dict] | None = None) -> None:
    """Record the key and the output's fingerprint (and each stack's key and reads); a cache that
    cannot be written is only slower."""
    record = {
        "format": FORMAT,
        "key": key,
        "written": list(written),
        "files": output_files(out),
        "stacks": stacks or {},
    }
    path = out / CACHE_FILE
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


class StackKeys:
    """Per-stack keys of one configuration (see the module docstring); computed without cdktf."""

    def __init__(
        self,
        resolved: Resolved,
        out: Path,
        state_dir: Path,
        *,
        roots: Sequence[Path] | None = None,
        code: str | None = None,
    ) -> None:
        self.resolved = resolved
        digest = hashlib.sha256(f"{FORMAT}/stack".encode())
        digest.update(f"code={code or code_fingerprint(roots)}\0".encode())
        config_dir = Path(resolved.config.root)
        for path in _files(config_dir, None):
            rel = path.relative_to(config_dir)
            if rel.parts[0] == "accounts" and path.suffix in (".yaml", ".yml") or rel.as_posix() == LOCK_FILE:
                continue  # accounts count through what each stack read of them
            digest.update(f"config:{rel.as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        kinds = ",".join(f"{n}={a.kind}" for n, a in sorted(resolved.accounts.items()))
        # The lock's Config archive decides whether the management stack delivers AWS Config (rarely changes).
        digest.update(f"config_bucket={resolved.recorded_config_bucket}\0".encode())
        digest.update(
            f"accounts={kinds}\0config={config_dir.resolve()}\0out={Path(out).resolve()}\0state={Path(state_dir).resolve()}\0".encode()
        )
        self.base = digest.hexdigest()
        self._seen: dict[str, str] = {}

    def key(self, name: str, reads: Sequence[str]) -> str:
        """The key of one stack: the shared part, the stack's own account, and what it read."""
        # its own account whole (any edit of its file rebuilds it), and what it read of the others
        items = sorted(self.resolved.accounts) if EVERY_ACCOUNT in reads else sorted({name, *reads})
        digest = hashlib.sha256(f"{self.base}\0stack={name}\0".encode())
        for item in items:
            if item not in self._seen:
                self._seen[item] = fingerprint(self.resolved, item)
            digest.update(f"{item}={self._seen[item]}\0".encode())
        return digest.hexdigest()


def previous_stacks(out: Path) -> dict[str, dict]:
    """Per-stack entries of the last synthesis into out (read before a new one replaces the folder)."""
    stacks = (_read_record(out) or {}).get("stacks")
    return {n: e for n, e in stacks.items() if isinstance(e, dict)} if isinstance(stacks, dict) else {}


def unchanged_stacks(out: Path, keys: StackKeys, names: Sequence[str]) -> dict[str, dict]:
    """The stacks among `names` whose recorded key still holds and whose files are untouched."""
    record = _read_record(out)
    if record is None:
        return {}
    recorded_stacks, recorded_files = record.get("stacks"), record.get("files")
    if not isinstance(recorded_stacks, dict) or not isinstance(recorded_files, dict):
        return {}
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8")).get("stacks", {})
    except (OSError, ValueError, AttributeError):
        return {}
    current = output_files(out)
    kept = {}
    for name in names:
        entry = recorded_stacks.get(name)
        if not isinstance(entry, dict) or name not in manifest or not isinstance(entry.get("reads"), list):
            continue
        prefix = f"stacks/{name}/"
        theirs = {rel: digest for rel, digest in recorded_files.items() if rel.startswith(prefix)}
        if not theirs or theirs != {rel: digest for rel, digest in current.items() if rel.startswith(prefix)}:
            continue
        if entry.get("key") == keys.key(name, entry["reads"]):
            kept[name] = entry
    return kept


def stack_records(
    previous: dict[str, dict],
    keys: StackKeys,
    reads: dict[str, list[str]],
    bindings: dict[str, list[str]],
    kept: dict[str, dict],
    configured: Iterable[str],
) -> dict[str, dict]:
    """What to record per stack after a synthesis: new keys (and binding submodules) for the stacks just
    built, the previous entries for the configured stacks kept as they were."""
    records = {n: previous[n] for n in configured if n in previous}
    records.update(kept)
    for name, names_read in reads.items():
        records[name] = {"key": keys.key(name, names_read), "reads": names_read, "bindings": bindings.get(name, [])}
    return records


def bindings_of(previous: dict[str, dict], names: Sequence[str]) -> list[str]:
    """The binding submodules the named stacks used when they were last built (none for a stack never built).

    A stack uses a few dozen; a record listing more than MAX_BINDINGS (edited or corrupt) is ignored, since
    importing them all would cost more than the preload saves (all ~2,200: seconds and a gigabyte)."""
    used: set[str] = set()
    for name in names:
        recorded = previous.get(name, {}).get("bindings")
        if isinstance(recorded, list) and len(recorded) <= MAX_BINDINGS:
            used.update(b for b in recorded if isinstance(b, str))
    return sorted(used) if len(used) <= MAX_BINDINGS else []
