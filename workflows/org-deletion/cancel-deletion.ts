// The `cancelDeletion` update: accepted until the point of no return, audited, and acted on by the
// saga at its next step boundary (the grace period wakes up at once).
import { setHandler } from '@temporalio/workflow';
import {
  cancelDeletionUpdate,
  type CancelDeletionReply,
  type CancelDeletionRequest,
} from '../../shared/playbooks/org-deletion';
import { type PlaybookRun } from '../lib/playbook-run';

export class CancelDeletion {
  request: CancelDeletionRequest | undefined;
  pastPointOfNoReturn = false;

  constructor(private readonly run: PlaybookRun) {
    setHandler(cancelDeletionUpdate, (req) => this.accept(req), {
      validator: (req: CancelDeletionRequest) => this.validate(req),
    });
  }

  get requested(): boolean {
    return this.request !== undefined;
  }

  /** Throws (rejecting the update, nothing recorded) when cancelling is no longer possible. */
  private validate(req: CancelDeletionRequest): void {
    if (typeof req?.by !== 'string' || req.by.trim() === '') throw new Error('invalid: `by` is required');
    if (this.pastPointOfNoReturn) {
      throw new Error('point-of-no-return: the org is being purged; it can no longer be restored');
    }
    if (this.request) throw new Error(`already-cancelled by ${this.request.by}`);
    const phase = this.run.status.phase;
    if (phase === 'compensating' || phase === 'closed') throw new Error(`too-late: the saga is ${phase}`);
  }

  private async accept(req: CancelDeletionRequest): Promise<CancelDeletionReply> {
    this.request = req;
    const during = this.run.status.currentStep ?? this.run.status.phase;
    await this.run.record('cancel-deletion', 'cancel-deletion-requested', req.by, {
      reason: req.reason ?? '',
      during,
    });
    return { accepted: true, during };
  }
}
