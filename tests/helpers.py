"""The one fault-injection style: break one field of a valid configuration, expect one error at file:line:col.

A case that is a landing zone of its own goes into the tests/bad_input corpus; a case that breaks the
example (config_copy) in place uses replace_text or edit_yaml, then only_error (one fault, one error) or,
for several faults at once, config_errors and error_on. The unbroken example validates (its twin).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config import ConfigError, Diagnostic, load, resolve

# The example's state backend (s3: a deployment pipeline exists, and local state is refused then).
EXAMPLE_BACKEND = "state_backend:\n  type: s3\n  bucket: acme-ml-tfstate\n  region: eu-west-1"


def edit_yaml(path: Path, mutate) -> None:
    """Load a YAML file, let mutate(data) change it, write it back (block style, keys in order)."""
    data = yaml.safe_load(path.read_text()) or {}
    mutate(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def replace_text(path: Path, old: str, new: str) -> None:
    """Replace exactly one occurrence of old, so the test knows which line it broke."""
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new))


def enroll_existing_accounts(root: Path, foundational_ou: str = "Security") -> list[str]:
    """Under Control Tower every existing account outside the foundational OU names its root email (Account Factory
    enrolls it by that address): add `email: aws+<name>@acme.example` below its account_id. Returns their names."""
    names = []
    for path in sorted((root / "accounts").glob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or {}
        if data.get("kind") == "management" or not data.get("account_id") or "email" in data:
            continue
        if str(data.get("ou", foundational_ou)).split("/")[0] == foundational_ou:
            continue
        line = next(x for x in path.read_text().splitlines() if x.startswith("account_id:"))
        replace_text(path, line + "\n", f"{line}\nemail: aws+{data['name']}@acme.example\n")
        names.append(data["name"])
    return names


def fit_control_tower(root: Path) -> None:
    """The example as Control Tower allows it. Its two SCPs join FullAWSAccess on every OU, so an OU holds at most 2
    guardrails (5 SCPs per OU): drop protect-security-services, whose CloudTrail and Config part Control Tower's
    mandatory controls cover, and deny-root-user, which its control AWS-GR_RESTRICT_ROOT_USER provides
    (docs/account-kinds.md, "Control Tower mode"). Control Tower records AWS Config, so no account adopts a Config
    service-linked role."""
    path = root / "landing-zone.yaml"
    text = path.read_text().replace(", protect-security-services]", "]").replace(", deny-root-user]", "]")
    path.write_text(text)
    for account in sorted((root / "accounts").glob("*.yaml")):
        text = account.read_text()
        kept = [x for x in text.splitlines(keepends=True) if not x.startswith("config_service_linked_role_exists:")]
        account.write_text("".join(kept))


def line_of(path: Path, needle: str) -> int:
    """1-based line number of the first line containing needle."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def config_errors(root: Path, *, resolving: bool = False) -> list[Diagnostic]:
    """The diagnostics that loading the configuration under root raises (it must raise); with resolving,
    loading then resolving (the lock file and the cross-account checks are read by the resolver)."""
    with pytest.raises(ConfigError) as info:
        resolve(load(root)) if resolving else load(root)
    return info.value.diagnostics


def only_error(root: Path, field: str | None = None, *, resolving: bool = False) -> Diagnostic:
    """One fault, one error: the single diagnostic of the configuration under root (on field, when given)."""
    diagnostics = config_errors(root, resolving=resolving)
    assert len(diagnostics) == 1, "expected one error, got:\n" + "\n".join(map(str, diagnostics))
    assert field is None or diagnostics[0].field == field, f"expected the error on {field}, got:\n{diagnostics[0]}"
    return diagnostics[0]


def error_on(diagnostics: list[Diagnostic], field: str) -> Diagnostic:
    """The one diagnostic about field among several; fails listing every diagnostic otherwise."""
    found = [d for d in diagnostics if d.field == field]
    assert len(found) == 1, f"expected one error on {field}, got:\n" + "\n".join(map(str, diagnostics))
    return found[0]


def located(error: Diagnostic | str, path: Path, line: int, field: str) -> None:
    """The diagnostic, as printed, names the file, the line and the field."""
    text, prefix = str(error), f"{path.as_posix()}:{line}:"
    assert text.startswith(prefix), f"{text!r} does not start with {prefix!r}"
    assert f": {field}: " in text, f"{text!r} does not name field {field!r}"
