"""One root cause, one error: a broken account file does not make other files report it again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import config_errors, replace_text

EXAMPLE_ACCOUNTS = sorted(p.stem for p in (Path(__file__).parent.parent / "config" / "accounts").glob("*.yaml"))


@pytest.mark.parametrize("account", EXAMPLE_ACCOUNTS)
def test_a_misspelt_kind_is_one_error_with_a_hint(config_copy: Path, account: str):
    path = config_copy / "accounts" / f"{account}.yaml"
    kind = next(line.split(":", 1)[1].strip() for line in path.read_text().splitlines() if line.startswith("kind:"))
    replace_text(path, f"kind: {kind}\n", f"kind: {kind[:-1]}\n")  # drop the last letter: securit, stagin, ...
    errors = config_errors(config_copy)
    assert [(d.file.endswith(f"{account}.yaml"), d.field) for d in errors] == [(True, "kind")], "\n".join(
        map(str, errors)
    )
    assert errors[0].message.endswith(f"(got {kind[:-1]!r}); did you mean {kind!r}?")


@pytest.mark.parametrize("account", EXAMPLE_ACCOUNTS)
def test_an_unreadable_account_file_is_one_error(config_copy: Path, account: str):
    path = config_copy / "accounts" / f"{account}.yaml"
    path.write_bytes(path.read_bytes() + b"\n# caf\xe9\n")
    errors = config_errors(config_copy)
    assert len(errors) == 1 and "is not UTF-8" in errors[0].message, "\n".join(map(str, errors))


def test_the_total_size_bound_is_reported_once(config_copy: Path):
    for n in range(4):  # each file under the per-file bound, together over the total
        body = f'name: extra-{n}\nkind: security\naccount_id: "99999999999{n}"\nou: Security\n# ' + "x" * 400_000 + "\n"
        (config_copy / "accounts" / f"extra-{n}.yaml").write_text(body)
    errors = config_errors(config_copy)
    assert [e.message.startswith("the configuration files hold") for e in errors] == [True], "\n".join(map(str, errors))
