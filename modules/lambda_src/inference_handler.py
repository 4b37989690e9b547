"""API Gateway -> SageMaker InvokeEndpoint, with data capture for endpoints that cannot capture themselves.

Configuration comes from the environment (set by mlops-tf):
  ENDPOINTS        JSON {"<route name>": {"endpoint": "<SageMaker endpoint>", "capture_percentage": 0-100}}
  CAPTURE_BUCKET   inference-data bucket; CAPTURE_KMS_KEY_ARN its key; CAPTURE_PREFIX e.g. "data-capture/staging/staging"

Works with REST (payload 1.0) and HTTP (payload 2.0) proxy events. The route is POST /<route name>.
The caller gets what the model returned: textual content types (text/*, JSON, XML, ...) as the text
itself, anything else base64-encoded with isBase64Encoded, which HTTP APIs and REST APIs whose
binary_media_types match (mlops-tf sets */*) decode back to the model's bytes.
Captured records follow SageMaker data capture's layout and JSON Lines format, so Model Monitor,
replication and the consumers in the data and ml-execution accounts read both the same way:
  s3://<bucket>/<prefix>/<endpoint>/AllTraffic/yyyy/mm/dd/hh/<request id>.jsonl
"""
from __future__ import annotations

import base64
import json
import os
import random
import uuid
from datetime import datetime, timezone

import boto3

_runtime = boto3.client("sagemaker-runtime")
_s3 = boto3.client("s3")
ROUTES = json.loads(os.environ.get("ENDPOINTS", "{}"))
MAX_BODY_BYTES = 6 * 1024 * 1024  # InvokeEndpoint's payload limit
TEXT_MEDIA_TYPES = {
    "application/json", "application/jsonlines", "application/x-ndjson", "application/xml",
    "application/x-www-form-urlencoded", "application/javascript",
}


def handler(event, context):
    route = _route_name(event)
    target = ROUTES.get(route)
    if target is None:
        return _response(404, {"message": f"unknown endpoint {route!r}"})
    body = _body(event)
    if len(body) > MAX_BODY_BYTES:
        return _response(413, {"message": "payload larger than 6 MB"})
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "application/json")
    accept = headers.get("accept", content_type)
    try:
        result = _runtime.invoke_endpoint(EndpointName=target["endpoint"], ContentType=content_type, Accept=accept, Body=body)
    except _runtime.exceptions.ModelError as exc:
        return _response(424, {"message": "model error", "detail": str(exc)})
    output = result["Body"].read()
    output_type = result.get("ContentType", accept)
    if random.uniform(0, 100) < float(target.get("capture_percentage", 0)):
        _capture(target["endpoint"], body, content_type, output, output_type, getattr(context, "aws_request_id", None))
    return {"statusCode": 200, "headers": {"Content-Type": output_type}, **_payload(output, output_type)}


def _payload(data: bytes, content_type: str) -> dict:
    """The response body as the API returns it: text for textual types that decode, else base64.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format
    """
    if _is_text(content_type):
        try:
            return {"body": data.decode("utf-8"), "isBase64Encoded": False}
        except UnicodeDecodeError:
            pass  # declared textual but not UTF-8: deliver the exact bytes
    return {"body": base64.b64encode(data).decode(), "isBase64Encoded": True}


def _is_text(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in TEXT_MEDIA_TYPES or media.endswith(("+json", "+xml"))


def _route_name(event) -> str:
    path = event.get("rawPath") or event.get("path") or ""
    stage = (event.get("requestContext") or {}).get("stage")
    if stage and stage != "$default" and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1:]
    return path.strip("/").split("/")[0]


def _body(event) -> bytes:
    raw = event.get("body") or ""
    return base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode()


def _encode(data: bytes, content_type: str) -> dict:
    kind = "CSV" if "csv" in content_type else "JSON" if "json" in content_type else "BASE64"
    text = base64.b64encode(data).decode() if kind == "BASE64" else data.decode("utf-8", errors="replace")
    return {"observedContentType": content_type, "data": text, "encoding": kind}


def _capture(endpoint: str, body: bytes, content_type: str, output: bytes, output_type: str, request_id: str | None) -> None:
    """Write one record in the data capture format; capture must never fail the request."""
    now = datetime.now(timezone.utc)
    event_id = request_id or str(uuid.uuid4())
    record = {
        "captureData": {
            "endpointInput": {"mode": "INPUT", **_encode(body, content_type)},
            "endpointOutput": {"mode": "OUTPUT", **_encode(output, output_type)},
        },
        "eventMetadata": {"eventId": event_id, "inferenceTime": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"},
        "eventVersion": "0",
    }
    key = f"{os.environ['CAPTURE_PREFIX']}/{endpoint}/AllTraffic/{now:%Y/%m/%d/%H}/{event_id}.jsonl"
    try:
        _s3.put_object(
            Bucket=os.environ["CAPTURE_BUCKET"], Key=key, Body=(json.dumps(record) + "\n").encode(),
            ServerSideEncryption="aws:kms", SSEKMSKeyId=os.environ["CAPTURE_KMS_KEY_ARN"],
        )
    except Exception as exc:  # noqa: BLE001 - a lost capture record is logged, the caller still gets its answer
        print(json.dumps({"level": "error", "message": "data capture failed", "key": key, "error": str(exc)}))


def _response(status: int, payload: dict) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(payload)}
