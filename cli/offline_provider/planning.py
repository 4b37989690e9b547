"""What the stand-in answers to plan-time RPCs: planned states, plausible data sources, imported objects.

Values travel as cty msgpack (https://github.com/hashicorp/terraform/blob/main/docs/plugin-protocol/object-wire-format.md):
objects are maps, unknown values an extension type. With no prior state, every computed attribute
the configuration leaves unset is unknown, which is what a real provider plans on an empty state.
Data sources must answer with known values: they get plausible placeholders of the right type.
"""

from __future__ import annotations

import json
from typing import Any

import msgpack
from tf.gen import tfplugin_pb2 as pb


class _Unknown:
    """cty's unknown value."""


UNKNOWN = _Unknown()
_NESTING = pb.Schema.NestedBlock
# The account id used where a data source must name one: documentation's reserved example id.
PLACEHOLDER_ACCOUNT = "123456789012"


def _ext_hook(code: int, data: bytes) -> Any:
    # 0: unknown; 12: unknown with refinements (Terraform 1.6+): both are simply unknown here.
    return UNKNOWN if code in (0, 12) else msgpack.ExtType(code, data)


def _default(value: Any) -> Any:
    if value is UNKNOWN:
        return msgpack.ExtType(0, b"\x00")
    raise TypeError(f"cannot encode {value!r}")


def decode(value: pb.DynamicValue) -> Any:
    if value.msgpack:
        return msgpack.unpackb(value.msgpack, ext_hook=_ext_hook, raw=False, strict_map_key=False)
    if value.json:
        return json.loads(value.json)
    return None


def encode(value: Any) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=msgpack.packb(value, default=_default, use_bin_type=True))


def _elements(nesting: int, value: Any) -> list[tuple[Any, Any]]:
    """(key, element) pairs of a nested block value; the key rebuilds the collection."""
    if value is None or value is UNKNOWN:
        return []
    if nesting == _NESTING.SINGLE or nesting == _NESTING.GROUP:
        return [(None, value)]
    if nesting == _NESTING.MAP:
        return list(value.items())
    return list(enumerate(value))


def plan(block: pb.Schema.Block, proposed: Any, prior: Any) -> Any:
    """The planned object: proposed, with unset computed attributes taken from prior or unknown."""
    if not isinstance(proposed, dict):
        return proposed
    planned = dict(proposed)
    prior = prior if isinstance(prior, dict) else {}
    for attribute in block.attributes:
        if attribute.computed and planned.get(attribute.name) is None:
            planned[attribute.name] = prior.get(attribute.name) if prior.get(attribute.name) is not None else UNKNOWN
    for nested in block.block_types:
        value = planned.get(nested.type_name)
        items = _elements(nested.nesting, value)
        planned_items = [(key, plan(nested.block, item, None)) for key, item in items]
        if nested.nesting in (_NESTING.SINGLE, _NESTING.GROUP):
            planned[nested.type_name] = planned_items[0][1] if planned_items else value
        elif nested.nesting == _NESTING.MAP:
            planned[nested.type_name] = dict(planned_items) if value is not None else value
        elif value is not None and value is not UNKNOWN:
            planned[nested.type_name] = [item for _, item in planned_items]
    return planned


def empty(block: pb.Schema.Block, **known: Any) -> dict[str, Any]:
    """An object of block's type with every attribute null and every block empty, plus known values."""
    out: dict[str, Any] = {a.name: None for a in block.attributes}
    for nested in block.block_types:
        out[nested.type_name] = {_NESTING.MAP: {}, _NESTING.LIST: [], _NESTING.SET: []}.get(nested.nesting)
    out.update(known)
    return out


def _placeholder(name: str, cty: Any) -> Any:
    if cty == "string":
        if name == "account_id" or name.endswith("_account_id"):
            return PLACEHOLDER_ACCOUNT
        if name == "arn" or name.endswith("_arn"):
            return f"arn:aws:offline::{PLACEHOLDER_ACCOUNT}:{name}"
        return f"offline-{name}"
    if cty == "number":
        return 0
    if cty == "bool":
        return False
    if cty == "dynamic":
        return None
    kind = cty[0]
    if kind in ("list", "set"):
        return [_placeholder(name.removesuffix("s"), cty[1])]  # one element: configurations often take the first
    if kind == "tuple":
        return [_placeholder(name, sub) for sub in cty[1]]
    if kind == "map":
        return {}
    if kind == "object":
        return {key: _placeholder(key, sub) for key, sub in cty[1].items()}
    return None


def read_data_source(block: pb.Schema.Block, config: Any) -> Any:
    """A data source's state: the configuration, with each unset computed attribute a known placeholder."""
    state = dict(config or {})
    for attribute in block.attributes:
        if attribute.computed and state.get(attribute.name) is None:
            state[attribute.name] = _placeholder(attribute.name, json.loads(attribute.type))
    return state
