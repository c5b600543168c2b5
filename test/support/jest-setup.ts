// Runs in every test file before the tests: the SDK logs through Rebound's logger at WARN, with its
// repeated notices (no activities registered, worker state changes, the dev server's missing
// heartbeat capability) lowered to debug, so that a failing test's own output can be found.
import { createLogger } from '../../shared/logger';
import { installSdkRuntime } from '../../workers/sdk-runtime';

try {
  installSdkRuntime(createLogger('sdk', { level: process.env.REBOUND_TEST_SDK_LOG_LEVEL ?? 'warn' }), {
    forwardCoreLogs: false,
  });
} catch {
  // Already installed in this process (Jest reuses workers across files).
}
