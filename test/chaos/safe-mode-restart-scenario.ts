// consumer-safe-mode-restart under chaos: a topic and consumer group of its own, 5 good events,
// one poison message and 20 more good events; the platform's reference notification consumer
// (a real process, started here) crash-loops on the poison one before the run starts. Invariant
// counted in the stores: exactly one copy of the poison message in the quarantine topic, every
// good event written to PostgreSQL exactly once, and the group back in normal mode.
import { readWholeTopic } from '../../activities/kafka/topic-reader';
import { readControl } from '../../consumer/control-store';
import { readHealth } from '../../consumer/health-store';
import { startNotificationConsumer } from '../../platform/notifications/consumer-process';
import { QUARANTINE_HEADERS as H, quarantineTopic } from '../../shared/consumer-control';
import {
  createTopic,
  deleteTopics,
  notificationCounts,
  producePoisonedStream,
  uniqueNames,
  waitFor,
} from '../integration/consumer/fixtures';
import { type ChaosScenario } from './scenario-types';

const BEFORE = 5;
const AFTER = 20;

export const safeModeRestartScenario: ChaosScenario = {
  playbook: 'consumer-safe-mode-restart',
  invariant:
    'one quarantined copy of the poison message; every good event in PostgreSQL exactly once; the group in normal mode',
  prepare: async ({ pool, redis, kafka }) => {
    const names = uniqueNames('chaos-csm');
    await createTopic(kafka, names.topic, 1);
    const stream = await producePoisonedStream(kafka, names.topic, names.orgId, BEFORE, AFTER);
    const good = [...stream.good, ...stream.goodAfter];
    const consumer = await startNotificationConsumer(names.topic, names.group);
    const cleanup = async () => {
      await consumer.stop().catch(() => undefined);
      await pool.query('DELETE FROM notifications WHERE org_id = $1', [names.orgId]);
      await deleteTopics(kafka, [names.topic, quarantineTopic(names.topic)]);
    };
    try {
      await waitFor('the consumer to crash on the poison message', async () => {
        const [h] = await readHealth(redis, names.group);
        return h?.state === 'crashed' && h.lastError ? h : undefined;
      });
    } catch (err) {
      await cleanup();
      throw err;
    }
    return {
      resource: `group:${names.group}`,
      params: {
        group: names.group,
        topic: names.topic,
        monitorFor: '6s',
        checkEvery: '2s',
        emptyTimeout: '60s',
      },
      check: async () => {
        const copies = (await readWholeTopic(kafka, quarantineTopic(names.topic))).filter(
          (m) => m.headers[H.topic] === names.topic && m.headers[H.offset] === stream.poisonOffset,
        ).length;
        // The consumer writes what follows the poison message once it runs again: give it time.
        const counts = await waitFor(
          'every good event',
          async () => {
            const c = await notificationCounts(pool, names.orgId);
            return good.every((id) => c.has(id)) ? c : undefined;
          },
          60_000,
        ).catch(() => notificationCounts(pool, names.orgId));
        const mode = (await readControl(redis, names.group)).mode;
        const lost = good.filter((id) => !counts.has(id)).length + (copies === 0 ? 1 : 0);
        const doubled = [...counts.values()].filter((n) => n > 1).length + (copies > 1 ? copies - 1 : 0);
        return {
          ok: lost === 0 && doubled === 0 && mode === 'normal',
          lost,
          doubled,
          detail: `${copies} quarantined copy(ies), ${counts.size}/${good.length} events written, mode ${mode}`,
        };
      },
      cleanup,
    };
  },
};
