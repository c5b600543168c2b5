// A Temporal client for Rebound's clients (API, CLI, scripts), from the config module.
import { Client, Connection } from '@temporalio/client';
import { type ReboundConfig } from '../shared/config';

export async function connectClient(config: ReboundConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '5s' });
  return new Client({ connection, namespace: config.temporal.namespace });
}
