"""Generate an N-account landing zone from the example, for scale measurements.

Usage: python scripts/generate_landing_zone.py 50 /tmp/lz50   (writes /tmp/lz50/config)

The example's accounts are kept; member accounts (every kind but management, security and data) are
cloned round robin with new names and ids until there are N accounts. Clones keep their section,
so they exercise the same constructs. A kind whose clones the validator rejects (for example a kind
allowed once per landing zone) is left out of the cloning and reported.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config"
# Data accounts are not cloned: clones would share lake databases of the same names with the same
# consumers, whose Glue resource links (named after the database) would collide; the validator
# rejects that.
NOT_CLONED = ("management", "security", "data")
FIRST_ID = 900_000_000_000


def _copy_example(dest: Path) -> Path:
    config = dest / "config"
    if config.exists():
        shutil.rmtree(config)
    (config / "accounts").mkdir(parents=True)
    for name in ("landing-zone.yaml", "accounts.lock.yaml"):
        if (EXAMPLE / name).is_file():
            shutil.copyfile(EXAMPLE / name, config / name)
    for path in sorted((EXAMPLE / "accounts").glob("*.yaml")):
        shutil.copyfile(path, config / "accounts" / path.name)
    for path in sorted((EXAMPLE / "scripts").glob("*.py")):  # Glue job scripts the data account names
        (config / "scripts").mkdir(exist_ok=True)
        shutil.copyfile(path, config / "scripts" / path.name)
    return config


def _clones(sources: list[dict], count: int) -> list[dict]:
    clones = []
    for i in range(count):
        source = sources[i % len(sources)]
        clone = dict(source)
        clone["name"] = f"{source['name']}-{i + 1:03d}"
        clone["account_id"] = str(FIRST_ID + i)
        clone.pop("email", None)
        clones.append(clone)
    return clones


def generate(accounts: int, dest: Path) -> tuple[Path, list[str]]:
    """Write dest/config with `accounts` accounts; return it and the kinds left out of cloning."""
    sys.path.insert(0, str(ROOT))
    from config import ConfigError, load  # late: the script can be imported without mlops-tf on sys.path

    examples = [yaml.safe_load(p.read_text()) for p in sorted((EXAMPLE / "accounts").glob("*.yaml"))]
    members = [a for a in examples if a["kind"] not in NOT_CLONED]
    excluded: list[str] = []
    while True:
        config = _copy_example(dest)
        sources = [a for a in members if a["kind"] not in excluded]
        if accounts > len(examples) and not sources:
            raise SystemExit("no kind of member account can be cloned")
        clones = _clones(sources, max(0, accounts - len(examples)))
        for clone in clones:
            (config / "accounts" / f"{clone['name']}.yaml").write_text(yaml.safe_dump(clone, sort_keys=False))
        try:
            load(config)
            return config, excluded
        except ConfigError as exc:
            kind_of = {c["name"]: c["kind"] for c in clones}
            rejected = {kind_of[Path(d.file).stem] for d in exc.diagnostics if Path(d.file).stem in kind_of}
            if not rejected:
                raise
            excluded.extend(sorted(rejected))


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    config, excluded = generate(int(sys.argv[1]), Path(sys.argv[2]))
    count = len(list((config / "accounts").glob("*.yaml")))
    note = f" (kinds not cloned: {', '.join(excluded)})" if excluded else ""
    print(f"{config}: {count} accounts{note}")


if __name__ == "__main__":
    main()
