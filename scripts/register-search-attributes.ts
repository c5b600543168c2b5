// Registers Rebound's custom search attributes on a Temporal server that was not started by
// `stack up` (the compose deployment, a shared cluster). Registering an existing one is a no-op.
import { loadConfig } from '../shared/config';
import { REBOUND_SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { connectClient } from '../client/temporal-client';
import { temporal } from '@temporalio/proto';

async function main(): Promise<void> {
  const config = loadConfig();
  const client = await connectClient(config);
  try {
    const existing = await client.connection.operatorService.listSearchAttributes({
      namespace: config.temporal.namespace,
    });
    const missing = REBOUND_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (existing.customAttributes ?? {})));
    if (missing.length === 0) {
      console.log('[search-attributes] all registered');
      return;
    }
    await client.connection.operatorService.addSearchAttributes({
      namespace: config.temporal.namespace,
      searchAttributes: Object.fromEntries(
        missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    console.log(`[search-attributes] registered ${missing.map((k) => k.name).join(', ')}`);
  } finally {
    await client.connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(`[search-attributes] ${(err as Error).message}`);
  process.exit(1);
});
