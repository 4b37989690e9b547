"""Cross-file checks, cross-account names and flows of shared-services accounts.

The deployment pipeline's CodeBuild role (contracts.pipeline_build_role_name) assumes a deploy role
(contracts.pipeline_deploy_role_name) in each staging and production account it targets. Both sides
come from `pipeline_targets` / `pipeline_deploy_trust` below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import contracts
from ..landing_zone_pipeline import folder_in_repository
from ..model import Flow
from ..refs import account_refs
from ..schema.account import INFERENCE_ACCOUNTS, SharedServicesAccount

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Resolved

SECTION = "shared_services"
PULL_ACCOUNT_KINDS = ("data-science", "ml-execution", "staging", "production")


# -- names shared by both sides ---------------------------------------------------------------
ECR_KEY_PURPOSE = "ecr"


def pipeline_name(r: Resolved, account: str) -> str:
    return r.resource_name(r.accounts[account].model(SharedServicesAccount).shared_services.pipeline.name)


def pipeline_targets(r: Resolved, account: str) -> dict[str, list[str]]:
    """{'staging': [...], 'production': [...]} of a shared-services account's pipeline (empty list = all of
    the kind)."""
    pipeline = r.accounts[account].model(SharedServicesAccount).shared_services.pipeline
    out = {}
    for kind in ("staging", "production"):
        chosen = getattr(pipeline, kind)
        out[kind] = list(chosen) if chosen else [a.name for a in r.of_kind(kind)]
    return out


def pipeline_deployers(r: Resolved, target: str) -> list[str]:
    """Shared-services accounts whose pipeline deploys into `target`."""
    return [
        a.name for a in r.of_kind("shared-services") if any(target in t for t in pipeline_targets(r, a.name).values())
    ]


def pipeline_deploy_trust(r: Resolved, target: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(Principal, Condition) of the deploy role in a staging/production account; None if no pipeline targets it."""
    deployers = pipeline_deployers(r, target)
    if not deployers:
        return None
    return r.cross_account_principal({name: [contracts.pipeline_build_role_name(r)] for name in deployers})


def deployment_parameters(r: Resolved, target: str) -> dict[str, dict[str, list[str]]]:
    """Model package group name (as in an approved package's ARN) -> variant -> SSM parameters of `target`
    that the pipeline writes: every unpinned variant of an endpoint serving that group (pins are the YAML's)."""
    out: dict[str, dict[str, list[str]]] = {}
    for ep in r.accounts[target].model(INFERENCE_ACCOUNTS).inference.endpoints:
        group = contracts.model_package_group_name(r, ep.model_package_group)
        for variant, pin in ep.serving_variants().items():
            if pin is None:
                out.setdefault(group, {}).setdefault(variant, []).append(
                    contracts.serving_parameter_name(r, ep.name, variant)
                )
    return {g: {v: sorted(p) for v, p in sorted(vs.items())} for g, vs in sorted(out.items())}


def deployment_parameter_arns(r: Resolved, target: str) -> list[str]:
    """ARNs of every serving parameter the pipeline may write in `target` (its deploy role's grant)."""
    return sorted(
        contracts.serving_parameter_arn(r, target, ep.name, variant)
        for ep in r.accounts[target].model(INFERENCE_ACCOUNTS).inference.endpoints
        for variant, pin in ep.serving_variants().items()
        if pin is None
    )


@dataclass(frozen=True)
class StateAccess:
    """What the pipeline's role in the management account may touch of the s3 state backend."""

    bucket: str
    region: str
    keys: dict[str, str]  # target account -> state key
    kms_key_arn: str  # the configured key, or the account's keys narrowed by kms_alias
    kms_alias: str | None


