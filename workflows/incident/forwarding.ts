// The incident's kill-switch and alert signals: it keeps its own status in step (so its own
// guardrail waits honour the kill switch) and forwards each signal to the playbook run it has in
// flight, which stops before its next mutating step or skips destructive steps.
import { getExternalWorkflowHandle, setHandler, type SignalDefinition } from '@temporalio/workflow';
import { alertResolvedSignal, pauseSignal, resumeSignal } from '../../shared/workflow-interface';
import { type PlaybookRun } from '../lib/playbook-run';

export function forwardControlSignals(run: PlaybookRun, activeChild: () => string | undefined): void {
  const touch = () => {
    run.status.updatedAt = new Date().toISOString();
  };
  function forward<A extends unknown[]>(def: SignalDefinition<A>, ...args: A): void {
    const child = activeChild();
    if (!child) return;
    // The child may just have closed: a failed forward is harmless (it has nothing left to stop).
    void getExternalWorkflowHandle(child)
      .signal(def, ...args)
      .catch(() => undefined);
  }
  // These replace PlaybookRun's own handlers for the same signals and keep its bookkeeping.
  setHandler(pauseSignal, (p) => {
    forward(pauseSignal, p);
    if (run.status.paused) return;
    run.status.paused = true;
    touch();
    void run
      .record(`pause:${run.status.updatedAt}`, 'paused', p.by, { reason: p.reason })
      .catch(() => undefined);
  });
  setHandler(resumeSignal, (r) => {
    forward(resumeSignal, r);
    if (!run.status.paused) return;
    run.status.paused = false;
    touch();
    void run.record(`resume:${run.status.updatedAt}`, 'resumed', r.by, {}).catch(() => undefined);
  });
  setHandler(alertResolvedSignal, (a) => {
    forward(alertResolvedSignal, a);
    if (run.status.alertResolved) return;
    run.status.alertResolved = true;
    touch();
  });
}
