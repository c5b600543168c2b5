// The demo's scenarios in the order they run: per-run resources first, the platform-wide ones
// (entitlement namespace, outbox, replicated dataset) after.
import { DemoFailure } from '../harness';
import { type Scenario } from '../scenario';
import { cacheCorruptionScenario } from './cache-corruption';
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
  ];
}

/** `--only a,b` picks scenarios by name; `--quick` leaves out the org scenario. */
export function selectScenarios(only: string | undefined, quick: boolean): Scenario[] {
  const all = allScenarios();
  if (!only) return quick ? all.filter((s) => s.name !== 'orphaned-org') : all;
  const names = only.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length)
    throw new DemoFailure(
      `unknown scenario ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`,
    );
  return all.filter((s) => names.includes(s.name));
}
