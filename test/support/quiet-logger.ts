// A logger for tests that exercise code which logs: silent, so a failing test's own output stands out.
import { createLogger } from '../../shared/logger';

export const quietLogger = createLogger('test', { level: 'silent', format: 'json' });