def pipeline_state_access(r: Resolved) -> StateAccess | None:
    """State keys of every pipeline target, with the state key's ARN; None unless the backend is s3."""
    backend = r.landing_zone.state_backend
    if backend.type != "s3" or not r.of_kind("shared-services"):
        return None
    targets = sorted(
        {t for ss in r.of_kind("shared-services") for ts in pipeline_targets(r, ss.name).values() for t in ts}
    )
    # Without kms_key_id the key is the bootstrap stack's, found by its alias (accounts/bootstrap.py).
    management = r.management()
    pattern = f"arn:{r.partition}:kms:{backend.region}:{r.account_id(management.name)}:key/*"
    return StateAccess(
        bucket=backend.bucket,
        region=backend.region,
        keys={t: r.state_key(t) for t in targets},
        kms_key_arn=backend.kms_key_id or pattern,
        kms_alias=None if backend.kms_key_id else r.kms_alias("terraform-state"),
    )


def pipeline_config_path(r: Resolved, account: str) -> str:
    """Folder of the landing-zone configuration inside the pipeline's source repository.

    pipeline.config_path when set; else the folder mlops-tf loaded, relative to its git repository
    (the repository the pipeline checks out), else to the working directory, else its own name.
    """
    chosen = r.accounts[account].model(SharedServicesAccount).shared_services.pipeline.config_path
    return chosen or folder_in_repository(r)


def ecr_repository_owner(config: Config, repo: str) -> str | None:
    """Name of the shared-services account defining an ECR repository, or None."""
    for account in config.of_kind("shared-services"):
        if any(rep.name == repo for rep in account.shared_services.ecr_repositories):
            return account.name
    return None


def repository_pullers(config: Config, rep) -> list[str]:
    """Accounts allowed to pull a repository: those named plus every account of the named kinds."""
    return sorted(set(rep.pull_accounts) | {a.name for a in config.of_kind(*rep.pull_kinds)})


def repositories_pullable_by(config: Config, account: str) -> list[tuple[str, str]]:
    """(owner account, repository) pairs an account may pull from."""
    return sorted(
        (owner.name, rep.name)
        for owner in config.of_kind("shared-services")
        for rep in owner.shared_services.ecr_repositories
        if account in repository_pullers(config, rep)
    )


# -- checks ----------------------------------------------------------------------------------
def check_ecr_repositories(config: Config) -> Iterable[Diagnostic]:
    """Repository names are unique across shared-services accounts; pull accounts exist and use images."""
    seen: dict[str, str] = {}
    for account in config.of_kind("shared-services"):
        for i, rep in enumerate(account.shared_services.ecr_repositories):
            loc = (SECTION, "ecr_repositories", i)
            if rep.name in seen:
                yield config.error(
                    account.name,
                    loc + ("name",),
                    f"ECR repository {rep.name!r} is already defined in account {seen[rep.name]!r}; names "
                    "must be unique",
                )
            seen.setdefault(rep.name, account.name)
            yield from account_refs(
                config, account.name, loc + ("pull_accounts",), rep.pull_accounts, PULL_ACCOUNT_KINDS
            )


def check_pipeline_targets(config: Config) -> Iterable[Diagnostic]:
    """Pipeline staging/production lists name accounts of that kind."""
    for account in config.of_kind("shared-services"):
        pipeline = account.shared_services.pipeline
        for kind in ("staging", "production"):
            yield from account_refs(config, account.name, (SECTION, "pipeline", kind), getattr(pipeline, kind), (kind,))


def check_pipeline_state_backend(config: Config) -> Iterable[Diagnostic]:
    """The pipeline runs Terraform in CodeBuild: its state must live outside the build container."""
    if config.landing_zone.state_backend.type != "local":
        return
    for account in config.of_kind("shared-services"):
        yield config.error(
            account.name,
            (SECTION, "pipeline"),
            "the deployment pipeline runs Terraform in CodeBuild, where a local state file starts empty on every run "
            "and the apply fails on resources that already exist; set state_backend.type to s3 or cloud in "
            "landing-zone.yaml",
            key=True,
        )


CHECKS = [check_ecr_repositories, check_pipeline_targets, check_pipeline_state_backend]


def flows(resolved: Resolved) -> Iterable[Flow]:
    for shared in resolved.of_kind("shared-services"):
        for kind, targets in pipeline_targets(resolved, shared.name).items():
            for target in targets:
                yield Flow(shared.name, target, "deployment", f"deploys models to {kind}")
        # ECR pull flows: config.kinds.images (derived from the images each account runs).
