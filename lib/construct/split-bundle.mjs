/**
 * NodejsFunction's `afterBundling` step (`lib/construct/function-bundling.ts`): bundles the
 * function's entry again, with code splitting, over the single file NodejsFunction wrote.
 * NodejsFunction passes `--outfile`, which esbuild's `--splitting` cannot use; split, what a
 * handler imports with `import()` only (the S3 client of the rare routes) becomes a chunk that
 * Node.js reads and parses on first use instead of on every cold start.
 *
 * `node split-bundle.mjs <entry> <outputDir> <esbuild options as base64url JSON>`
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const [entry, outdir, encodedOptions] = process.argv.slice(2);
const options = JSON.parse(Buffer.from(encodedOptions, 'base64url').toString('utf8'));

fs.rmSync(path.join(outdir, 'index.mjs'), { force: true });
await esbuild.build({
  ...options,
  entryPoints: { index: entry },
  outdir,
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
});
