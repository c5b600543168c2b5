// Static check that every SQL statement is parameterized: finds each `.query(...)` call in the
// sources (pg's Pool/PoolClient API) and inspects its text argument with the TypeScript parser.
// Allowed: a plain string; a template whose every interpolation is an identifier escaped with
// pg's `escapeIdentifier(...)`, a literal, or a name (const or `this.<field>`) the same file only
// ever sets to those; a named query passed by variable. Anything else built by interpolation or
// `+` concatenation is reported with file and line (DESIGN.md: values are parameters, identifiers
// escaped with pg's own escapeIdentifier, never a hand-written quoter).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface SqlFinding {
  file: string;
  line: number;
  text: string;
}

/** The source folders both SQL scans read, relative to the checkout. */
export const SOURCE_DIRS = [
  'activities',
  'client',
  'platform',
  'consumer',
  'workers',
  'shared',
  'scripts',
  'bench',
  'test',
  'workflows',
];

/** Every `.ts` file under `dir` (not declarations, not node_modules or dot folders). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const isEscapeCall = (e: ts.Expression): boolean =>
  ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'escapeIdentifier';

/**
 * Names (identifiers and `this.<field>`) that this file only ever sets to an escapeIdentifier(...)
 * call, a string or number literal, or a template made of those: interpolating them is safe.
 */
function safeNames(sf: ts.SourceFile): Set<string> {
  const assigned = new Map<string, ts.Expression[]>();
  const add = (name: string, e: ts.Expression) => assigned.set(name, [...(assigned.get(name) ?? []), e]);
  const visit = (n: ts.Node) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer)
      add(n.name.text, n.initializer);
    if (ts.isPropertyDeclaration(n) && ts.isIdentifier(n.name) && n.initializer)
      add(`this.${n.name.text}`, n.initializer);
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const l = n.left;
      if (ts.isPropertyAccessExpression(l) && l.expression.kind === ts.SyntaxKind.ThisKeyword)
        add(`this.${l.name.text}`, n.right);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  const safe = new Set<string>();
  // Fixed point: a name is safe when everything assigned to it is safe given the names known so far.
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, values] of assigned) {
      if (!safe.has(name) && values.every((v) => fragmentSafe(v, safe))) {
        safe.add(name);
        changed = true;
      }
    }
  }
  return safe;
}

const nameOf = (e: ts.Expression): string | undefined =>
  ts.isIdentifier(e)
    ? e.text
    : ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword
      ? `this.${e.name.text}`
      : undefined;

/** A piece of SQL text that cannot carry a value: literal, escaped identifier, or a safe name. */
function fragmentSafe(e: ts.Expression, safe: Set<string>): boolean {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isNumericLiteral(e)) return true;
  if (isEscapeCall(e)) return true;
  if (ts.isParenthesizedExpression(e)) return fragmentSafe(e.expression, safe);
  if (ts.isTemplateExpression(e)) return e.templateSpans.every((s) => fragmentSafe(s.expression, safe));
  const name = nameOf(e);
  return name !== undefined && safe.has(name);
}

function safeText(e: ts.Expression, safe: Set<string>): boolean {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return true;
  if (ts.isTemplateExpression(e)) return fragmentSafe(e, safe);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) return false;
  if (ts.isParenthesizedExpression(e)) return safeText(e.expression, safe);
  // A query config object: its `text` must be safe.
  if (ts.isObjectLiteralExpression(e)) {
    const text = e.properties.find(
      (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === 'text',
    );
    return text ? safeText(text.initializer, safe) : true;
  }
  // Identifiers, property accesses, calls: a named query (or not SQL at all, e.g. a Temporal
  // handle's `query(statusQuery)`); their own definitions are checked where they are written.
  return true;
}

/** Every `.query(...)` call under `dirs` (relative to `root`) whose SQL text is built unsafely. */
export function findUnparameterizedSql(root: string, dirs: string[]): SqlFinding[] {
  const findings: SqlFinding[] = [];
  for (const file of dirs.flatMap((d) => sourceFiles(join(root, d)))) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const safe = safeNames(sf);
    const visit = (n: ts.Node) => {
      if (
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        n.expression.name.text === 'query' &&
        n.arguments.length > 0 &&
        !safeText(n.arguments[0], safe)
      ) {
        findings.push({
          file: relative(root, file),
          line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1,
          text: n.arguments[0].getText().slice(0, 200),
        });
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return findings;
}
