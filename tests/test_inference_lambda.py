"""The inference API's Lambda: deterministic package inside the stack output, and the handler's behaviour."""

from __future__ import annotations

import base64
import hashlib
import importlib
import io
import json
import re
import sys
import types
import zipfile
from pathlib import Path

import pytest

from modules.lambda_package import SOURCE_DIR, handler_zip, zip_bytes
from tests.conftest import EXAMPLE, read_stacks


def test_zip_is_deterministic_and_normalized():
    files = {"b.py": b"print('b')\n", "a.py": b"print('a')\n"}
    first = zip_bytes(files)
    assert first == zip_bytes(dict(reversed(list(files.items()))))
    entries = zipfile.ZipFile(io.BytesIO(first)).infolist()
    assert [e.filename for e in entries] == ["a.py", "b.py"]
    assert {e.date_time for e in entries} == {(1980, 1, 1, 0, 0, 0)}
    assert {e.external_attr >> 16 for e in entries} == {0o100644}
    assert zip_bytes({**files, "a.py": b"print('A')\n"}) != first


def test_package_is_in_each_stack_and_matches_the_source(example_out: Path, stacks):
    expected = handler_zip("inference_handler")
    assert (
        zipfile.ZipFile(io.BytesIO(expected)).read("inference_handler.py")
        == (SOURCE_DIR / "inference_handler.py").read_bytes()
    )
    for account in ("staging", "production"):
        fn = stacks.resource(account, "aws_lambda_function")
        assert re.fullmatch(r"assets/inference-handler-package/[0-9A-F]{32}/inference_handler\.zip", fn["filename"])
        package = example_out / "stacks" / account / fn["filename"]
        assert package.read_bytes() == expected
        assert fn["source_code_hash"] == base64.b64encode(hashlib.sha256(expected).digest()).decode()
        assert fn["handler"] == "inference_handler.handler"


def test_second_synth_is_byte_identical(example_out: Path, tmp_path: Path):
    from accounts.app import synthesize
    from config import load, resolve

    out = tmp_path / "cdktf.out"  # same layout as example_out, so the local backend's relative path matches
    synthesize(resolve(load(EXAMPLE)), ["staging", "production"], out, state_dir=tmp_path / "terraform-state")
    for account in ("staging", "production"):
        before = sorted(
            p.relative_to(example_out) for p in (example_out / "stacks" / account).rglob("*") if p.is_file()
        )
        after = sorted(p.relative_to(out) for p in (out / "stacks" / account).rglob("*") if p.is_file())
        assert before == after
        for rel in before:
            assert (example_out / rel).read_bytes() == (out / rel).read_bytes(), rel
    assert read_stacks(out)["staging"]["resource"]["aws_lambda_function"]


# -- handler -------------------------------------------------------------------------------
class FakeBody:
    def __init__(self, data: bytes):
        self.data = data

    def read(self) -> bytes:
        return self.data


class ModelError(Exception):
    pass


@pytest.fixture
def handler(monkeypatch):
    """The handler module with boto3 replaced by recording fakes."""
    calls: dict[str, list] = {"invoke": [], "put": []}

    class Runtime:
        exceptions = types.SimpleNamespace(ModelError=ModelError)
        answer = (b'{"score": 0.9}', "application/json")

        def invoke_endpoint(self, **kwargs):
            calls["invoke"].append(kwargs)
            return {"Body": FakeBody(Runtime.answer[0]), "ContentType": Runtime.answer[1]}

    class S3:
        fail = False

        def put_object(self, **kwargs):
            if S3.fail:
                raise RuntimeError("denied")
            calls["put"].append(kwargs)

    fake_boto3 = types.ModuleType("boto3")
    fake_boto3.client = lambda name: Runtime() if name == "sagemaker-runtime" else S3()
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3)
    monkeypatch.setenv(
        "ENDPOINTS",
        json.dumps(
            {
                "fraud": {"endpoint": "acme-ml-fraud", "capture_percentage": 100},
                "churn": {"endpoint": "acme-ml-churn", "capture_percentage": 0},
            }
        ),
    )
    monkeypatch.setenv("CAPTURE_BUCKET", "bucket")
    monkeypatch.setenv("CAPTURE_KMS_KEY_ARN", "arn:aws:kms:eu-west-1:777777777777:key/k")
    monkeypatch.setenv("CAPTURE_PREFIX", "data-capture")
    monkeypatch.syspath_prepend(str(SOURCE_DIR))
    sys.modules.pop("inference_handler", None)
    module = importlib.import_module("inference_handler")
    module.calls = calls
    module.S3 = S3
    module.Runtime = Runtime
    yield module
    sys.modules.pop("inference_handler", None)


