/**
 * The code the benchmarks run, built into `bench/out/`:
 *
 * - **ours**: each function's bundle exactly as Lambda runs it, synthesized by the CDK app
 *   through NodejsFunction and its split re-bundle (`bench/synth-bundles.mjs`): a folder with
 *   `index.mjs` and the chunks it imports, statically (read at every cold start) or on first use;
 * - **naive**: the same handlers written the way a careful user would write them for the same
 *   features (`bench/naive/`: a new `S3Client` and `getSignedUrl` per URL, the file table through
 *   the DynamoDB document client, the SDK's default credential chain), built two ways: **careful**
 *   (ESM, minified, `mainFields: ['module', 'main']`, what anyone can copy from our bundling) and
 *   **defaults** (NodejsFunction's defaults: CommonJS, not minified, `main` first; the SDK bundled,
 *   as the runtime's own is another version);
 * - **levers**: ours built with each cold-start lever alone, from the same esbuild options, so each
 *   lever is measured side by side with the others (`bench/cold-starts.mjs`);
 * - **modules**: single production modules (the signer, the session cache) built with the
 *   production options, for the in-process benchmarks.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { esbuildOptions } from '../lib/construct/function-bundling';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where every artefact goes (gitignored). */
const OUT = path.join(ROOT, 'bench', 'out');

/** The deployed functions' esbuild options (`lib/construct/function-bundling.ts`). */
const ESBUILD_OPTIONS = esbuildOptions(ROOT);

/**
 * The functions built naive too, with their handler files: those on the request path (a client
 * waits on their cold start). The verifier, behind a queue, is synthesized and sized only.
 */
const FUNCTIONS = {
  uploads: 'lambdas/uploads.ts',
  downloads: 'lambdas/downloads.ts',
  deletes: 'lambdas/deletes.ts',
  health: 'lambdas/health.ts',
};

/** The functions the levers are built for: the signers, where each lever was chosen. */
const LEVER_FUNCTIONS = ['uploads', 'downloads'];

/** The production options without the credentials alias: the bundling before this round's levers. */
const { alias: _credentialsAlias, ...WITHOUT_LEVERS } = ESBUILD_OPTIONS;

/** Careful bundling of the naive code: the production flags, nothing of our levers. */
const CAREFUL_OPTIONS = WITHOUT_LEVERS;

/** NodejsFunction's defaults for Node.js (CommonJS, `main` before `module`, nothing minified), the SDK bundled. */
const DEFAULTS_OPTIONS = { bundle: true, platform: 'node', target: 'node24', format: 'cjs', logLevel: 'warning' };

/**
 * Each lever alone over the bundling before them, and all of them: the deployed bundling.
 * `withoutS3Client` stands for a layout where the hot routes' function never holds the S3 client
 * (the rare routes in a function of their own): the same bundle with the client replaced by nothing.
 */
const LEVERS = {
  before: { options: WITHOUT_LEVERS },
  environmentCredentials: { options: ESBUILD_OPTIONS },
  splitting: { options: WITHOUT_LEVERS, split: true },
  withoutS3Client: {
    options: { ...WITHOUT_LEVERS, alias: { '@aws-sdk/client-s3': path.join(ROOT, 'bench', 'naive', 'no-s3-client.mjs') } },
  },
  splittingAndCredentials: { options: ESBUILD_OPTIONS, split: true },
};

/** Modules the in-process benchmarks import: production ones, and the naive signer (rows b and c). */
const MODULES = {
  'object-urls': 'lambdas/shared/object-urls.ts',
  'role-sessions': 'lambdas/shared/role-sessions.ts',
  'naive-object-urls': 'bench/naive/object-urls.ts',
};

/** Swaps the signer and the file records for their naive versions in `bench/naive/`. */
const naiveModules = {
  name: 'naive-modules',
  setup(build) {
    build.onResolve({ filter: /\/(object-urls|records)$/ }, (args) =>
      args.importer.startsWith(path.join(ROOT, 'lambdas'))
        ? { path: path.join(ROOT, 'bench', 'naive', `${path.basename(args.path)}.ts`) }
        : undefined,
    );
  },
};

/**
 * Builds `entry` into `dir/index.mjs` (or `.js` for CommonJS), split into chunks when asked;
 * answers the entry file. Each build's composition (`importedParts`) is kept beside it.
 */
async function buildInto(dir, entry, options, { split = false, plugins = [] } = {}) {
  fs.rmSync(dir, { recursive: true, force: true });
  const extension = options.format === 'esm' ? '.mjs' : '.js';
  const { metafile } = await esbuild.build({
    ...options,
    entryPoints: { index: path.join(ROOT, entry) },
    outdir: dir,
    outExtension: { '.js': extension },
    plugins,
    metafile: true,
    ...(split && { splitting: true, chunkNames: 'chunk-[hash]' }),
  });
  const file = path.join(dir, `index${extension}`);
  compositions.set(file, importedParts(metafile));
  return file;
}

const compositions = new Map();

/**
 * What a bundle reads at import, by part (bytes of minified output): the entry file and the chunks
 * it imports statically, as `bundleBytes` counts them, each input file assigned to a part by its
 * package (`PARTS`).
 */
function importedParts(metafile) {
  const outputs = metafile.outputs;
  const entry = Object.keys(outputs).find((file) => outputs[file].entryPoint);
  const read = new Set();
  const visit = (file) => {
    if (read.has(file)) return;
    read.add(file);
    for (const imported of outputs[file].imports) if (imported.kind === 'import-statement' && outputs[imported.path]) visit(imported.path);
  };
  visit(entry);
  const parts = {};
  for (const file of read) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[file].inputs)) {
      const part = partOf(input);
      parts[part] = (parts[part] ?? 0) + bytesInOutput;
    }
  }
  return parts;
}

