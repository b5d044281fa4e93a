/**
 * The code's shape, measured with the TypeScript compiler: functions in shared/ longer than 60 lines and
 * options objects (an interface or object type a function takes as a parameter) with more than 8 fields.
 * Long functions and wide option bags are where the next change gets hard; the test fails on either.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

export const MAX_FUNCTION_LINES = 60;
export const MAX_OPTION_FIELDS = 8;

export interface Offender {
  kind: 'function' | 'options';
  /** file:line relative to the repository, then the function's or type's name. */
  where: string;
  name: string;
  size: number;
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.isFile() && full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

function functionName(node: ts.FunctionLikeDeclaration): string {
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText();
  }
  if (ts.isCallExpression(parent)) return `(callback to ${parent.expression.getText().slice(0, 40)})`;
  return '(anonymous)';
}

/** Lines from the function's first to its last, as an editor shows them (signature and closing brace included). */
function lineCount(node: ts.Node, source: ts.SourceFile): number {
  const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
  const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
  return last - first + 1;
}

/**
 * An options object is what a function takes to be told how to run: an inline object type, or a named one
 * whose name says so (…Deps, …Options, …Context, …Ports…). Domain records passed as data (Settings, a
 * Release, a snapshot row) are not options: their width is the domain's, so they are not counted.
 */
const OPTIONS_NAME = /(Deps|Options|Opts|Params|Args|Input|Context|Ports)$/;

function optionTypes(param: ts.ParameterDeclaration, checker: ts.TypeChecker): { name: string; type: ts.Type }[] {
  const annotation = param.type;
  if (!annotation) return [];
  if (ts.isTypeLiteralNode(annotation)) {
    return [{ name: `inline { } of ${param.name.getText()}`, type: checker.getTypeAtLocation(annotation) }];
  }
  // `Deps & { more }`: the function takes the whole, so the whole is counted.
  if (ts.isIntersectionTypeNode(annotation)) {
    const parts = annotation.types;
    const optionsLike = parts.some(
      (t) => ts.isTypeLiteralNode(t) || (ts.isTypeReferenceNode(t) && OPTIONS_NAME.test(t.typeName.getText())),
    );
    const name = `${parts.map((t) => (ts.isTypeLiteralNode(t) ? '{ }' : t.getText())).join(' & ')} of ${param.name.getText()}`;
    return optionsLike ? [{ name, type: checker.getTypeAtLocation(annotation) }] : [];
  }
  if (!ts.isTypeReferenceNode(annotation)) return [];
  const name = annotation.typeName.getText();
  if (!OPTIONS_NAME.test(name.replace(/^.*\./, ''))) return [];
  const type = checker.getTypeAtLocation(annotation);
  const declarations = type.aliasSymbol?.declarations ?? type.getSymbol()?.declarations ?? [];
  const ours = declarations.every((d) => !d.getSourceFile().fileName.includes('node_modules'));
  return ours ? [{ name, type }] : [];
}

export function findOffenders(root: string): Offender[] {
  const files = tsFiles(path.join(root, 'shared'));
  const program = ts.createProgram(files, {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const offenders: Offender[] = [];
  const seenOptions = new Set<string>();

  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) continue;
    const rel = path.relative(root, file).split(path.sep).join('/');
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const fn = node as ts.FunctionLikeDeclaration;
        const lines = lineCount(fn, source);
        const line = source.getLineAndCharacterOfPosition(fn.getStart(source)).line + 1;
        if (lines > MAX_FUNCTION_LINES) {
          offenders.push({ kind: 'function', where: `${rel}:${line}`, name: functionName(fn), size: lines });
        }
        for (const param of fn.parameters) {
          for (const { name, type } of optionTypes(param, checker)) {
            const fields = type.getProperties().length;
            const key = `${name}@${rel}`;
            if (fields > MAX_OPTION_FIELDS && !seenOptions.has(key)) {
              seenOptions.add(key);
              offenders.push({ kind: 'options', where: `${rel}:${line}`, name, size: fields });
            }
          }
        }
      }
      // A named options type counts even where it is only nested in another (DetectDeps.options).
      if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) && OPTIONS_NAME.test(node.name.text)) {
        const fields = checker.getTypeAtLocation(node.name).getProperties().length;
        const key = `${node.name.text}@${rel}`;
        if (fields > MAX_OPTION_FIELDS && !seenOptions.has(key)) {
          seenOptions.add(key);
          const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
          offenders.push({ kind: 'options', where: `${rel}:${line}`, name: node.name.text, size: fields });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return offenders;
}

export function describeOffender(o: Offender): string {
  return o.kind === 'function'
    ? `${o.where} ${o.name}: ${o.size} lines (max ${MAX_FUNCTION_LINES})`
    : `${o.where} ${o.name}: ${o.size} fields (max ${MAX_OPTION_FIELDS})`;
}

/** The repository: the nearest folder up with a package.json (from test/architecture/ or dist/test/architecture/). */
export function repositoryRoot(from: string = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

// `node dist/test/architecture/shape.js`: every offender, allowed or not.
if (require.main === module) {
  const offenders = findOffenders(repositoryRoot());
  for (const o of offenders) console.log(describeOffender(o));
  console.log(`${offenders.length} offender(s)`);
}
