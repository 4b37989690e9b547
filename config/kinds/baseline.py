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


def config_recording(r: Resolved) -> bool:
    """mlops-tf records AWS Config itself: on in the YAML and not under Control Tower (which records it)."""
    return r.landing_zone.baseline.config.enabled and not control_tower(r.landing_zone)


def config_archive_account(r: Resolved) -> str | None:
    """The account holding the central Config bucket and key: the trail's log archive, else the administering security account."""
    if not config_recording(r):
        return None
    return log_archive_account(r) or delegated_admin(r)


def config_bucket_name(r: Resolved) -> str:
    return r.bucket_name(known(config_archive_account(r), "the Config archive account"), CONFIG)


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
            f"{S3_BUCKET_POLICY_MAX}. Split the landing zone or set baseline.config.enabled: false and record Config otherwise",
        )


def account_closing(config: Config) -> Iterator[Diagnostic]:
    """close_on_deletion: only for accounts mlops-tf created through Organizations, never for production."""
    lz = config.landing_zone
    for account in config.accounts.values():
        if not account.close_on_deletion:
            continue
        if account.kind == "production":
            problem = "production accounts are never closed by mlops-tf (as `destroy` refuses them); close one by hand"
        elif account.email is None:
            problem = "only accounts mlops-tf creates (with email) can be closed on deletion; this one exists already"
        elif control_tower(lz):
            problem = "Account Factory unmanages an account when its product is terminated but does not close it; close it by hand"
        else:
            continue
        yield config.error(account.name, ("close_on_deletion",), problem)


CHECKS = [budget_alert_address, config_bucket_length, config_bucket_policy_size, account_closing]


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
