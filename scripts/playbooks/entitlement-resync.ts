// Client script: resync a cache namespace. Usage: tsx scripts/playbooks/entitlement-resync.ts [entitlements] [--dry-run] [--json]
import { main } from './run-resource-playbook';

main({ playbook: 'entitlement-resync', kind: 'namespace', defaultId: 'entitlements', param: 'namespace' });
