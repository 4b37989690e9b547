"""Control Tower mode of the management stack (organization.vending: control_tower).

Control Tower owns its landing zone: the organization trail and Log Archive, AWS Config in every
enrolled account, and the OUs it created (Security, Sandbox). mlops-tf adopts those OUs by name
(never creates them) and registers every OU it adds with the AWSControlTowerBaseline, so Account
Factory can provision into it and Control Tower's mandatory controls govern it.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.kinds.baseline import control_tower
from modules.aws import aws

from .base import AccountStack
from .organization_adoption import slug

# https://docs.aws.amazon.com/controltower/latest/userguide/types-of-baselines.html (AWSControlTowerBaseline)
CONTROL_TOWER_BASELINE_ID = "17BSJV3IGJ2QSGA2"


@dataclass(frozen=True)
class AdoptedOu:
    """An OU Control Tower created: its id and ARN as Terraform expressions over the root's children."""

    id: str
    arn: str


def adopted_ous(stack: AccountStack, root_id: str) -> dict[str, AdoptedOu]:
    """The top-level OUs of the landing zone that Control Tower already has, found by name under the root."""
    lz = stack.resolved.landing_zone
    if not control_tower(lz):
        return {}
    names = sorted(set(lz.organization.control_tower.existing_ous) & {p for p in lz.ou_paths() if "/" not in p})
    if not names:
        return {}
    children = aws.data_aws_organizations_organizational_units.DataAwsOrganizationsOrganizationalUnits(
        stack, "control-tower-ous", parent_id=root_id
    )
    listing = f"data.aws_organizations_organizational_units.{children.friendly_unique_id}.children"
    wanted = ", ".join(f'"{n}"' for n in names)
    # Plan stops with a clear message when Control Tower's landing zone lacks one of them.
    children.add_override(
        "lifecycle",
        {
            "postcondition": [
                {
                    "condition": f"${{length(setsubtract([{wanted}], [for c in self.children : c.name])) == 0}}",
                    "error_message": "Control Tower OUs not found under the organization root: expected "
                    f"{', '.join(names)} "
                    "(organization.control_tower.existing_ous)",
                }
            ]
        },
    )
    return {
        name: AdoptedOu(
            id=f'${{one([for c in {listing} : c.id if c.name == "{name}"])}}',
            arn=f'${{one([for c in {listing} : c.arn if c.name == "{name}"])}}',
        )
        for name in names
    }


def register_ous(stack: AccountStack, created: dict) -> dict:
    """Enable the AWSControlTowerBaseline on every OU mlops-tf creates, one at a time, parents before children
    (dict order is that chain: its last value is the last registration).
    # https://docs.aws.amazon.com/controltower/latest/APIReference/API_EnableBaseline.html"""
    r = stack.resolved
    lz = r.landing_zone
    if not control_tower(lz):
        return {}
    settings = lz.organization.control_tower
    parameters = None
    if settings.identity_center_enabled_baseline_arn:
        parameters = [
            aws.controltower_baseline.ControltowerBaselineParameters(
                key="IdentityCenterEnabledBaselineArn", value=settings.identity_center_enabled_baseline_arn
            )
        ]
    baselines: dict = {}
    previous = None
    for path in sorted(created, key=lambda p: (p.count("/"), p)):
        previous = baselines[path] = aws.controltower_baseline.ControltowerBaseline(
            stack,
            f"register-ou-{slug(path)}",
            baseline_identifier=f"arn:{r.partition}:controltower:{lz.home_region}::baseline/{CONTROL_TOWER_BASELINE_ID}",
            baseline_version=settings.baseline_version,
            target_identifier=created[path].arn,
            parameters=parameters,
            # One Control Tower operation at a time, and the provider's EnableBaseline does not retry a
            # ConflictException: https://docs.aws.amazon.com/controltower/latest/userguide/limits.html
            # Parents sort first, so a nested OU also registers after its parent.
            depends_on=[previous] if previous is not None else None,
        )
    return baselines
