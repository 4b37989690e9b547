"""Checks that the landing zone is one consistent whole: one partition, models served where they live.

A value can be valid on its own and still contradict another file: an account in us-gov-west-1 in a
landing zone whose ARNs are written `arn:aws:`, or an endpoint in one region serving a model package
registered in another. These checks run after every file validated on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..contracts import INFERENCE_KINDS, partition_of
from ..kinds.ml_execution import model_package_group_owner

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config

PARTITION_NAMES = {
    "aws": "the commercial partition",
    "aws-us-gov": "AWS GovCloud (US)",
    "aws-cn": "the China partition",
}


def one_partition(config: Config) -> Iterator[Diagnostic]:
    """Every region lies in the home region's partition: ARNs, principals and replication cannot cross partitions."""
    # https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html
    lz = config.landing_zone
    home = partition_of(lz.home_region)

    def problem(region: str) -> str:
        return (
            f"region {region} is in {PARTITION_NAMES[partition_of(region)]} ({partition_of(region)}), but home_region "
            f"{lz.home_region} is in {PARTITION_NAMES[home]} ({home}); a landing zone lives in one partition, "
            "its ARNs and grants cannot cross to another"
        )

    for i, region in enumerate(lz.allowed_regions):
        if partition_of(region) != home:
            yield config.error(None, ("allowed_regions", i), problem(region))
    backend_region = getattr(lz.state_backend, "region", None)
    if backend_region is not None and partition_of(backend_region) != home:
        yield config.error(None, ("state_backend", "region"), problem(backend_region))
    for account in config.accounts.values():
        if account.region is not None and partition_of(account.region) != home and account.region in lz.allowed_regions:
            yield config.error(account.name, ("region",), problem(account.region))


def models_served_in_their_region(config: Config) -> Iterator[Diagnostic]:
    """An endpoint serves a model package group registered in its own region."""
    # Model artifacts must be in an S3 bucket in the region of the model or endpoint being created:
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
    home = config.landing_zone.home_region
    for account in config.of_kind(*INFERENCE_KINDS):
        region = account.region or home
        if partition_of(region) != partition_of(home) or region not in config.landing_zone.allowed_regions:
            continue  # the region itself is reported (another partition, or not allowed)
        for i, endpoint in enumerate(account.inference.endpoints):
            owner = model_package_group_owner(config, endpoint.model_package_group)
            if owner is None:
                continue  # reported as an unknown group
            group_region = config.accounts[owner].region or home
            if group_region != region:
                yield config.error(
                    account.name,
                    ("inference", "endpoints", i, "model_package_group"),
                    f"model package group {endpoint.model_package_group!r} is registered in {owner!r} in "
                    f"{group_region}, "
                    f"but this account serves in {region}; SageMaker loads a model's artifacts only from its "
                    "own region: "
                    f"serve it from an account in {group_region}, or register the group in an ml-execution "
                    f"account in {region}",
                )


CHECKS = [one_partition, models_served_in_their_region]
