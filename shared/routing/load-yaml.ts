// Parses a YAML file against a zod schema; every error names the file and the line of the
// offending value (the `yaml` package keeps node positions), so a bad file fails at startup with
// a message an operator can act on.
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { type z } from 'zod';

export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: { line?: number; path: string; message: string }[],
  ) {
    super(
      `invalid ${file}:\n` +
        problems.map((p) => `  ${file}:${p.line ?? '?'} ${p.path || '(root)'}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigFileError';
  }
}

function lineOf(doc: Document, counter: LineCounter, path: PropertyKey[]): number | undefined {
  // Walk up until a node exists (a missing key points at its parent).
  for (let n = path.length; n >= 0; n -= 1) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

export function parseYamlText<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      file,
      doc.errors.map((e) => ({ line: counter.linePos(e.pos[0]).line, path: '', message: e.message })),
    );
  }
  // Resolving aliases can fail (the yaml package refuses a document whose aliases expand
  // exponentially, the "billion laughs"): that is a bad file, reported like any other.
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (err) {
    throw new ConfigFileError(file, [{ path: '', message: (err as Error).message }]);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ConfigFileError(
      file,
      result.error.issues.map((i) => ({
        line: lineOf(doc, counter, i.path),
        path: i.path.join('.'),
        message: i.message,
      })),
    );
  }
  return result.data;
}

export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(file, [{ path: '', message: (err as Error).message }]);
  }
  return parseYamlText(text, file, schema);
}