/** The parts of a bundle, by the packages (or folders) whose code they hold; the first match wins. */
const PARTS = [
  ['our code (`lambdas/`, `contract/`)', /^(lambdas|contract|bench\/naive)\//],
  [
    'DynamoDB client (+ document client)',
    /@aws-sdk\/(client-dynamodb|lib-dynamodb|util-dynamodb|dynamodb-codec|middleware-endpoint-discovery|endpoint-cache)\/|\/(mnemonist|obliterator)\//,
  ],
  ['STS client', /@aws-sdk\/client-sts\//],
  [
    'S3 client',
    /@aws-sdk\/(client-s3|middleware-sdk-s3|middleware-flexible-checksums|middleware-bucket-endpoint|middleware-expect-continue|middleware-location-constraint|middleware-ssec)\/|@smithy\/(eventstream|hash-stream-node|md5-js|chunked-blob-reader)/,
  ],
  ['SigV4 signer and presigner', /@aws-sdk\/(s3-request-presigner|signature-v4-multi-region|util-format-url)\/|@smithy\/signature-v4\//],
  ['credential providers', /@aws-sdk\/(credential-provider-|nested-clients|token-providers)|@smithy\/credential-provider-imds/],
  ['SDK runtime (core, HTTP, protocols, retries)', /@smithy\/|@aws-sdk\/|@aws\/lambda-invoke-store/],
  ['middy', /@middy\//],
  ['valibot', /\/valibot\//],
];

function partOf(input) {
  return (
    PARTS.find(([, pattern]) => pattern.test(input))?.[0] ?? `other: ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input}`
  );
}

/** The composition of a build made by `buildBundles` (its entry file), by part; `undefined` for the synthesized ones. */
export function compositionOf(entry) {
  return compositions.get(entry);
}

/**
 * Builds everything; answers the entry files, `{ ours, naive: {careful, defaults}, levers: {lever: {uploads, downloads}}, modules }`,
 * every function's deployed bundle, `all: {uploads, downloads, deletes, health, verifier}`, and the
 * functions' settings, `deployed: {uploads: {bundle, memoryMb, architecture}, …}`. Takes ~20 s, most of it
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

  const naive = { careful: {}, defaults: {} };
  const levers = Object.fromEntries(Object.keys(LEVERS).map((lever) => [lever, {}]));
  for (const [name, entry] of Object.entries(FUNCTIONS)) {
    naive.careful[name] = await buildInto(path.join(OUT, 'naive-careful', name), entry, CAREFUL_OPTIONS, { plugins: [naiveModules] });
    naive.defaults[name] = await buildInto(path.join(OUT, 'naive-defaults', name), entry, DEFAULTS_OPTIONS, { plugins: [naiveModules] });
    if (!LEVER_FUNCTIONS.includes(name)) continue;
    for (const [lever, { options, split }] of Object.entries(LEVERS)) {
      levers[lever][name] = await buildInto(path.join(OUT, 'levers', lever, name), entry, options, { split });
    }
  }

  const modules = {};
  for (const [name, entry] of Object.entries(MODULES)) {
    modules[name] = path.join(OUT, 'modules', `${name}.mjs`);
    await esbuild.build({ ...ESBUILD_OPTIONS, entryPoints: [path.join(ROOT, entry)], outfile: modules[name] });
  }
  assertSameAsSynthesized(levers.splittingAndCredentials.uploads, ours.uploads);
  return { ours, all, naive, levers, modules, deployed };
}

/** The bench's own build of the deployed options must give the synthesized files, byte for byte. */
function assertSameAsSynthesized(rebuilt, synthesized) {
  const files = (entry) =>
    Object.fromEntries(fs.readdirSync(path.dirname(entry)).map((file) => [file, fs.readFileSync(path.join(path.dirname(entry), file))]));
  const [ours, theirs] = [files(rebuilt), files(synthesized)];
  const same =
    Object.keys(ours).length === Object.keys(theirs).length && Object.entries(ours).every(([file, code]) => theirs[file]?.equals(code));
  if (!same)
    throw new Error('bench/bundles.mjs no longer reproduces the synthesized bundle: align it with lib/construct/function-bundling.ts');
}

/**
 * The bytes of a bundle: all its files, and those Node.js reads at import (the entry and the
 * chunks it imports statically, transitively), apart from those it reads on first use (`import()`),
 * and those gzipped together.
 */
export function bundleBytes(entry) {
  const dir = path.dirname(entry);
  /** Each file read at import, by name. */
  const read = new Map();
  const visit = (file) => {
    if (read.has(file)) return;
    const bytes = fs.readFileSync(path.join(dir, file));
    read.set(file, bytes);
    for (const [, chunk] of bytes.toString('utf8').matchAll(/(?:from|import)\s*"\.\/(chunk-[A-Z0-9]+\.mjs)"/g)) visit(chunk);
  };
  visit(path.basename(entry));
  const atImport = [...read.values()];
  const files = fs.readdirSync(dir).filter((file) => /\.(m?js)$/.test(file));
  return {
    atImport: atImport.reduce((sum, bytes) => sum + bytes.length, 0),
    // The same files gzipped together: the entry alone left out the chunks it imports.
    gzipAtImport: gzipSync(Buffer.concat(atImport)).length,
    total: files.reduce((sum, file) => sum + fs.statSync(path.join(dir, file)).size, 0),
    files: files.length,
  };
}
