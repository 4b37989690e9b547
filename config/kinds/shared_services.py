"""Cross-file checks, cross-account names and flows of shared-services accounts.

The deployment pipeline's CodeBuild role (contracts.pipeline_build_role_name) assumes a deploy role
(contracts.pipeline_deploy_role_name) in each staging and production account it targets. Both sides
come from `pipeline_targets` / `pipeline_deploy_trust` below.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .. import contracts
from ..checks.refs import account_refs

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..loader import Config
    from ..resolver import Flow, Resolved

SECTION = "shared_services"
# The inference stacks declare one Terraform variable per endpoint variant holding its model package
# ARN (accounts/inference_endpoints.py); the pipeline sets the primary variant's, as TF_VAR_<name>.
PACKAGE_VARIABLE_PREFIX = "model_package_arn_"
PULL_ACCOUNT_KINDS = ("data-science", "ml-execution", "staging", "production")


# -- names shared by both sides ---------------------------------------------------------------
ECR_KEY_PURPOSE = "ecr"


def pipeline_name(r: "Resolved", account: str) -> str:
    return r.resource_name(r.accounts[account].config.shared_services.pipeline.name)


def pipeline_targets(r: "Resolved", account: str) -> dict[str, list[str]]:
    """{'staging': [...], 'production': [...]} of a shared-services account's pipeline (empty list = all of the kind)."""
    pipeline = r.accounts[account].config.shared_services.pipeline
    out = {}
    for kind in ("staging", "production"):
        chosen = getattr(pipeline, kind)
        out[kind] = list(chosen) if chosen else [a.name for a in r.of_kind(kind)]
    return out


def pipeline_deployers(r: "Resolved", target: str) -> list[str]:
    """Shared-services accounts whose pipeline deploys into `target`."""
    return [a.name for a in r.of_kind("shared-services") if any(target in t for t in pipeline_targets(r, a.name).values())]


def pipeline_deploy_trust(r: "Resolved", target: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(Principal, Condition) of the deploy role in a staging/production account; None if no pipeline targets it."""
    deployers = pipeline_deployers(r, target)
    if not deployers:
        return None
    return r.cross_account_principal({name: [contracts.pipeline_build_role_name(r)] for name in deployers})


def package_variables(r: "Resolved", target: str) -> dict[str, list[str]]:
    """Model package group name (as in the registry event) -> Terraform variables of `target`'s
    endpoints serving that group (primary variant), which the pipeline sets to the approved ARN."""
    out: dict[str, list[str]] = {}
    for ep in r.accounts[target].config.inference.endpoints:
        group = contracts.model_package_group_name(r, ep.model_package_group)
        out.setdefault(group, []).append(PACKAGE_VARIABLE_PREFIX + ep.name.replace("-", "_"))
    return {g: sorted(v) for g, v in sorted(out.items())}


def ecr_repository_owner(config: "Config", repo: str) -> str | None:
    """Name of the shared-services account defining an ECR repository, or None."""
    for account in config.of_kind("shared-services"):
        if any(rep.name == repo for rep in account.shared_services.ecr_repositories):
            return account.name
    return None


def repository_pullers(config: "Config", rep) -> list[str]:
    """Accounts allowed to pull a repository: those named plus every account of the named kinds."""
    return sorted(set(rep.pull_accounts) | {a.name for a in config.of_kind(*rep.pull_kinds)})


def image_puller_roles(r: "Resolved", account: str) -> list[str]:
    """Roles that pull images in an account: the SageMaker execution roles its stack creates."""
    from .data_science import persona_role_name
    from .inference import inference_execution_role_name
    from .ml_execution import pipeline_execution_role_name

    acct = r.accounts[account]
    if acct.kind == "data-science":
        return sorted(persona_role_name(r, p.name) for p in acct.config.data_science.personas)
    if acct.kind == "ml-execution":
        return [pipeline_execution_role_name(r)]
    if acct.kind in contracts.INFERENCE_KINDS:
        return [inference_execution_role_name(r)]
    return []


def ecr_pull_grant(r: "Resolved", pullers: list[str]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(Principal, Condition) of a repository policy: the pullers' roots, narrowed to their execution roles."""
    grants = {account: image_puller_roles(r, account) for account in pullers}
    grants = {account: roles for account, roles in grants.items() if roles}
    return r.cross_account_principal(grants) if grants else None


def ecr_pull_accounts(config: "Config", repo: str) -> list[str]:
    owner = ecr_repository_owner(config, repo)
    if owner is None:
        return []
    rep = next(x for x in config.accounts[owner].shared_services.ecr_repositories if x.name == repo)
    return repository_pullers(config, rep)


def repositories_pullable_by(config: "Config", account: str) -> list[tuple[str, str]]:
    """(owner account, repository) pairs an account may pull from."""
    return sorted(
        (owner.name, rep.name)
        for owner in config.of_kind("shared-services")
        for rep in owner.shared_services.ecr_repositories
        if account in repository_pullers(config, rep)
    )


# -- checks ----------------------------------------------------------------------------------
def check_ecr_repositories(config: "Config") -> Iterable["Diagnostic"]:
    """Repository names are unique across shared-services accounts; pull accounts exist and use images."""
    seen: dict[str, str] = {}
    for account in config.of_kind("shared-services"):
        for i, rep in enumerate(account.shared_services.ecr_repositories):
            loc = (SECTION, "ecr_repositories", i)
            if rep.name in seen:
                yield config.error(account.name, loc + ("name",), f"ECR repository {rep.name!r} is already defined in account {seen[rep.name]!r}; names must be unique")
            seen.setdefault(rep.name, account.name)
            yield from account_refs(config, account.name, loc + ("pull_accounts",), rep.pull_accounts, PULL_ACCOUNT_KINDS)


def check_pipeline_targets(config: "Config") -> Iterable["Diagnostic"]:
    """Pipeline staging/production lists name accounts of that kind."""
    for account in config.of_kind("shared-services"):
        pipeline = account.shared_services.pipeline
        for kind in ("staging", "production"):
            yield from account_refs(config, account.name, (SECTION, "pipeline", kind), getattr(pipeline, kind), (kind,))


CHECKS = [check_ecr_repositories, check_pipeline_targets]


def flows(resolved: "Resolved") -> Iterable["Flow"]:
    from ..resolver import Flow

    for shared in resolved.of_kind("shared-services"):
        for kind, targets in pipeline_targets(resolved, shared.name).items():
            for target in targets:
                yield Flow(shared.name, target, "deployment", f"deploys models to {kind}")
        pulls: dict[str, list[str]] = {}
        for rep in shared.config.shared_services.ecr_repositories:
            for puller in repository_pullers(resolved.config, rep):
                pulls.setdefault(puller, []).append(rep.name)
        for puller, repos in sorted(pulls.items()):
            yield Flow(shared.name, puller, "data-access", f"ECR pull: {', '.join(sorted(repos))}")


