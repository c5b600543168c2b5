// Prints the resolved configuration as shell assignments for the stack scripts, so bash and
// TypeScript read addresses from one place. Exits 1 with the config error on bad values.
import { ConfigError, loadConfig } from '../shared/config';

try {
  const { raw } = loadConfig();
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  for (const [key, value] of Object.entries(raw))
    process.stdout.write(`export ${key}=${quote(String(value))}\n`);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
