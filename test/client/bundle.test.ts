/** The client as a frontend ships it: one small ESM file, typed, for browsers and Node.js alike. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

jest.setTimeout(60_000);

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'client', 'dist');
const BUDGET = { minifiedBytes: 10 * 1024, gzipBytes: 4 * 1024 };

beforeAll(() => promisify(execFile)('npm', ['run', '--silent', 'build:client'], { cwd: root }));

it('is one minified ES module within its size budget, with type declarations', () => {
  const bundle = fs.readFileSync(path.join(dist, 'index.mjs'));

  expect(bundle.length).toBeLessThan(BUDGET.minifiedBytes);
  expect(gzipSync(bundle, { level: 9 }).length).toBeLessThan(BUDGET.gzipBytes);
  expect(fs.readFileSync(path.join(dist, 'index.d.mts'), 'utf8')).toContain('createFileClient');
});

it('depends on nothing a browser lacks: no Node.js modules, no require', () => {
  const code = fs.readFileSync(path.join(dist, 'index.mjs'), 'utf8');

  expect(code).not.toMatch(/\brequire\(|from\s*["']node:|import\(["']node:/);
});

it('loads in a fresh Node.js process and exports the client', async () => {
  const script = `const m = await import(${JSON.stringify(path.join(dist, 'index.mjs'))}); console.log(Object.keys(m).sort().join(','));`;

  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);

  expect(stdout.trim()).toBe('FileApiError,cognitoTokenSource,createFileClient,refreshTokens,sha256Base64,signInWithPassword');
});
