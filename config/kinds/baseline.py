"""The account baseline (landing-zone.yaml `baseline:`): who holds the central AWS Config bucket, who
gets budget alerts, what Control Tower already owns; checks and flows.

Every account records AWS Config in every allowed region and delivers to one bucket in the log
archive account (the organization trail's, else the administering security account). Under Control
Tower, Control Tower records Config and owns the trail and the log archive: mlops-tf creates none of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..contracts import bucket_name_of
from ..errors import known
from ..model import S3_BUCKET_NAME_MAX, Flow
from ..schema import Vending
from .security import administrator_name, administrator_section, delegated_admin, log_archive_account

if TYPE_CHECKING:
    from ..errors import Diagnostic
    from ..model import Config, Resolved

CONFIG = "config"  # bucket and KMS purpose of the central AWS Config archive


def control_tower(lz: Any) -> bool:
    return lz.organization.vending is Vending.control_tower


def in_foundational_ou(lz: Any, ou: str | None) -> bool:
    """The OU path lies in Control Tower's foundational OU (Audit and Log Archive of the landing zone)."""
    return ou is not None and ou.split("/")[0] == lz.organization.control_tower.foundational_ou


def enrolled(lz: Any, account: Any) -> bool:
    """An existing account (account_id) that Account Factory enrolls into Control Tower: vending: control_tower,
    outside the foundational OU. `account` is an account file's model."""
    return (
        control_tower(lz)
        and account.kind != "management"
        and account.account_id is not None
        and account.ou is not None
        and not in_foundational_ou(lz, account.ou)
    )


def config_recording(r: Resolved) -> bool:
    """mlops-tf records AWS Config itself: on in the YAML and not under Control Tower (which records it)."""
    return r.landing_zone.baseline.config.enabled and not control_tower(r.landing_zone)


def config_archive_account(r: Resolved) -> str | None:
    """The account holding the central Config bucket and key: the trail's log archive, else the administering
    security account."""
    if not config_recording(r):
        return None
    return log_archive_account(r) or delegated_admin(r)


def config_bucket_name(r: Resolved) -> str:
    return r.bucket_name(known(config_archive_account(r), "the Config archive account"), CONFIG)


def records_config(r: Resolved, name: str) -> bool:
    """Whether the stack of account `name` records AWS Config now. Its delivery channels name the central bucket,
    which must exist: every other stack applies after the archive account (flow `AWS Config delivery`), but the
    management stack applies before it, so it records Config once the lock has the bucket (`mlops-tf lock` or
    `apply` read it from the archive stack's `config_bucket` output after that stack's apply)."""
    archive = config_archive_account(r)
    if archive is None or r.accounts[archive].account_id is None:
        return False
    return name != r.management().name or r.recorded_config_bucket == config_bucket_name(r)


def config_aggregator_account(r: Resolved) -> str | None:
    """The administering security account, delegated administrator for Config, holds the organization aggregator."""
    if not config_recording(r) or not r.landing_zone.baseline.config.aggregator:
        return None
    return delegated_admin(r)


def budget_emails(lz: Any, section: Any) -> list[str]:
    """Budget alert addresses: baseline.budget.alert_emails, else the security alerts' addresses."""
    own = list(lz.baseline.budget.alert_emails)
    if own or section is None:
        return own
    return list(section.alerts.emails)


def resolved_budget_emails(r: Resolved) -> list[str]:
    return budget_emails(r.landing_zone, administrator_section(r))


def monthly_budget(r: Resolved, name: str) -> int:
    own = r.accounts[name].config.monthly_budget_usd
    return own if own is not None else r.landing_zone.baseline.budget.monthly_limit_usd


