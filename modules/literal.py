"""Strings that Terraform must read as text: the one place where mlops-tf escapes what it writes.

Every string in a Terraform JSON file is a template: `${...}` interpolates and `%{...}` is a directive
(https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping). Shell in a
buildspec (`${GROUP%%/*}`), IAM policy variables (`${aws:username}`) or free text from the YAML must
reach AWS verbatim, so every such string passes through `text` (or `json_text`) before it enters a
construct; a value pasted into a Terraform expression goes through `hcl_string` instead.
cdktf tokens (`${TfToken[...]}`, references to other resources) stay live: cdktf resolves them later.
"""

from __future__ import annotations

import json
import re
from typing import Any

# ${ that does not open a cdktf token, and every %{: both start a template sequence in Terraform.
# https://developer.hashicorp.com/terraform/language/expressions/strings#escape-sequences-1
_TEMPLATE_START = re.compile(r"\$\{(?!TfToken\[)|%\{")
# Backslash escapes of a quoted Terraform string.
# https://developer.hashicorp.com/terraform/language/expressions/strings#escape-sequences
_QUOTED_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def text(value: str) -> str:
    """value as literal Terraform text: `${` becomes `$${` and `%{` becomes `%%{`; cdktf tokens stay live."""
    return _TEMPLATE_START.sub(lambda match: match.group(0)[0] + match.group(0), value)


def json_text(value: Any) -> str:
    """value as canonical JSON (sorted keys, compact: byte-identical synth), escaped as literal Terraform text."""
    return text(json.dumps(value, sort_keys=True, separators=(",", ":")))


def hcl_string(value: str) -> str:
    """value as a quoted Terraform string literal, for pasting into a `${...}` expression."""
    quoted = "".join(_QUOTED_ESCAPES.get(ch, ch) for ch in value)
    return '"' + _TEMPLATE_START.sub(lambda match: match.group(0)[0] + match.group(0), quoted) + '"'
