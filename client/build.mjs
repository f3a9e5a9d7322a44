/**
 * Builds the client package: one minified ES module and its declarations rolled up into one
 * file (`index.d.mts`, and `index.d.ts` for resolvers that look for it). The output folder is
 * an argument so tests can build a copy of their own without racing `client/dist`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build } from 'esbuild';

const client = path.dirname(fileURLToPath(import.meta.url));
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
const [text] = generateDtsBundle([{ filePath: path.join(client, 'index.ts'), output: { noBanner: true } }], {
  preferredConfigPath: path.join(client, 'tsconfig.json'),
});
fs.writeFileSync(declarations, text);
fs.copyFileSync(declarations, path.join(outdir, 'index.d.ts'));
