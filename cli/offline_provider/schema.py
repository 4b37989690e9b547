"""The bindings' schema as a tfplugin6 GetProviderSchema response, built once per bindings version and cached."""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from typing import Any

from tf.gen import tfplugin_pb2 as pb

from .bindings import read_schemas

BINDINGS = "cdktf-cdktf-provider-aws"
# Bumped whenever the extraction changes, so a cached schema from an older mlops-tf is rebuilt.
EXTRACTOR_VERSION = 5
_NESTING = {
    "single": pb.Schema.NestedBlock.SINGLE,
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "map": pb.Schema.NestedBlock.MAP,
}


def bindings_version() -> str:
    return metadata.version(BINDINGS)


def bindings_tarball() -> Path:
    """The jsii tarball shipped inside the bindings' Python package (found without importing it: that costs seconds)."""
    files = metadata.files(BINDINGS) or []
    found = [f for f in files if f.name.endswith(".jsii.tgz")]
    if not found:
        raise FileNotFoundError(f"{BINDINGS} {bindings_version()} has no jsii tarball")
    return Path(found[0].locate())


def to_block(block: dict[str, Any]) -> pb.Schema.Block:
    attributes = [
        pb.Schema.Attribute(
            name=name,
            type=json.dumps(a["type"], separators=(",", ":")).encode(),
            required=a.get("required", False),
            optional=a.get("optional", False),
            computed=a.get("computed", False),
        )
        for name, a in sorted(block["attributes"].items())
    ]
    blocks = [
        pb.Schema.NestedBlock(
            type_name=name,
            block=to_block(b["block"]),
            nesting=_NESTING[b["nesting"]],
            min_items=b["min_items"],
            max_items=b["max_items"],
        )
        for name, b in sorted(block["blocks"].items())
    ]
    return pb.Schema.Block(attributes=attributes, block_types=blocks)


def to_response(schemas: dict[str, Any]) -> pb.GetProviderSchema.Response:
    return pb.GetProviderSchema.Response(
        provider=pb.Schema(block=to_block(schemas["provider"])),
        provider_meta=pb.Schema(block=pb.Schema.Block()),
        resource_schemas={k: pb.Schema(block=to_block(v)) for k, v in schemas["resource_schemas"].items()},
        data_source_schemas={k: pb.Schema(block=to_block(v)) for k, v in schemas["data_source_schemas"].items()},
    )


def cached_schema(cache_dir: Path) -> Path:
    """Path of the serialized schema for the installed bindings, extracting it on first use."""
    target = cache_dir / f"aws-{bindings_version()}-x{EXTRACTOR_VERSION}" / "schema.pb"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        data = to_response(read_schemas(bindings_tarball())).SerializeToString(deterministic=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(target)  # atomic: a concurrent run sees the whole file or none
        for stale in cache_dir.glob("aws-*-x*/schema.pb"):  # older bindings or extractor: never read again
            if stale != target:
                stale.unlink(missing_ok=True)
    return target
