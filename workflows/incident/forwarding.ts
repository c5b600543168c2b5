// Forwards the incident's kill-switch and alert signals to the playbook run it has in flight, which
// then stops before its next mutating step or skips destructive steps. The incident's own status
// follows the same signals through PlaybookRun's handlers, so its guardrail waits honour them too.
import { getExternalWorkflowHandle } from '@temporalio/workflow';
import { alertResolvedSignal, pauseSignal, resumeSignal } from '../../shared/workflow-interface';
import { type PlaybookRun } from '../lib/playbook-run';

export function forwardControlSignals(run: PlaybookRun, activeChild: () => string | undefined): void {
  run.onControlSignal((s) => {
    const child = activeChild();
    if (!child) return;
    const handle = getExternalWorkflowHandle(child);
    const sent =
      s.kind === 'pause'
        ? handle.signal(pauseSignal, { by: s.by, reason: s.reason, version: s.version })
        : s.kind === 'resume'
          ? handle.signal(resumeSignal, { by: s.by, version: s.version })
          : handle.signal(alertResolvedSignal, { at: s.at });
    // The child may just have closed: a failed forward is harmless (it has nothing left to stop).
    void sent.catch(() => undefined);
  });
}
