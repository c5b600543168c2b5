// Network faults between a chaos worker and one dependency, through Toxiproxy (test/chaos/
// toxiproxy.ts): the worker of such a case connects to PostgreSQL, Redis, the Temporal server and
// the Kafka broker through proxies; after the run's first step a toxic degrades one path for a
// while and is then removed. The run must complete, or escalate, and never corrupt (the scenario's
// invariant: no effect doubled; lost only counts against a run that claims it recovered).
//
// The broker hands its clients the address it advertises, so after the first metadata request a
// Kafka client would connect around the proxy: the worker is told to connect every broker
// connection to the proxy (REBOUND_KAFKA_CONNECT_VIA, workers/clients.ts).
import { loadConfig } from '../../shared/config';
import { atStepBoundary, type ChaosFault } from './faults';
import { startToxiproxy, type Toxic, type ToxiproxyServer } from './toxiproxy';

export type ProxiedDependency = 'postgres' | 'redis' | 'temporal' | 'kafka';

/** Every dependency the network cells degrade, in the order the matrix runs them. */
export const PROXIED_DEPENDENCIES: readonly ProxiedDependency[] = ['postgres', 'redis', 'temporal', 'kafka'];

/** Proxies for every proxied dependency, and the worker environment that goes through them. */
export interface NetworkLab {
  server: ToxiproxyServer;
  workerEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** Starts Toxiproxy with one proxy per dependency of this checkout's stack (ports from config). */
export async function openNetworkLab(log?: (line: string) => void): Promise<NetworkLab> {
  const config = loadConfig();
  const server = await startToxiproxy(log);
  try {
    const pg = await server.proxy('postgres', `${config.postgres.host}:${config.postgres.port}`);
    const redisUrl = new URL(config.redis.url);
    const redis = await server.proxy('redis', `${redisUrl.hostname}:${redisUrl.port || '6379'}`);
    const temporal = await server.proxy('temporal', config.temporal.address);
    const kafka = await server.proxy('kafka', config.kafka.brokers[0]);
    return {
      server,
      workerEnv: {
        REBOUND_PG_HOST: pg.split(':')[0],
        REBOUND_PG_PORT: pg.split(':')[1],
        REBOUND_REDIS_URL: `redis://${redis}${redisUrl.pathname.length > 1 ? redisUrl.pathname : ''}`,
        REBOUND_TEMPORAL_ADDRESS: temporal,
        REBOUND_KAFKA_BROKERS: kafka,
        REBOUND_KAFKA_CONNECT_VIA: kafka,
      },
      stop: () => server.stop(),
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A toxic on one dependency's path for `holdMs`, after the run's first step. */
function networkFault(
  lab: NetworkLab,
  dep: ProxiedDependency,
  name: string,
  toxic: Toxic,
  holdMs: number,
): ChaosFault {
  return {
    name: `${dep}: ${name}`,
    workerEnv: lab.workerEnv,
    mayEscalate: true,
    inject: async (run) => {
      if (!(await atStepBoundary(run, 1))) return false;
      await lab.server.addToxic(dep, toxic);
      const hit = !(await run.closed());
      await sleep(holdMs);
      await lab.server.removeToxic(dep, toxic.name);
      return hit;
    },
  };
}

/**
 * The network cells of one dependency: 1 s latency each way for 20 s; connections reset on their
 * next byte for 5 s; a 60 s blackhole (data dropped, connections kept open).
 */
export function networkFaults(lab: NetworkLab, dep: ProxiedDependency): ChaosFault[] {
  return [
    networkFault(
      lab,
      dep,
      'latency 1 s for 20 s',
      { name: 'latency', type: 'latency', stream: 'downstream', attributes: { latency: 1_000, jitter: 0 } },
      20_000,
    ),
    networkFault(
      lab,
      dep,
      'connections reset for 5 s',
      { name: 'reset', type: 'reset_peer', stream: 'downstream', attributes: { timeout: 0 } },
      5_000,
    ),
    networkFault(
      lab,
      dep,
      'blackhole 60 s',
      { name: 'blackhole', type: 'timeout', stream: 'downstream', attributes: { timeout: 0 } },
      60_000,
    ),
  ];
}
