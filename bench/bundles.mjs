/**
 * The code the benchmarks run, built into `bench/out/`:
 *
 * - **ours**: each function's bundle exactly as Lambda runs it, synthesized by the CDK app
 *   through NodejsFunction (`bench/synth-bundles.mjs`);
 * - **naive**: the same handlers built the way samples ship them (CommonJS, not minified,
 *   packages' CommonJS builds, so the whole S3 client), signing and HEADing through `S3Client`
 *   (`bench/naive/`);
 * - **modules**: single production modules (the signer, the session cache) built with the
 *   production options, for the in-process benchmarks. The same options must reproduce the
 *   synthesized bundle byte for byte, so they cannot drift from `FUNCTION_BUNDLING`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where every artefact goes (gitignored). */
const OUT = path.join(ROOT, 'bench', 'out');

/**
 * The functions built naive too, with their handler files: those that sign URLs for clients, the
 * cost the baseline is about. Every other function of the registry is synthesized and sized.
 */
const FUNCTIONS = { uploads: 'lambdas/uploads.ts', downloads: 'lambdas/downloads.ts' };

/** `FUNCTION_BUNDLING` (lib/construct/service-function.ts) as the esbuild options NodejsFunction passes. */
const PRODUCTION_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  mainFields: ['module', 'main'],
  banner: { js: "import{createRequire as __createRequire}from'node:module';const require=__createRequire(import.meta.url);" },
  logLevel: 'warning',
};

/** What samples do: esbuild's defaults for Node.js (CommonJS, `main` before `module`), nothing minified. */
const NAIVE_OPTIONS = { bundle: true, platform: 'node', target: 'node24', format: 'cjs', logLevel: 'warning' };

/** Modules the in-process benchmarks import: production ones, and the naive signer (rows b and c). */
const MODULES = {
  'object-urls': 'lambdas/shared/object-urls.ts',
  'role-sessions': 'lambdas/shared/role-sessions.ts',
  'naive-object-urls': 'bench/naive/object-urls.ts',
};

/** Swaps the signer and the HEAD for their naive versions in `bench/naive/`. */
const naiveSigning = {
  name: 'naive-signing',
  setup(build) {
    build.onResolve({ filter: /\/object-(urls|head)$/ }, (args) =>
      args.importer.startsWith(path.join(ROOT, 'lambdas'))
        ? { path: path.join(ROOT, 'bench', 'naive', `${path.basename(args.path)}.ts`) }
        : undefined,
    );
  },
};

/**
 * Builds everything; answers the bundle files, `{ ours: {uploads, downloads}, naive: {…}, modules: {…} }`,
 * every function's deployed bundle, `all: {uploads, downloads, deletes, health, verifier}`, and the
 * functions' settings, `deployed: {uploads: {bundle, memoryMb, architecture}, …}`. Takes ~10 s, most of it
 * the CDK synth.
 */
export async function buildBundles() {
  // The synth imports the CDK app's TypeScript, hence tsx.
  const synthesized = execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'synth-bundles.mjs'), OUT], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const deployed = JSON.parse(synthesized.trim().split('\n').pop());
  const all = Object.fromEntries(Object.entries(deployed).map(([name, { bundle }]) => [name, bundle]));
  const ours = Object.fromEntries(Object.keys(FUNCTIONS).map((name) => [name, all[name]]));

  const naive = {};
  for (const [name, entry] of Object.entries(FUNCTIONS)) {
    naive[name] = path.join(OUT, 'naive', name, 'index.js');
    await esbuild.build({ ...NAIVE_OPTIONS, entryPoints: [path.join(ROOT, entry)], outfile: naive[name], plugins: [naiveSigning] });
  }

  const modules = {};
  for (const [name, entry] of Object.entries(MODULES)) {
    modules[name] = path.join(OUT, 'modules', `${name}.mjs`);
    await esbuild.build({ ...PRODUCTION_OPTIONS, entryPoints: [path.join(ROOT, entry)], outfile: modules[name] });
  }
  await assertSameAsSynthesized(ours.uploads);
  return { ours, all, naive, modules, deployed };
}

async function assertSameAsSynthesized(synthesizedUploads) {
  const rebuilt = path.join(OUT, 'modules', 'uploads-check.mjs');
  await esbuild.build({ ...PRODUCTION_OPTIONS, entryPoints: [path.join(ROOT, FUNCTIONS.uploads)], outfile: rebuilt });
  if (!fs.readFileSync(rebuilt).equals(fs.readFileSync(synthesizedUploads))) {
    throw new Error('bench/bundles.mjs PRODUCTION_OPTIONS no longer reproduce the synthesized bundle: align them with FUNCTION_BUNDLING');
  }
}
