// Every workflow type the worker registers. Playbooks export their workflow function here.
export { healthProbeWorkflow } from './health-probe';
export { consumerSafeModeRestartWorkflow } from './consumer-safe-mode-restart';
export { quarantineRedriveWorkflow } from './quarantine-redrive';
export { incidentWorkflow } from './incident';
export { orgDeletionWorkflow } from './org-deletion';
export { scheduledRecoveryWorkflow } from './scheduled-recovery';
export { outboxReplayWorkflow } from './outbox-replay';
export { entitlementResyncWorkflow } from './entitlement-resync';
export { cacheRepairWorkflow } from './cache-repair';
export { partitionMergeWorkflow } from './partition-merge';
