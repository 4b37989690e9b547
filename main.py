"""Entry point for the cdktf CLI (`cdktf synth`): the same stacks as `mlops-tf synth`."""

import os
from pathlib import Path

from accounts.app import synthesize
from config import load, resolve

synthesize(
    resolve(load("config")), None, Path(os.environ.get("CDKTF_OUTDIR", "cdktf.out")), state_dir=Path("terraform-state")
)
