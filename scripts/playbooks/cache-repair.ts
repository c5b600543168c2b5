// Client script: repair a cache key or pattern. Usage: tsx scripts/playbooks/cache-repair.ts '<key or pattern>' [--dry-run] [--json]
import { main } from './run-resource-playbook';

main({ playbook: 'cache-repair', kind: 'key', param: 'key' });
