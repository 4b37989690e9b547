"""ServingGate: whether an endpoint serves a model yet, and which, read from SSM parameters that the
deployment path writes (the platform stack only reads them, so a platform apply never reverts a deployment).

One `aws_ssm_parameters_by_path` per endpoint reads its hierarchy; on a fresh account it returns empty
lists, so "no model yet" is a normal state: every resource that needs a model takes `count` from the gate
and comes to exist when the pipeline has written the primary variant's parameter. A pinned version is a
literal ARN and needs no parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Token
from constructs import Construct

from .aws import aws


@dataclass(frozen=True)
class GatedVariant:
    """One variant's SSM parameter name and, when the configuration pins it, the pinned package ARN."""

    parameter: str
    pinned_arn: str | None = None


class ServingGate(Construct):
    """The count (0 or 1) and the model package ARN expressions of one endpoint's variants.

    `variants` is ordered with the primary variant first. An unpinned non-primary variant serves its own
    parameter when present, else the primary's package, so the endpoint's shape never depends on it.
    """

    def __init__(self, scope: Construct, id: str, *, path: str, variants: dict[str, GatedVariant]) -> None:
        super().__init__(scope, id)
        self.variants = dict(variants)
        self.primary = next(iter(self.variants))
        # Returns every parameter under path (recursive) and empty lists when there is none: never fails.
        # https://registry.terraform.io/providers/hashicorp/aws/6.25.0/docs/data-sources/ssm_parameters_by_path
        # https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html
        self.lookup = aws.data_aws_ssm_parameters_by_path.DataAwsSsmParametersByPath(
            self,
            "parameters",
            path=path,
            recursive=True,
            with_decryption=False,
        )
        ref = self.lookup.fqn
        # `names` is not sensitive (usable in count); `values` is, and a model package ARN is no secret.
        self._table = f"zipmap({ref}.names, {ref}.values)"
        primary = self.variants[self.primary]
        self.exists_expression = "true" if primary.pinned_arn else f'contains({ref}.names, "{primary.parameter}")'

    @property
    def count(self) -> float:
        """`count` of every resource that exists only while the endpoint serves a model: 1 or 0."""
        if self.variants[self.primary].pinned_arn:
            return 1
        return Token.as_number(f"${{{self.exists_expression} ? 1 : 0}}")

    def any_count(self, gates: list[ServingGate]) -> float:
        """1 when this or any of `gates` serves a model (e.g. a REST deployment needs one route), else 0."""
        exprs = [g.exists_expression for g in [self, *gates]]
        if "true" in exprs:
            return 1
        return Token.as_number(f"${{anytrue([{', '.join(exprs)}]) ? 1 : 0}}")

    def model_package_arn(self, variant: str) -> str:
        """The package ARN a variant serves, as a string attribute value (a literal or an interpolation)."""
        spec = self.variants[variant]
        return spec.pinned_arn or f"${{{self.package_expression(variant)}}}"

    def package_expression(self, variant: str) -> str:
        """HCL expression of the package a variant serves: its pin, its parameter, or (non-primary) the primary's."""
        spec = self.variants[variant]
        if spec.pinned_arn:
            return f'"{spec.pinned_arn}"'
        # The primary's fallback "" is never read: every resource using it has count 0 without the parameter.
        fallback = '""' if variant == self.primary else self.package_expression(self.primary)
        return f'nonsensitive(lookup({self._table}, "{spec.parameter}", {fallback}))'


def instance_attribute(resource, attribute: str) -> str:
    """An attribute of instance 0 of a gated (counted) resource, for resources sharing or narrower than its count."""
    return f"${{{resource.fqn}[0].{attribute}}}"
