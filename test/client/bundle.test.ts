/** The client as a frontend ships it: one small ESM file, typed, for browsers and Node.js alike. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

jest.setTimeout(60_000);

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'client', 'dist');
/**
 * Was 10 kB / 4 kB (8.8 kB / 3.8 kB before issue 15). Issue 15 added phases, pause and resume,
 * resume after a reload, waiting for the verdict, Retry-After, quota figures, usage, Cognito's
 * errors as FileApiErrors and a signal on every call: about +3.4 kB minified, +1.3 kB gzip.
 * Per-part SHA-256s added 0.8 kB / 0.3 kB (13,060 / 5,375 bytes); the config, its type aliases
 * and the cancelled single PUT's cleanup another 0.8 kB / 0.3 kB (13,847 / 5,676 bytes together).
 */
const BUDGET = { minifiedBytes: 14 * 1024, gzipBytes: 5.75 * 1024 };

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

  expect(stdout.trim()).toBe('FileApiError,cognitoTokenSource,createFileClient,refresh,refreshTokens,sha256Base64,signInWithPassword');
});