# -- checks ----------------------------------------------------------------------------------
def budget_alert_address(config: Config) -> Iterator[Diagnostic]:
    """A budget without anyone to tell is no alert: an address must come from the YAML."""
    lz = config.landing_zone
    if not lz.baseline.budget.enabled:
        return
    admin = config.accounts.get(administrator_name(config) or "")
    section = admin.security if admin is not None and admin.kind == "security" else None
    if not budget_emails(lz, section):
        where = ("baseline", "budget") if "budget" in lz.baseline.model_fields_set else ("baseline",)
        yield config.error(
            None,
            where if "baseline" in lz.model_fields_set else (),
            "every account gets a monthly budget, which needs an alert address: set baseline.budget.alert_emails "
            "(or the security account's alerts.emails), or baseline.budget.enabled: false",
        )


def config_bucket_length(config: Config) -> Iterator[Diagnostic]:
    """The central Config bucket name fits S3's 63 characters."""
    lz = config.landing_zone
    if not lz.baseline.config.enabled or control_tower(lz):
        return
    for account in config.of_kind("security"):
        region = account.region or lz.home_region
        length = len(bucket_name_of(lz.prefix, CONFIG, "0" * 12, region))
        if length > S3_BUCKET_NAME_MAX:
            yield config.error(
                account.name,
                ("name",),
                f"derived bucket name '{lz.prefix}-{CONFIG}-<account id>-{region}' is {length} characters; "
                f"S3 allows {S3_BUCKET_NAME_MAX}. Shorten the landing zone prefix",
            )


S3_BUCKET_POLICY_MAX = 20 * 1024  # https://docs.aws.amazon.com/AmazonS3/latest/userguide/BucketRestrictions.html
# The central bucket's policy without its per-account parts (TLS and KMS denies, three Config statements).
CONFIG_POLICY_BASE_BYTES = 1600


def config_bucket_policy_size(config: Config) -> Iterator[Diagnostic]:
    """The central Config bucket policy names every account (a delivery path and three aws:SourceAccount
    entries each): it must stay within S3's 20 KB bucket policy limit."""
    lz = config.landing_zone
    if not lz.baseline.config.enabled or control_tower(lz):
        return
    bucket = len(bucket_name_of(lz.prefix, CONFIG, "0" * 12, lz.home_region))
    per_account = len(f'"arn:aws:s3:::{"x" * bucket}/AWSLogs/{"0" * 12}/Config/*",') + 3 * len('"000000000000",')
    size = CONFIG_POLICY_BASE_BYTES + len(config.accounts) * per_account
    if size > S3_BUCKET_POLICY_MAX:
        yield config.error(
            None,
            ("baseline", "config") if "baseline" in lz.model_fields_set else (),
            f"{len(config.accounts)} accounts make the central AWS Config bucket policy about {size} bytes; S3 allows "
            f"{S3_BUCKET_POLICY_MAX}. Split the landing zone or set baseline.config.enabled: false and record "
            "Config otherwise",
        )


def account_closing(config: Config) -> Iterator[Diagnostic]:
    """close_on_deletion: only for accounts mlops-tf creates (through Organizations or Account Factory), never for
    production. Under Control Tower the id must be in the lock too (see config/lockfile.py)."""
    for account in config.accounts.values():
        if not account.close_on_deletion:
            continue
        if account.kind == "production":
            problem = "production accounts are never closed by mlops-tf (as `destroy` refuses them); close one by hand"
        elif account.account_id is not None or account.email is None:
            problem = (
                "only accounts mlops-tf creates (email without account_id) can be closed on deletion; "
                "this one exists already"
            )
        else:
            continue
        yield config.error(account.name, ("close_on_deletion",), problem)


