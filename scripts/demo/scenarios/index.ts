// The demo's scenarios in the order they run: per-run resources first, the platform-wide ones
// (entitlement namespace, outbox, replicated dataset) after.
import { DemoFailure } from '../harness';
import { type Scenario } from '../scenario';
import { cacheCorruptionScenario } from './cache-corruption';
import { orgDeletionRequestScenario } from './org-deletion-request';
import { orphanedOrgScenario } from './orphaned-org';
import { outboxKafkaScenario } from './outbox-kafka';
import { poisonMessageScenario } from './poison-message';
import { regionsDivergedScenario } from './regions-diverged';
import { staleEntitlementsScenario } from './stale-entitlements';

export function allScenarios(): Scenario[] {
  // The outbox scenario runs before the resync, whose EntitlementsResynced events would otherwise
  // already be waiting in the outbox (they are removed with the demo's org).
  return [
    poisonMessageScenario(),
    cacheCorruptionScenario(),
    orphanedOrgScenario(),
    outboxKafkaScenario(),
    staleEntitlementsScenario(),
    regionsDivergedScenario(),
    orgDeletionRequestScenario(),
  ];
}

/** The two org scenarios, the slowest (the saga's grace period and approval). */
const ORG_SCENARIOS = new Set(['orphaned-org', 'org-deletion-request']);

/** `--only a,b` picks scenarios by name; `--quick` leaves out the org scenarios. */
export function selectScenarios(only: string | undefined, quick: boolean): Scenario[] {
  const all = allScenarios();
  if (!only) return quick ? all.filter((s) => !ORG_SCENARIOS.has(s.name)) : all;
  const names = only.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length)
    throw new DemoFailure(
      `unknown scenario ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`,
    );
  return all.filter((s) => names.includes(s.name));
}
