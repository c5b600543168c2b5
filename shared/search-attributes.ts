// Custom search attributes registered by `stack up` (scripts/stack/temporal.sh): list views filter
// incidents by playbook, resource and phase through them.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const PlaybookAttr = defineSearchAttributeKey('ReboundPlaybook', SearchAttributeType.KEYWORD);
export const ResourceAttr = defineSearchAttributeKey('ReboundResource', SearchAttributeType.KEYWORD);
export const PhaseAttr = defineSearchAttributeKey('ReboundPhase', SearchAttributeType.KEYWORD);
export const OutcomeAttr = defineSearchAttributeKey('ReboundOutcome', SearchAttributeType.KEYWORD);
export const IncidentKeyAttr = defineSearchAttributeKey('ReboundIncidentKey', SearchAttributeType.KEYWORD);

/** Every custom attribute; `stack up` registers the same list (test/unit/docker-compose.test.ts checks). */
export const REBOUND_SEARCH_ATTRIBUTES = [
  PlaybookAttr,
  ResourceAttr,
  PhaseAttr,
  OutcomeAttr,
  IncidentKeyAttr,
];
