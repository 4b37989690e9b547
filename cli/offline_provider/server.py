"""A stand-in `hashicorp/aws` plugin: serves the bindings' schema over the Terraform plugin protocol v6.

Terraform starts it as `terraform-provider-aws` (a dev_overrides directory), reads the go-plugin
handshake line from stdout and talks gRPC over mutual TLS on a Unix socket:
https://github.com/hashicorp/go-plugin/blob/main/docs/internals.md
Terraform core checks every configuration against the schema (unknown and missing arguments, types,
references); the provider's own validators do not exist here, so validation RPCs answer "no problems".
Usage: python -m cli.offline_provider.server [--reattach] SCHEMA.pb
With --reattach it serves many Terraform runs (TF_REATTACH_PROVIDERS) until its standard input closes.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import threading
from concurrent import futures
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

from . import planning

# go-plugin's handshake: Terraform sets this cookie so a plugin run by hand explains itself instead of serving.
MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
PROVIDER = "hashicorp/aws"


class Provider(rpc.ProviderServicer):
    def __init__(self, schema: pb.GetProviderSchema.Response, stop: threading.Event):
        self.schema = schema
        self.stop = stop

    def GetMetadata(self, request, context):
        return pb.GetMetadata.Response(
            resources=[pb.GetMetadata.ResourceMetadata(type_name=t) for t in sorted(self.schema.resource_schemas)],
            data_sources=[
                pb.GetMetadata.DataSourceMetadata(type_name=t) for t in sorted(self.schema.data_source_schemas)
            ],
        )

    def GetProviderSchema(self, request, context):
        return self.schema

    def ValidateProviderConfig(self, request, context):
        return pb.ValidateProviderConfig.Response()

    def ValidateResourceConfig(self, request, context):
        return pb.ValidateResourceConfig.Response()

    def ValidateDataResourceConfig(self, request, context):
        return pb.ValidateDataResourceConfig.Response()

    def ConfigureProvider(self, request, context):
        return pb.ConfigureProvider.Response()

    # -- plan on an empty state (mlops-tf validate --terraform --plan) -----------------------------
    def UpgradeResourceState(self, request, context):
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=request.raw_state.json or b"null"))

    def PlanResourceChange(self, request, context):
        block = self.schema.resource_schemas[request.type_name].block
        proposed = planning.decode(request.proposed_new_state)
        planned = planning.plan(block, proposed, planning.decode(request.prior_state))
        return pb.PlanResourceChange.Response(planned_state=planning.encode(planned))

    def ReadResource(self, request, context):
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def ImportResourceState(self, request, context):
        block = self.schema.resource_schemas[request.type_name].block
        state = planning.empty(block, id=request.id)
        return pb.ImportResourceState.Response(
            imported_resources=[
                pb.ImportResourceState.ImportedResource(type_name=request.type_name, state=planning.encode(state))
            ]
        )

    def ReadDataSource(self, request, context):
        block = self.schema.data_source_schemas[request.type_name].block
        state = planning.read_data_source(block, planning.decode(request.config))
        return pb.ReadDataSource.Response(state=planning.encode(state))

    def GetFunctions(self, request, context):
        return pb.GetFunctions.Response()

    def StopProvider(self, request, context):
        self.stop.set()
        return pb.StopProvider.Response()


class Controller(controller_rpc.GRPCControllerServicer):
    def __init__(self, stop: threading.Event):
        self.stop = stop

    def Shutdown(self, request, context):
        self.stop.set()
        return controller_pb.Empty()


class Stdio(stdio_rpc.GRPCStdioServicer):
    def StreamStdio(self, request, context):
        return iter(())  # nothing to forward: the stand-in writes nothing to stdout or stderr


def _certificate() -> tuple[bytes, bytes, bytes]:
    """A throwaway self-signed server certificate for localhost: (key PEM, cert PEM, cert DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH, x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM), cert.public_bytes(serialization.Encoding.DER)


def _stop_at_end_of_input(stop: threading.Event) -> None:
    """Terraform closes the plugin's stdin when it is done with it: stop serving then."""
    sys.stdin.read()
    stop.set()


def serve(schema_path: Path, *, reattach: bool = False) -> int:
    """Serve until Terraform shuts the plugin down, or, with reattach, until standard input closes."""
    if not reattach and os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        print(
            "This is the offline stand-in for the hashicorp/aws Terraform provider; Terraform starts it "
            "(mlops-tf validate --terraform). It is not meant to be run directly.",
            file=sys.stderr,
        )
        return 1
    if "6" not in os.environ.get("PLUGIN_PROTOCOL_VERSIONS", "6").split(","):
        print("Terraform does not offer plugin protocol 6 (needs Terraform >= 1.0)", file=sys.stderr)
        return 1
    schema = pb.GetProviderSchema.Response.FromString(schema_path.read_bytes())
    stop = threading.Event()
    # A shared (reattached) plugin serves many Terraform runs: their Shutdown and StopProvider must not end it.
    ignored = threading.Event()
    # The schema response is megabytes; Terraform sends small configurations back.
    options = [("grpc.max_send_message_length", 256 << 20), ("grpc.max_receive_message_length", 256 << 20)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=options)
    rpc.add_ProviderServicer_to_server(Provider(schema, ignored if reattach else stop), server)
    controller_rpc.add_GRPCControllerServicer_to_server(Controller(ignored if reattach else stop), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)
    with tempfile.TemporaryDirectory(prefix="mlops-tf-aws-") as tmp:
        # The socket lives in a private (0700) temporary directory: only this user's processes can reach it.
        socket = f"{tmp}/plugin.sock"
        if reattach:
            # TF_REATTACH_PROVIDERS: Terraform connects to this running plugin instead of starting one (no TLS).
            server.add_insecure_port(f"unix://{socket}")
            server.start()
            print(
                json.dumps(
                    {
                        f"registry.terraform.io/{PROVIDER}": {
                            "Protocol": "grpc",
                            "ProtocolVersion": 6,
                            "Pid": os.getpid(),
                            "Test": True,
                            "Addr": {"Network": "unix", "String": socket},
                        }
                    }
                ),
                flush=True,
            )
            threading.Thread(target=_stop_at_end_of_input, args=(stop,), daemon=True).start()
        else:
            # Terraform (go-plugin AutoMTLS) trusts the certificate printed in the handshake.
            key_pem, cert_pem, cert_der = _certificate()
            server.add_secure_port(f"unix://{socket}", grpc.ssl_server_credentials([(key_pem, cert_pem)]))
            server.start()
            # core protocol | app protocol | network | address | protocol | server certificate (base64 DER, unpadded)
            print(f"1|6|unix|{socket}|grpc|{base64.b64encode(cert_der).decode().rstrip('=')}", flush=True)
        stop.wait()
        server.stop(grace=0.2).wait()
    return 0


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[-1]), reattach="--reattach" in sys.argv[1:-1]))