def control_tower_enrollment(config: Config) -> Iterator[Diagnostic]:
    """Under Control Tower an existing account outside the foundational OU is enrolled by its root email; accounts of
    the foundational OU are the landing zone's own and never go through Account Factory."""
    lz = config.landing_zone
    if not control_tower(lz):
        return
    foundational = lz.organization.control_tower.foundational_ou
    for account in config.accounts.values():
        if account.kind == "management":
            continue
        if enrolled(lz, account) and account.email is None:
            # https://docs.aws.amazon.com/controltower/latest/userguide/quick-account-provisioning.html
            yield config.error(
                account.name,
                ("account_id",),
                "Control Tower enrolls an existing account through Account Factory, which finds it by its root email: "
                "set email to the account's root email address (another address would create a new account)",
            )
        if in_foundational_ou(lz, account.ou) and account.email is not None and account.account_id is not None:
            # https://docs.aws.amazon.com/controltower/latest/userguide/enroll-account.html (no Audit or Log Archive)
            yield config.error(
                account.name,
                ("email",),
                f"existing accounts of Control Tower's foundational OU {foundational!r} (Audit, Log Archive) come "
                "with the landing zone and cannot be enrolled through Account Factory: give account_id only",
            )


def existing_config_adoption(config: Config) -> Iterator[Diagnostic]:
    """existing_config names recorders of an existing account in allowed regions, where mlops-tf records Config."""
    lz = config.landing_zone
    for account in config.accounts.values():
        if not account.existing_config:
            continue
        if not lz.baseline.config.enabled or control_tower(lz):
            # https://docs.aws.amazon.com/controltower/latest/userguide/existing-config-resources.html
            why = (
                "Control Tower records AWS Config itself and enrolls no account that has a recorder: delete it "
                "(aws configservice delete-configuration-recorder) before enrolling"
                if control_tower(lz)
                else "baseline.config.enabled is false, so mlops-tf records no AWS Config to adopt it into"
            )
            yield config.error(account.name, ("existing_config",), why)
            continue
        if account.kind != "management" and account.account_id is None:
            yield config.error(
                account.name,
                ("existing_config",),
                "an account mlops-tf creates has no AWS Config recorder yet: remove existing_config",
            )
        for region in account.existing_config:
            if region not in lz.allowed_regions:
                yield config.error(
                    account.name,
                    ("existing_config", region),
                    f"mlops-tf records AWS Config in allowed_regions only ({', '.join(lz.allowed_regions)}); "
                    f"a recorder in {region} stays as it is: remove the entry",
                )


def findings_of_every_region_alerted(config: Config) -> Iterator[Diagnostic]:
    """Finding alerts are EventBridge rules in the home region, which sees the findings of the other allowed regions
    (GuardDuty's too, which Security Hub imports) only through Security Hub's cross-Region aggregation.
    # https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-integration-types.html"""
    lz = config.landing_zone
    admin = config.accounts.get(administrator_name(config) or "")
    if admin is None or admin.kind != "security" or len(lz.allowed_regions) < 2 or not admin.security.alerts.emails:
        return
    hub = admin.security.security_hub
    if hub.enabled and hub.aggregate_regions:
        return
    others = ", ".join(sorted(set(lz.allowed_regions) - {admin.region or lz.home_region}))
    field = "aggregate_regions" if hub.enabled else "enabled"
    yield config.error(
        admin.name,
        ("security", "security_hub", field),
        f"findings in {others} would never reach the alerts: the alert rules run in the home region, which receives "
        "other regions' findings through Security Hub's cross-Region aggregation only; set security_hub.enabled and "
        "security_hub.aggregate_regions to true, or remove those regions from allowed_regions",
    )


CHECKS = [
    budget_alert_address,
    config_bucket_length,
    config_bucket_policy_size,
    account_closing,
    control_tower_enrollment,
    existing_config_adoption,
    findings_of_every_region_alerted,
]


# -- flows -----------------------------------------------------------------------------------
def flows(resolved: Resolved) -> Iterable[Flow]:
    archive = config_archive_account(resolved)
    if archive is None:
        return
    management = resolved.management().name
    for name in sorted(resolved.accounts):
        if name == archive:
            continue
        # The bucket must exist before a delivery channel names it; the management stack applies first
        # regardless (it creates the accounts), so its channel is created on its next apply (see README).
        first = archive if name != management else None
        yield Flow(name, archive, "trust", "AWS Config delivery", first=first)
