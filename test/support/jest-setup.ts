// Runs in every test file before the tests: keep the SDK's INFO chatter out of test output.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process (Jest reuses workers across files).
}