def http_event(route: str, body: str, content_type: str = "text/csv") -> dict:
    return {
        "rawPath": f"/{route}",
        "body": body,
        "isBase64Encoded": False,
        "headers": {"Content-Type": content_type},
        "requestContext": {"stage": "$default"},
    }


def test_http_event_invokes_and_captures_in_data_capture_layout(handler):
    response = handler.handler(http_event("fraud", "1,2,3"), types.SimpleNamespace(aws_request_id="req-1"))
    assert response["statusCode"] == 200
    # The caller gets the model's JSON as it is, not base64 text (issue 10, item 7).
    assert (response["body"], response["isBase64Encoded"]) == ('{"score": 0.9}', False)
    assert response["headers"] == {"Content-Type": "application/json"}
    assert handler.calls["invoke"] == [
        {"EndpointName": "acme-ml-fraud", "ContentType": "text/csv", "Accept": "text/csv", "Body": b"1,2,3"}
    ]
    [put] = handler.calls["put"]
    assert re.fullmatch(r"data-capture/acme-ml-fraud/AllTraffic/\d{4}/\d{2}/\d{2}/\d{2}/req-1\.jsonl", put["Key"])
    assert (put["Bucket"], put["ServerSideEncryption"], put["SSEKMSKeyId"]) == (
        "bucket",
        "aws:kms",
        "arn:aws:kms:eu-west-1:777777777777:key/k",
    )
    record = json.loads(put["Body"])
    assert record["captureData"]["endpointInput"] == {
        "mode": "INPUT",
        "observedContentType": "text/csv",
        "data": "1,2,3",
        "encoding": "CSV",
    }
    assert record["captureData"]["endpointOutput"]["encoding"] == "JSON"
    assert record["eventMetadata"]["eventId"] == "req-1"
    assert record["eventVersion"] == "0"


def test_rest_event_on_instance_endpoint_does_not_capture(handler):
    event = {
        "path": "/churn",
        "body": base64.b64encode(b'{"x": 1}').decode(),
        "isBase64Encoded": True,
        "headers": {"content-type": "application/json"},
        "requestContext": {"stage": "v1"},
    }
    assert handler.handler(event, None)["statusCode"] == 200
    assert handler.calls["invoke"][0]["Body"] == b'{"x": 1}'
    assert handler.calls["put"] == []


def test_unknown_route_and_failed_capture(handler):
    assert handler.handler(http_event("nope", "1"), None)["statusCode"] == 404
    handler.S3.fail = True
    assert handler.handler(http_event("fraud", "1"), None)["statusCode"] == 200  # capture never fails the request


@pytest.mark.parametrize(
    ("output", "content_type", "text"),
    [
        (b"0.87\n0.12\n", "text/csv", True),
        (b'{"s": "\xc3\xa9"}', "application/json; charset=utf-8", True),
        (b"<p>1</p>", "application/vnd.acme+xml", True),
        (b"\x93NUMPY\x01\x00", "application/x-npy", False),
        (b"\xff\xfe\x00", "text/csv", False),  # declared text but not UTF-8: the exact bytes, base64
    ],
)
def test_response_is_what_the_model_returned(handler, output, content_type, text):
    handler.Runtime.answer = (output, content_type)
    response = handler.handler(http_event("churn", "1"), None)
    assert response["statusCode"] == 200 and response["headers"] == {"Content-Type": content_type}
    assert response["isBase64Encoded"] is (not text)
    returned = response["body"].encode() if text else base64.b64decode(response["body"])
    assert returned == output


def test_rest_apis_decode_base64_responses_for_every_accept_header(stacks):
    """A REST API turns an isBase64Encoded response back into bytes only for binary media types."""
    [api] = stacks.resources("production", "aws_api_gateway_rest_api").values()
    assert api["binary_media_types"] == ["*/*"]
