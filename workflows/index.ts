// Every workflow type the worker registers. Playbooks export their workflow function here.
export { healthProbeWorkflow } from './health-probe';
export { incidentWorkflow } from './incident';
