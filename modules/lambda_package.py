"""Deterministic Lambda packages: the same source gives a byte-identical zip, copied into the stack as an asset.

A zip records timestamps, permissions and entry order; all three are fixed here so that synth stays
byte-identical and Terraform sees a change only when the handler's code changes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

SOURCE_DIR = Path(__file__).resolve().parent / "lambda_src"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold
FILE_MODE = 0o100644  # regular file, rw-r--r--


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of name -> content with sorted entries, fixed dates and permissions, fixed compression."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = FILE_MODE << 16
            info.create_system = 3  # unix, so the mode above is honoured on every platform
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def handler_zip(*module_names: str) -> bytes:
    """Zip the named modules of modules/lambda_src at the root of the package."""
    return zip_bytes({f"{m}.py": (SOURCE_DIR / f"{m}.py").read_bytes() for m in module_names})


@dataclass(frozen=True)
class LambdaPackage:
    path: str  # relative to the stack folder, where Terraform runs
    source_code_hash: str  # base64 SHA-256, as aws_lambda_function expects


def package_asset(scope: Construct, id: str, *module_names: str) -> LambdaPackage:
    """Build the zip into a content-addressed temporary file and copy it into the stack as an asset."""
    data = handler_zip(*module_names)
    digest = hashlib.sha256(data).hexdigest()
    staged = Path(tempfile.gettempdir()) / "mlops-tf-lambda" / digest / f"{module_names[0]}.zip"
    if not staged.is_file() or staged.read_bytes() != data:
        staged.parent.mkdir(parents=True, exist_ok=True)
        partial = staged.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, staged)
    # The asset hash (part of the path) is the content digest: stable across machines and synths.
    asset = TerraformAsset(scope, id, path=str(staged), type=AssetType.FILE, asset_hash=digest[:32].upper())
    return LambdaPackage(path=asset.path, source_code_hash=base64.b64encode(hashlib.sha256(data).digest()).decode())
