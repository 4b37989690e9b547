"""Resolve the validated configuration: account ids (YAML or the lock file), cross-account flows and the apply order.

The types it returns (Resolved, Flow, ResolvedAccount) live in model.py; the names they compute in contracts.py.
"""

from __future__ import annotations

import heapq

from .contracts import partition_of
from .errors import ConfigError, Diagnostic
from .flows import all_flows
from .lockfile import lock_problems, read_lock_source
from .model import KIND_RANK, Config, Flow, Resolved, resolved_accounts


def resolve(config: Config) -> Resolved:
    """Resolve accounts, flows and apply order; raises ConfigError on a cycle or a stale lock entry."""
    lz = config.landing_zone
    lock, lock_source = read_lock_source(config.root)
    problems = lock_problems(config, lock, lock_source)
    if problems:
        raise ConfigError(problems)
    accounts = resolved_accounts(config, lock.accounts)
    partition = partition_of(lz.home_region)
    base = Resolved(config, lz.prefix, partition, accounts)
    # Two kinds may state the same flow (both ends of a replication); keep it once.
    flows = tuple(sorted(set(all_flows(base)), key=lambda f: (f.kind, f.source, f.target, f.label)))
    order = apply_order(base, flows)
    return Resolved(config, lz.prefix, partition, accounts, flows, order, lock.config_bucket)


def apply_order(resolved: Resolved, flows: tuple[Flow, ...]) -> tuple[str, ...]:
    """Topological order (management first, then by kind and name); a cycle is a configuration error."""
    names = list(resolved.accounts)
    management = resolved.management().name
    after: dict[str, set[str]] = {n: set() for n in names}  # node -> nodes that must come after it
    for other in names:
        if other != management:
            after[management].add(other)
    for flow in flows:
        if flow.first:
            second = flow.target if flow.first == flow.source else flow.source
            after[flow.first].add(second)
    indegree = {n: 0 for n in names}
    for src in names:
        for dst in after[src]:
            indegree[dst] += 1
    rank = lambda n: (KIND_RANK[resolved.accounts[n].kind], n)  # noqa: E731
    ready = [rank(n) for n in names if indegree[n] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        for dst in sorted(after[node]):
            indegree[dst] -= 1
            if indegree[dst] == 0:
                heapq.heappush(ready, rank(dst))
    if len(order) != len(names):
        stuck = sorted(set(names) - set(order))
        cycle = [
            f"{f.first} before {f.target if f.first == f.source else f.source} ({f.label})"
            for f in flows
            if f.first in stuck
        ]
        raise ConfigError(
            [
                Diagnostic(
                    resolved.config.landing_zone_source.file,
                    1,
                    1,
                    "",
                    f"the accounts {', '.join(stuck)} depend on each other in a cycle: {'; '.join(cycle)}",
                )
            ]
        )
    return tuple(order)
