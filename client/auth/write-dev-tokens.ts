// `stack up` runs this before starting the API: ensures the dev tokens exist and prints them, so a
// developer can copy one into curl. Prints to stdout only; nothing else logs tokens.
import { DEV_TOKENS_FILE, ensureDevTokens } from './dev-tokens';

const { tokens, created } = ensureDevTokens();
process.stdout.write(
  `dev tokens (${created.length ? `created: ${created.join(', ')}` : 'unchanged'}) in ${DEV_TOKENS_FILE}:\n`,
);
for (const [name, t] of Object.entries(tokens))
  process.stdout.write(`  ${name.padEnd(13)} ${t.token}  (${t.roles.join(', ')})\n`);
