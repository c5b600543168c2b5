// A circuit breaker whose state lives in Redis, so every worker (and every playbook run) in front
// of the same dependency shares it and the status can show it (seed 002: "billing service
// unavailable" → last known good state behind a circuit breaker). Closed: calls pass, consecutive
// failures are counted; `threshold` failures open it. Open: calls fail fast until `retryAt`; then
// one probe at a time passes (half-open): success closes it, failure opens it again.
import { type Redis } from 'ioredis';
import { type BreakerView } from '../../shared/playbooks/entitlement-resync';

export class CircuitOpenError extends Error {
  constructor(readonly view: BreakerView) {
    super(`circuit ${view.name} is open until ${view.retryAt}`);
    this.name = 'CircuitOpenError';
  }
}

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  threshold?: number;
  /** How long an open breaker fails fast before letting a probe through (ms). */
  cooldownMs?: number;
}

export class RedisCircuitBreaker {
  private readonly key: string;
  private readonly probeKey: string;
  private readonly threshold: number;
  private readonly cooldownMs: number;

  constructor(
    private readonly redis: Redis,
    readonly name: string,
    opts: BreakerOptions = {},
  ) {
    this.key = `rebound:breaker:${name}`;
    this.probeKey = `rebound:breaker:${name}:probe`;
    this.threshold = opts.threshold ?? 3;
    this.cooldownMs = opts.cooldownMs ?? 10_000;
  }

  async view(now = Date.now()): Promise<BreakerView> {
    const h = await this.redis.hgetall(this.key);
    const failures = Number(h.failures ?? 0);
    const retryAt = h.retryAt ? Number(h.retryAt) : null;
    const state = h.state !== 'open' ? 'closed' : retryAt !== null && now >= retryAt ? 'half-open' : 'open';
    return {
      name: this.name,
      state,
      consecutiveFailures: failures,
      openedAt: h.openedAt ? new Date(Number(h.openedAt)).toISOString() : null,
      retryAt: retryAt !== null ? new Date(retryAt).toISOString() : null,
    };
  }

  /** Runs `fn` through the breaker; throws CircuitOpenError without calling it while open. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    const before = await this.view();
    if (before.state === 'open') throw new CircuitOpenError(before);
    if (before.state === 'half-open') {
      const probe = await this.redis.set(this.probeKey, '1', 'PX', this.cooldownMs, 'NX');
      if (probe !== 'OK') throw new CircuitOpenError(before);
    }
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      await this.recordFailure(before.state === 'half-open');
      throw err;
    }
    if (before.state !== 'closed' || before.consecutiveFailures > 0) {
      await this.redis.del(this.key, this.probeKey);
    }
    return result;
  }

  private async recordFailure(probeFailed: boolean): Promise<void> {
    const now = Date.now();
    const failures = await this.redis.hincrby(this.key, 'failures', 1);
    if (failures >= this.threshold || probeFailed) {
      await this.redis
        .multi()
        .hset(this.key, 'state', 'open', 'retryAt', String(now + this.cooldownMs))
        .hsetnx(this.key, 'openedAt', String(now))
        .del(this.probeKey)
        .exec();
    }
  }
}

/** The one breaker in front of the billing (platform) database. */
export const BILLING_DB_BREAKER = 'platform-billing-db';
