"""Read the AWS provider schema that the installed cdktf-cdktf-provider-aws bindings carry.

The bindings' jsii tarball holds one generated `lib/<resource>/index.js` per resource and data source.
Per configurable key, its `...ToHclTerraform` functions record the Terraform name, whether it is a
block and its type and storage class (`string`, `stringList`, `S3BucketGrantList`...); the getters
record the computed-only attributes (`getStringAttribute('arn')`, no setter) and the classes of
computed nested objects; `index.d.ts` says which keys are optional (`readonly bucket?: string`).
The result is a plain dict mirroring tfplugin6's Schema: {"attributes": {...}, "blocks": {...}}.
"""

from __future__ import annotations

import json
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# `key: { value: <expr>, isBlock: true, type: "list", storageClassType: "XList", },` inside a ToHclTerraform.
_ATTR = re.compile(
    r'^\s+(\w+): \{\n\s+value: (.*?),\n\s+isBlock: (true|false),\n\s+type: "(\w+)",\n\s+storageClassType: '
    r'"(\w+)",\n\s+\},?$',
    re.M | re.S,
)
_HCL_FUNCTION = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{$", re.M)
_CLASS = re.compile(r"^class (\w+) extends cdktf\.(\w+) \{$", re.M)
_SOURCE_KEY = re.compile(r"(?:struct(?:\.|\?\.|!\.)|this\._)(\w+)(?:\.internalValue)?\)*$")
_MAPPER = re.compile(r"\b(\w+)ToHclTerraform\b")
_GETTER = re.compile(r"^    get (\w+)\(\) \{\n\s+return (.*?);\n    \}$", re.M)
_SETTER = re.compile(r"^    set (\w+)\(value\) \{$", re.M)
_COMPLEX_FIELD = re.compile(r'this\._(\w+) = new (\w+)\(this, "(\w+)"(?:, (true|false))?\)')
_ATTRIBUTE_GETTER = re.compile(
    r"^(cdktf\.Fn\.tolist\()?this\.(get\w+Attribute|interpolationForAttribute)\('(\w+)'\)\)?$"
)
_RESOURCE_TYPE = re.compile(r'^(\w+)\.tfResourceType = "(\w+)";$', re.M)
_INTERFACE = re.compile(r"^export interface (\w+)(?: extends [^{]+)? \{\n(.*?)^\}$", re.M | re.S)
_PROPERTY = re.compile(r"^    readonly (\w+)(\?)?:", re.M)

_SIMPLE = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}
_GETTER_TYPES = {
    "getStringAttribute": "string",
    "getNumberAttribute": "number",
    "getBooleanAttribute": "bool",
    "getListAttribute": ["list", "string"],
    "getNumberListAttribute": ["list", "number"],
    "getStringMapAttribute": ["map", "string"],
    "getNumberMapAttribute": ["map", "number"],
    "getBooleanMapAttribute": ["map", "bool"],
    "getAnyMapAttribute": ["map", "dynamic"],
    "interpolationForAttribute": "dynamic",
}
# Optional and computed at the top of every resource of provider 6 (the bindings do not record which others are).
# https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/enhanced-region-support
_OPTIONAL_COMPUTED = {"id", "tags_all", "region"}
_NOT_ATTRIBUTES = {"internalValue", "fqn", "friendlyUniqueId", "terraformResourceType", "terraformGeneratorMetadata"}


def _storage_type(kind: str, storage: str) -> Any:
    """cty type (JSON form) of a non-block key from its cdktf type and storage class."""
    element = storage
    wrappers = []
    while element not in _SIMPLE:
        for suffix, wrapper in (("List", "list"), ("Map", "map")):
            if element.endswith(suffix):
                wrappers.append(wrapper)
                element = element[: -len(suffix)]
                break
        else:
            raise ValueError(f"unknown storage class {storage}")
    out: Any = _SIMPLE[element]
    for i, wrapper in enumerate(reversed(wrappers)):
        outermost = i == len(wrappers) - 1
        out = [("set" if kind == "set" and outermost and wrapper == "list" else wrapper), out]
    return out


