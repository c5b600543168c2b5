// How the consumer runtime reads a Kafka client crash and how long it waits before the next start.

/** What the runtime records about an error the Kafka client gave up on. */
export interface ClientErrorDescription {
  message: string;
  /** The kafkajs error class name (`KafkaJSNumberOfRetriesExceeded`, `KafkaJSProtocolError`, …). */
  name: string;
  /** kafkajs' own rule: retries exhausted, or the root cause says `retriable: true`. */
  retriable: boolean;
}

interface MaybeKafkaError {
  name?: unknown;
  message?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

function rootCause(err: MaybeKafkaError): MaybeKafkaError {
  let e = err;
  for (let depth = 0; depth < 10 && e.cause && typeof e.cause === 'object'; depth++) e = e.cause;
  return e;
}

/**
 * Classifies an error from kafkajs the way kafkajs itself decides whether a consumer may restart
 * (kafkajs `consumer/index.js`, `onCrash`): `KafkaJSNumberOfRetriesExceeded`, or a root cause
 * marked `retriable`. A connection refused while the broker is down is retriable; an
 * authorization failure or an invalid topic is not. Never throws; anything that is not an Error
 * is described as a non-retriable `UnknownError`.
 */
export function describeClientError(err: unknown): ClientErrorDescription {
  if (!err || typeof err !== 'object')
    return { message: String(err), name: 'UnknownError', retriable: false };
  const e = err as MaybeKafkaError;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const root = rootCause(e);
  const retriable = name === 'KafkaJSNumberOfRetriesExceeded' || root.retriable === true;
  const own = typeof e.message === 'string' ? e.message : name;
  const message =
    root !== e && typeof root.message === 'string' && root.message !== own
      ? `${own} (cause: ${root.message})`
      : own;
  return { message, name, retriable };
}

/**
 * The wait (ms) before restart number `restarts` (0 for the first) after a client crash: for a
 * retriable error `baseMs · 2^restarts`, capped at `maxMs`; for a non-retriable one `maxMs`,
 * since only a person (or the broker coming back with the right config) can fix it.
 */
export function clientCrashBackoffMs(
  restarts: number,
  retriable: boolean,
  baseMs: number,
  maxMs: number,
): number {
  if (!retriable) return maxMs;
  return Math.min(maxMs, baseMs * 2 ** Math.min(restarts, 20));
}
