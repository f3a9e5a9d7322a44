/**
 * Builds the client package: one minified ES module and its declarations rolled up into one
 * file (`index.d.mts`, and `index.d.ts` for resolvers that look for it). The output folder is
 * an argument so tests can build a copy of their own without racing `client/dist`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const client = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(client);
const outdir = path.resolve(process.argv[2] ?? path.join(client, 'dist'));

await build({
  entryPoints: [path.join(client, 'index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  minify: true,
  outfile: path.join(outdir, 'index.mjs'),
  logLevel: 'warning',
});
const declarations = path.join(outdir, 'index.d.mts');
execFileSync(
  path.join(root, 'node_modules', '.bin', 'dts-bundle-generator'),
  ['--silent', '--no-banner', '--project', path.join(client, 'tsconfig.json'), '-o', declarations, path.join(client, 'index.ts')],
  { stdio: 'inherit' },
);
fs.copyFileSync(declarations, path.join(outdir, 'index.d.ts'));
