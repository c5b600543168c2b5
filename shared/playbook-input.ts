// The input of every playbook workflow: the common context plus the playbook's own parameters.
import { type PlaybookContext } from './playbook';

export interface PlaybookInput<P> {
  context: PlaybookContext;
  params: P;
}
