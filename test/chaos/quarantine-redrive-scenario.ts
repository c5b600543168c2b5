// quarantine-redrive under chaos: a topic of its own whose quarantine holds five copies (with the
// provenance headers the quarantine step writes, binary keys and a repeated header), redriven
// all at once after the harness approves the gate. Invariant counted on the original topic: each
// quarantined message republished by this run exactly once, its key, value and headers byte for
// byte.
import { randomBytes, randomUUID } from 'node:crypto';
import { readWholeTopic, type RawMessage } from '../../activities/kafka/topic-reader';
import { QUARANTINE_HEADERS as H, quarantineTopic } from '../../shared/consumer-control';
import { createTopic, deleteTopics } from '../integration/consumer/fixtures';
import { type ChaosScenario } from './scenario-types';

const COPIES = 5;

/** Key, value and every header except Rebound's own, as comparable text. */
function payloadOf(m: RawMessage): string {
  const own = new Set<string>(Object.values(H));
  return JSON.stringify([m.keyBase64, m.valueBase64, m.headerList.filter((h) => !own.has(h.name))]);
}

export const quarantineRedriveScenario: ChaosScenario = {
  playbook: 'quarantine-redrive',
  invariant:
    'every quarantined message republished to its topic once by the run, key, value and headers byte for byte',
  prepare: async ({ pool, kafka }) => {
    const topic = `chaos-redrive-${randomUUID().slice(0, 8)}`;
    await createTopic(kafka, topic, 1);
    await createTopic(kafka, quarantineTopic(topic), 1);
    // The originals sat at offsets 100.. of the topic; only their quarantined copies are needed.
    const originals = Array.from({ length: COPIES }, (_, i) => ({
      offset: String(100 + i),
      key: randomBytes(8),
      value: Buffer.from(JSON.stringify({ eventId: `${topic}#${i}`, n: i })),
      headers: { 'schema-id': [Buffer.from([0, 0, 0, 1]), Buffer.from([0, 0, 0, 2])] },
    }));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({
        topic: quarantineTopic(topic),
        acks: -1,
        messages: originals.map((o) => ({
          key: o.key,
          value: o.value,
          headers: {
            ...o.headers,
            [H.topic]: topic,
            [H.partition]: '0',
            [H.offset]: o.offset,
            [H.error]: 'chaos: poison',
            [H.incident]: `chaos-${topic}`,
          },
        })),
      });
    } finally {
      await producer.disconnect();
    }
    const want = new Map(
      originals.map((o) => [
        o.offset,
        JSON.stringify([
          o.key.toString('base64'),
          o.value.toString('base64'),
          o.headers['schema-id'].map((b) => ({ name: 'schema-id', valueBase64: b.toString('base64') })),
        ]),
      ]),
    );
    return {
      resource: `topic:${topic}`,
      params: { topic },
      approvalPolicy: {
        allowedPrincipals: [],
        allowedRoles: ['approver'],
        quorum: 1,
        timeout: '1h',
        required: true,
      },
      // The redrive itself takes a second: an approver who reads the question for 10 s lets a
      // fault injected after the listing meet the republishing instead of a closed run.
      approveAfterMs: 10_000,
      check: async (workflowId) => {
        const mine = (await readWholeTopic(kafka, topic)).filter((m) =>
          (m.headers[H.redrive] ?? '').startsWith(`${workflowId}@`),
        );
        const copies = new Map<string, number>();
        let altered = 0;
        for (const m of mine) {
          const offset = m.headers[H.offset];
          copies.set(offset, (copies.get(offset) ?? 0) + 1);
          if (want.get(offset) !== payloadOf(m)) altered += 1;
        }
        const lost = [...want.keys()].filter((o) => !copies.has(o)).length + altered;
        const doubled = [...copies.values()].filter((n) => n > 1).length;
        return {
          ok: lost === 0 && doubled === 0,
          lost,
          doubled,
          detail: `${copies.size}/${COPIES} republished, ${mine.length} copies on the topic, ${altered} altered`,
        };
      },
      cleanup: async () => {
        await pool.query('DELETE FROM quarantine_redrives WHERE topic = $1', [topic]);
        await pool.query('DELETE FROM quarantine_redrive_intents WHERE topic = $1', [topic]);
        await deleteTopics(kafka, [topic, quarantineTopic(topic)]);
      },
    };
  },
};
