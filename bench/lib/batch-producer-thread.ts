// The thread side of bench/producer-paths.ts: a kafkajs producer (idempotent, acks -1) that sends
// batches arriving as one transferred buffer each (see packBatch), one produce request at a time
// in arrival order, and answers each with its acknowledgement or error. Messages are built as
// zero-copy slices of the buffer: no string is decoded or copied in this thread before kafkajs
// encodes it.
import { parentPort, workerData } from 'node:worker_threads';
import { type Message } from 'kafkajs';
import { loadConfig } from '../../shared/config';
import { createKafka } from '../../workers/clients';
import { unpackBatch, type BatchReply, type BatchRequest } from './packed-batch';

const port = parentPort;
if (!port) throw new Error('batch-producer-thread runs only as a worker thread');
const { clientId } = workerData as { clientId: string };
const producer = createKafka(loadConfig(), clientId).producer({ idempotent: true, maxInFlightRequests: 1 });
const queue: BatchRequest[] = [];
let sending = false;

async function drain(): Promise<void> {
  if (sending) return;
  sending = true;
  for (let next = queue.shift(); next; next = queue.shift()) {
    let reply: BatchReply;
    try {
      const messages: Message[] = unpackBatch(next.packed, next.count);
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic: next.topic, messages }] });
      reply = { seq: next.seq, ok: true };
    } catch (err) {
      reply = { seq: next.seq, ok: false, error: (err as Error).message };
    }
    port!.postMessage(reply);
  }
  sending = false;
}

port.on('message', (m: BatchRequest | 'close') => {
  if (m === 'close') {
    void producer.disconnect().then(() => port.close());
    return;
  }
  queue.push(m);
  void drain();
});
producer.connect().then(
  () => port.postMessage('ready'),
  (err: unknown) => port.postMessage({ seq: -1, ok: false, error: (err as Error).message }),
);
