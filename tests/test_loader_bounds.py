"""The loader's bounds (config/yaml_bounds.py): sizes, FIFOs, merge keys, and what stays accepted.

The corpus (tests/bad_input/loader-*, yaml-*) holds the faults that are files; these are the ones a
corpus cannot hold (a 5 MB file, a FIFO) and the limits' accepted side.
"""

from __future__ import annotations

import os
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest

from config.yaml_bounds import MAX_ACCOUNT_FILES, MAX_ALIAS_VALUES, MAX_DEPTH, MAX_FILE_BYTES, MAX_TOTAL_BYTES
from config.yaml_source import YamlSyntaxError, parse_yaml
from tests.helpers import only_error

BASE = Path(__file__).with_name("bad_input") / "_base" / "config"


@pytest.fixture
def base(tmp_path: Path) -> Path:
    root = tmp_path / "config"
    shutil.copytree(BASE, root)
    return root


def test_a_5_mb_file_is_refused_in_well_under_2_s_and_300_mb(base: Path):
    filler = "".join(f"  key-{i}: value-{i}\n" for i in range(250_000))
    (base / "accounts/security.yaml").write_text((BASE / "accounts/security.yaml").read_text() + "tags:\n" + filler)
    assert (base / "accounts/security.yaml").stat().st_size > 5_000_000
    tracemalloc.start()
    start = time.perf_counter()
    message = str(only_error(base))
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert message.endswith(
        f"accounts/security.yaml:1:1: file is {(base / 'accounts/security.yaml').stat().st_size} bytes; "
        "mlops-tf reads configuration files up to 512 KiB"
    )
    assert elapsed < 0.5 and peak < 10 * 2**20


def test_many_files_together_above_the_total_bound_are_refused(base: Path):
    per_file = (MAX_FILE_BYTES * 3) // 4
    for i in range(3):  # each under the file bound, together above the total
        body = f'name: sec-{i}\nkind: security\naccount_id: "22222222222{i}"\nou: Security\n# ' + "x" * per_file + "\n"
        (base / f"accounts/sec-{i}.yaml").write_text(body)
    assert 3 * per_file > MAX_TOTAL_BYTES
    start = time.perf_counter()
    assert str(only_error(base)).endswith(
        f"config:1:1: the configuration files hold {sum(p.stat().st_size for p in base.rglob('*.yaml'))} bytes "
        "together; mlops-tf reads landing zones up to 1 MiB (a 50-account landing zone is about 60 KB)"
    )
    assert time.perf_counter() - start < 0.5  # from the sizes, before parsing


def test_the_largest_file_accepted_is_read_in_time():
    text = "tags:\n" + "".join(f"  key-{i}: value-{i}\n" for i in range(MAX_FILE_BYTES // 24))
    start = time.perf_counter()
    data, source = parse_yaml(text[:MAX_FILE_BYTES], "big.yaml")
    assert time.perf_counter() - start < 2
    assert data["tags"]["key-10"] == "value-10" and source.positions[("tags", "key-10")] == (12, 11)


def test_more_account_files_than_the_bound_are_one_error(base: Path):
    for n in range(MAX_ACCOUNT_FILES):
        (base / f"accounts/empty-{n:04d}.yaml").write_text("")
    start = time.perf_counter()
    assert str(only_error(base)).endswith(
        f"accounts:1:1: holds {MAX_ACCOUNT_FILES + 2} account files; mlops-tf reads landing zones of up to "
        f"{MAX_ACCOUNT_FILES} accounts"
    )
    assert time.perf_counter() - start < 2


def test_a_fifo_is_refused_without_blocking(base: Path):
    os.mkfifo(base / "accounts/data.yaml")
    assert str(only_error(base)).endswith(
        "accounts/data.yaml:1:1: is not a regular file (a pipe, socket or device); "
        "a configuration file must be a regular YAML file"
    )


def test_nesting_up_to_the_bound_is_read_and_one_more_level_is_refused():
    def nested(depth: int) -> str:
        return "".join("  " * i + f"k{i}:\n" for i in range(depth - 1)) + "  " * (depth - 1) + "k: [x]\n"

    data, _ = parse_yaml(nested(MAX_DEPTH - 1), "f.yaml")
    assert data["k0"]["k1"]["k2"] is not None
    with pytest.raises(YamlSyntaxError, match=f"nested more than {MAX_DEPTH} levels deep"):
        parse_yaml(nested(MAX_DEPTH), "f.yaml")


def test_aliases_within_the_bound_are_read():
    text = (
        "base: &b ["
        + ", ".join(["v"] * 99)
        + "]\n"
        + "".join(f"k{i}: *b\n" for i in range(MAX_ALIAS_VALUES // 100 - 1))
    )
    data, source = parse_yaml(text, "f.yaml")
    assert data["k3"][98] == "v" and source.positions[("k3", 98)] == source.positions[("base", 98)]
    with pytest.raises(YamlSyntaxError, match=f"repeat more than {MAX_ALIAS_VALUES} values"):
        parse_yaml(text + "".join(f"x{i}: *b\n" for i in range(3)), "f.yaml")


def test_merge_keys_are_supported_with_explicit_keys_winning_and_positions_kept():
    text = (
        "defaults: &d {owner: team, cost-center: cc-1}\nextra: &e {cost-center: cc-9, tier: gold}\ntags:\n  <<: "
        "[*d, *e]\n  owner: me\n"
    )
    data, source = parse_yaml(text, "f.yaml")
    assert data["tags"] == {"owner": "me", "cost-center": "cc-1", "tier": "gold"}
    assert source.positions[("tags", "owner")] == (5, 10)  # its own line
    assert source.positions[("tags", "cost-center")] == (1, 41)  # where the merged value is written
    assert source.key_positions[("tags", "tier")] == (2, 31)


def test_yaml_1_1_booleans_stay_text_for_the_schema_to_judge():
    data, _ = parse_yaml("a: on\nb: true\nc: 'yes'\nd: False\n", "f.yaml")
    assert data["b"] is True and data["c"] == "yes" and data["d"] is False
    assert type(data["a"]).__name__ == "ImplicitBool" and data["a"].text == "on"