class _File:
    """One generated index.js (+ index.d.ts): its struct functions, classes and interfaces."""

    def __init__(self, js: str, dts: str):
        self.functions: dict[str, list[tuple[str, str, bool, str, str]]] = {}
        for name, body in _sections(js, _HCL_FUNCTION):
            self.functions[name[0].upper() + name[1:]] = [
                (m.group(1), m.group(2), m.group(3) == "true", m.group(4), m.group(5)) for m in _ATTR.finditer(body)
            ]
        self.classes: dict[str, tuple[str, str]] = {name: body for name, body in _sections(js, _CLASS, base=True)}
        self.interfaces = {
            m.group(1): dict((p.group(1), p.group(2) == "?") for p in _PROPERTY.finditer(m.group(2)))
            for m in _INTERFACE.finditer(dts)
        }
        self.types = {cls: tf for cls, tf in _RESOURCE_TYPE.findall(js)}

    def block(self, struct: str, attrs: list, optional: dict[str, bool], output_class: str | None) -> dict:
        """Schema block of struct from its attrs entries, with the computed-only getters of output_class."""
        block: dict = {"attributes": {}, "blocks": {}}
        for key, value, is_block, kind, storage in attrs:
            source = _SOURCE_KEY.search(value)
            is_optional = optional.get(source.group(1), True) if source else True
            if is_block:
                mapper = _MAPPER.search(value)
                child = mapper.group(1)[0].upper() + mapper.group(1)[1:] if mapper else storage.removesuffix("List")
                nested = self.block(
                    child, self.functions.get(child, []), self.interfaces.get(child, {}), f"{child}OutputReference"
                )
                nesting = {"struct": "single", "list": "list", "set": "set", "map": "map"}[kind]
                if nesting == "set" and _has_dynamic(nested):
                    # cdktf cuts deep nesting to `any`; Terraform forbids dynamic types in set blocks, lists keep the
                    # check.
                    nesting = "list"
                # Terraform counts list and set blocks; a single block takes MinItems = MaxItems = 1; map blocks take
                # neither.
                required = not is_optional and nesting != "map"
                block["blocks"][key] = {
                    "nesting": nesting,
                    "block": nested,
                    "min_items": 1 if required else 0,
                    "max_items": 1 if required and nesting == "single" else 0,
                }
            else:
                block["attributes"][key] = {
                    "type": _storage_type(kind, storage),
                    "optional": is_optional,
                    "required": not is_optional,
                    "computed": is_optional and struct == output_class and key in _OPTIONAL_COMPUTED,
                }
        if output_class in self.classes:
            for key, attribute in self.computed(output_class).items():
                if key not in block["attributes"] and key not in block["blocks"]:
                    block["attributes"][key] = attribute
        return block

    def computed(self, cls: str) -> dict[str, dict]:
        """Computed-only attributes of a class: getters without a setter."""
        _, body = self.classes[cls]
        setters = set(_SETTER.findall(body))
        fields = {
            field: (klass, tf_name, wraps_set == "true")
            for field, klass, tf_name, wraps_set in _COMPLEX_FIELD.findall(body)
        }
        out = {}
        for getter, expr in _GETTER.findall(body):
            if getter in setters or getter.endswith("Input") or getter in _NOT_ATTRIBUTES:
                continue
            simple = _ATTRIBUTE_GETTER.match(expr)
            if simple:
                kind = _GETTER_TYPES[simple.group(2)]
                if simple.group(1) and isinstance(kind, list):
                    kind = ["set", kind[1]]
                out[simple.group(3)] = {"type": kind, "computed": True}
            elif expr == f"this._{getter}" and getter in fields:
                klass, tf_name, wraps_set = fields[getter]
                element = self.object_type(klass)
                if element is not None:
                    out[tf_name] = {
                        "type": element
                        if klass.endswith("OutputReference")
                        else ["set" if wraps_set else ("map" if klass.endswith("Map") else "list"), element],
                        "computed": True,
                    }
        return out

    def object_type(self, klass: str) -> Any:
        """cty object type of a computed nested class (XList / XMap / XOutputReference)."""
        for suffix in ("List", "Map", "OutputReference"):
            if klass.endswith(suffix):
                reference = klass[: -len(suffix)] + "OutputReference"
                break
        else:
            return None
        if reference not in self.classes:
            return None
        return ["object", {key: attribute["type"] for key, attribute in sorted(self.computed(reference).items())}]


def _has_dynamic(block: dict) -> bool:
    return any("dynamic" in json.dumps(a["type"]) for a in block["attributes"].values()) or any(
        _has_dynamic(b["block"]) for b in block["blocks"].values()
    )


def _sections(js: str, header: re.Pattern, base: bool = False) -> Iterator[tuple[str, Any]]:
    """(name, body) of each top-level function or class: from its header to the next top-level `}`."""
    for match in header.finditer(js):
        end = js.find("\n}\n", match.end())
        body = js[match.end() : end if end >= 0 else len(js)]
        yield match.group(1), ((match.group(2), body) if base else body)


def read_schemas(tarball: Path) -> dict[str, Any]:
    """{"provider": block, "resource_schemas": {type: block}, "data_source_schemas": {type: block}}."""
    out: dict[str, Any] = {"provider": None, "resource_schemas": {}, "data_source_schemas": {}}
    with tarfile.open(tarball) as archive:
        pending: dict[str, dict[str, str]] = {}
        for member in archive:
            parts = member.name.split("/")
            if len(parts) != 4 or parts[1] != "lib" or parts[3] not in ("index.js", "index.d.ts"):
                continue
            handle = archive.extractfile(member)
            if handle is None:  # a directory or link entry under that name: not the file
                continue
            pending.setdefault(parts[2], {})[parts[3]] = handle.read().decode("utf-8")
            if len(pending[parts[2]]) == 2:
                _read_file(pending.pop(parts[2]), out)
    return out


def _read_file(texts: dict[str, str], out: dict[str, Any]) -> None:
    generated = _File(texts["index.js"], texts["index.d.ts"])
    for cls, tf_type in generated.types.items():
        base, body = generated.classes[cls]
        attrs = [
            (m.group(1), m.group(2), m.group(3) == "true", m.group(4), m.group(5))
            for m in _ATTR.finditer(_synthesize_hcl(body))
        ]
        block = generated.block(cls, attrs, generated.interfaces.get(f"{cls}Config", {}), cls)
        if base == "TerraformProvider":
            block["attributes"].pop("alias", None)  # a meta-argument: Terraform handles it, providers never see it
            out["provider"] = block
        elif base == "TerraformDataSource":
            out["data_source_schemas"][tf_type] = block
        elif base == "TerraformResource":
            out["resource_schemas"][tf_type] = block


def _synthesize_hcl(body: str) -> str:
    start = body.find("    synthesizeHclAttributes() {")
    return body[start : body.find("\n    }\n", start)] if start >= 0 else ""
