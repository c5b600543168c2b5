// Client script: replay an outbox. Usage: tsx scripts/playbooks/outbox-replay.ts [platform] [--dry-run] [--json]
import { main } from './run-resource-playbook';

main({ playbook: 'outbox-replay', kind: 'outbox', defaultId: 'platform', param: 'outbox' });
