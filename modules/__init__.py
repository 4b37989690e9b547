"""Typed CDKTF constructs. They know nothing of YAML; they take plain typed arguments."""

import os

# jsii prints an end-of-life banner unless the variable lists the Node major version (not "1").
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
