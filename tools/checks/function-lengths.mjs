// Lists the functions in apps/*/src and libs/*/src (tests excluded) with their length in lines, longest first:
// TypeScript through the compiler's parser, Python through `ast`. Used by function-length.test.mjs and by hand
// (`node tools/checks/function-lengths.mjs [LIMIT]` prints those over LIMIT, default 120).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = new URL('../..', import.meta.url).pathname;
const SKIP_DIRS = new Set(['node_modules', 'dist', '__pycache__', 'tests', 'fixtures', 'bench', 'testing']);
const IS_TEST = /(\.spec|\.test|_test)\.[a-z]+$|(^|\/)test_[^/]*\.py$|(^|\/)conftest\.py$/;

function sourceFiles(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (!SKIP_DIRS.has(entry) && !entry.startsWith('.')) sourceFiles(path, out);
    } else if (/\.(ts|tsx|py)$/.test(entry) && !entry.endsWith('.d.ts') && !IS_TEST.test(path))
      out.push(path);
  }
  return out;
}

function roots() {
  const dirs = [];
  for (const group of ['apps', 'libs']) {
    for (const project of readdirSync(join(ROOT, group))) {
      for (const sub of ['src', 'worker']) {
        const dir = join(ROOT, group, project, sub);
        try {
          if (statSync(dir).isDirectory()) dirs.push(dir);
        } catch {
          /* not there */
        }
      }
    }
  }
  return dirs;
}

function typescriptFunctions(file) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      const name = node.name?.getText(source) ?? nameFromParent(node, source);
      found.push({ file, name, start, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function nameFromParent(node, source) {
  if (ts.isConstructorDeclaration(node)) return `${node.parent.name?.getText(source) ?? 'class'}.constructor`;
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)))
    return parent.name.getText(source);
  return '(anonymous)';
}

const PYTHON_SCAN = `
import ast, json, sys
out = []
for path in sys.argv[1:]:
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            out.append({"file": path, "name": node.name, "start": start, "lines": node.end_lineno - start + 1})
print(json.dumps(out))
`;

function pythonFunctions(files) {
  if (files.length === 0) return [];
  return JSON.parse(
    execFileSync('python3', ['-c', PYTHON_SCAN, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 }),
  );
}

export function functionLengths() {
  const files = roots().flatMap((dir) => sourceFiles(dir));
  const found = [
    ...files.filter((f) => !f.endsWith('.py')).flatMap(typescriptFunctions),
    ...pythonFunctions(files.filter((f) => f.endsWith('.py'))),
  ];
  return found
    .map((f) => ({ ...f, file: relative(ROOT, f.file) }))
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const limit = Number(process.argv[2] ?? 120);
  for (const f of functionLengths().filter((x) => x.lines > limit)) {
    console.log(`${String(f.lines).padStart(4)}  ${f.file}:${f.start}  ${f.name}`);
  }
}
