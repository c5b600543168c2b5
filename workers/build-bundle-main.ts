// Builds the workflow bundle and writes it to the files named on the command line, then exits:
// run by the worker as a short-lived child process (workers/bundle-in-child.ts) so that webpack's
// memory (about 150 MiB that a long-lived process never gives back) is not part of the worker's
// resident set. Usage: build-bundle-main <code-file> <source-map-file>
import { writeFileSync } from 'node:fs';
import { loadKeyring } from '../shared/secrets';
import { bundleWorkflows } from './workflow-bundle';

async function main(): Promise<void> {
  const [codeFile, mapFile] = process.argv.slice(2);
  if (!codeFile || !mapFile) throw new Error('usage: build-bundle-main <code-file> <source-map-file>');
  const bundle = await bundleWorkflows(loadKeyring());
  writeFileSync(codeFile, bundle.code);
  writeFileSync(mapFile, bundle.sourceMap);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
