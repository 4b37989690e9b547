"""An AWS CDK (Python) app of the example's size, for scripts/benchmark.py to synthesize side by side.

Usage: <python with aws-cdk-lib> scripts/cdk_reference_app.py OUTDIR [--stacks 8] [--resources 551]

Not part of mlops-tf (aws-cdk-lib is not one of its dependencies): install aws-cdk-lib into a
separate virtual environment and point `scripts/benchmark.py --cdk-python` at its interpreter.
Each stack holds secure units like the example's (a KMS key, an encrypted bucket with a TLS-only
policy, a role with an inline policy, a queue and a topic encrypted with the key), topped up with
log groups to the target count of CloudFormation resources. Prints the number of resources.
"""

from __future__ import annotations

import argparse

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

UNIT_RESOURCES = 7  # key, bucket, bucket policy, role, policy, queue, topic


def unit(scope: Construct, name: str) -> None:
    key = kms.Key(scope, f"{name}-key", enable_key_rotation=True, removal_policy=cdk.RemovalPolicy.RETAIN)
    bucket = s3.Bucket(
        scope,
        f"{name}-bucket",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        versioned=True,
    )
    role = iam.Role(scope, f"{name}-role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    role.attach_inline_policy(
        iam.Policy(
            scope,
            f"{name}-policy",
            statements=[
                iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"], resources=[bucket.arn_for_objects("*")]),
                iam.PolicyStatement(actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[key.key_arn]),
            ],
        )
    )
    sqs.Queue(scope, f"{name}-queue", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=False)
    sns.Topic(scope, f"{name}-topic", master_key=key)


def count(app: cdk.App) -> int:
    return sum(1 for c in app.node.find_all() if isinstance(c, cdk.CfnResource))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--stacks", type=int, default=8)
    parser.add_argument("--resources", type=int, default=551)
    options = parser.parse_args()
    app = cdk.App(outdir=options.outdir)
    per_stack = [
        options.resources // options.stacks + (1 if i < options.resources % options.stacks else 0)
        for i in range(options.stacks)
    ]
    for i, target in enumerate(per_stack):
        stack = cdk.Stack(app, f"account-{i}", env=cdk.Environment(account=f"{100000000000 + i}", region="eu-west-1"))
        units, rest = divmod(target, UNIT_RESOURCES)
        for u in range(units):
            unit(stack, f"unit{u}")
        for r in range(rest):
            logs.LogGroup(
                stack, f"log{r}", retention=logs.RetentionDays.ONE_YEAR, removal_policy=cdk.RemovalPolicy.RETAIN
            )
    app.synth()
    print(count(app))


if __name__ == "__main__":
    main()
