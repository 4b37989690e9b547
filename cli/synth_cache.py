"""Synth cache: skip cdktf entirely when nothing that shapes the output has changed.

The key hashes every input of a synthesis: the configuration files, the code that turns them into
stacks (.py/.j2/.json of config/, modules/, accounts/), the installed versions of mlops-tf, cdktf,
the provider bindings, constructs and jsii, the accounts asked for and the output/state paths
(local backends embed them). The cache file in the output folder records the key and a hash of each
file the synthesis wrote, so an output someone edited or deleted is synthesized again.

Nothing here imports cdktf: a cache hit answers as fast as `validate`.
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

CACHE_FILE = ".mlops-tf-cache.json"
FORMAT = "mlops-tf-synth-cache/1"
CODE_PACKAGES = ("config", "modules", "accounts")
CODE_SUFFIXES = frozenset({".py", ".j2", ".json"})
DISTRIBUTIONS = ("mlops-tf", "cdktf", "cdktf-cdktf-provider-aws", "constructs", "jsii")
SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache"})
TERRAFORM_FILES = frozenset({"plans"})  # besides hidden files such as .terraform and .terraform.lock.hcl


class SynthResult(list):
    """The account names a synthesis wrote (a list), plus whether they came from the cache."""

    def __init__(self, names: Iterable[str], *, cached: bool) -> None:
        super().__init__(names)
        self.cached = cached


def code_roots() -> list[Path]:
    """Folders of the packages whose code shapes the synthesized JSON, found without importing them."""
    roots = []
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


def _feed_tree(digest: "hashlib._Hash", label: str, root: Path, suffixes: frozenset[str] | None) -> None:
    for path in _files(root, suffixes):
        digest.update(f"{label}:{path.relative_to(root).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def cache_key(
    config_dir: Path, names: Sequence[str] | None, out: Path, state_dir: Path, *, roots: Sequence[Path] | None = None
) -> str:
    """A hash of every input of a synthesis (see the module docstring)."""
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(f"python {sys.version_info[0]}.{sys.version_info[1]}\0".encode())
    for distribution in DISTRIBUTIONS:
        digest.update(f"{distribution}=={_version(distribution)}\0".encode())
    for i, root in enumerate(code_roots() if roots is None else roots):
        _feed_tree(digest, f"code{i}", root, CODE_SUFFIXES)
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


def lookup(out: Path, key: str) -> SynthResult | None:
    """The cached result when the key matches and every recorded file is present and untouched."""
    try:
        record = json.loads((out / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("key") != key:
        return None
    recorded = record.get("files")
    if not isinstance(recorded, dict):
        return None
    stacks_now = {p.relative_to(out).as_posix() for p in out.glob("stacks/*/cdk.tf.json")}
    if stacks_now != {f for f in recorded if f.startswith("stacks/") and f.endswith("/cdk.tf.json") and f.count("/") == 2}:
        return None
    try:
        if any(_hash(out / rel) != digest for rel, digest in recorded.items()):
            return None
    except OSError:
        return None
    return SynthResult(record.get("written", []), cached=True)


def store(out: Path, key: str, written: Sequence[str]) -> None:
    """Record the key and the output's fingerprint; a cache that cannot be written is only slower."""
    record = {"format": FORMAT, "key": key, "written": list(written), "files": output_files(out)}
    path = out / CACHE_FILE
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
