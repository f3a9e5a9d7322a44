/**
 * `npm run build:construct`: the construct as the package `@secure-file-service/cdk`, in `dist/`:
 *
 * - `index.js`: `lib/index.ts` bundled as CommonJS (as aws-cdk-lib is), with the contract and the
 *   shared modules it reads inlined; aws-cdk-lib, constructs (peers) and valibot (which the
 *   settings' types are made of) stay imports;
 * - `types/`: its declarations, only those `types/lib/index.d.ts` reaches;
 * - `functions/<id>/`: every function of the registry, bundled by the very command that follows
 *   NodejsFunction's bundling at synth (`splitBundleCommand`), so an app using the package
 *   deploys the same code with no esbuild and no `.ts` entries (`lib/construct/prebuilt-bundles.ts`).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { splitBundleCommand } from '../../lib/construct/function-bundling';
import { PREBUILT_BUNDLES_FOLDER } from '../../lib/construct/prebuilt-bundles';
import { FUNCTIONS } from '../../lib/functions';
import * as manifest from './package.json';

const PACKAGE_ROOT = __dirname;
const REPOSITORY_ROOT = path.join(PACKAGE_ROOT, '..', '..');
const DIST = path.join(PACKAGE_ROOT, 'dist');
const TYPES = path.join(DIST, 'types');

/** What the bundle leaves to the consumer's install: the package's peers and dependencies. */
const EXTERNAL = [...Object.keys(manifest.peerDependencies), ...Object.keys(manifest.dependencies)].flatMap((name) => [name, `${name}/*`]);

fs.rmSync(DIST, { recursive: true, force: true });

esbuild.buildSync({
  entryPoints: [path.join(REPOSITORY_ROOT, 'lib', 'index.ts')],
  outfile: path.join(PACKAGE_ROOT, manifest.exports['.'].default),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: EXTERNAL,
  logLevel: 'warning',
});

execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(PACKAGE_ROOT, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
keepReachableDeclarations(path.join(PACKAGE_ROOT, manifest.exports['.'].types));

for (const { id, entry } of Object.values(FUNCTIONS)) {
  const [command, ...args] = splitBundleCommand(
    path.join(REPOSITORY_ROOT, 'lambdas', entry),
    path.join(PACKAGE_ROOT, PREBUILT_BUNDLES_FOLDER, id),
  );
  // In the folder NodejsFunction runs it from (its project root, where the lock file is): esbuild names chunks by
  // hashes of paths relative to it.
  execFileSync(command, args, { cwd: REPOSITORY_ROOT, stdio: 'inherit' });
}

/**
 * tsc declares every module the bundle inlined, the handlers' own helpers among them (whose
 * declarations name the handlers' dependencies); a consumer's compiler reads only what the entry
 * imports, so the rest goes.
 */
function keepReachableDeclarations(entry: string): void {
  const reachable = new Set<string>();
  const visit = (file: string) => {
    if (reachable.has(file)) return;
    reachable.add(file);
    for (const [, specifier] of fs.readFileSync(file, 'utf8').matchAll(/\bfrom\s+'(\.[^']+)'/g)) {
      visit(`${path.resolve(path.dirname(file), specifier as string)}.d.ts`);
    }
  };
  visit(entry);
  for (const file of fs.readdirSync(TYPES, { recursive: true, encoding: 'utf8' })) {
    const absolute = path.join(TYPES, file);
    if (file.endsWith('.d.ts') && !reachable.has(absolute)) fs.rmSync(absolute);
  }
}
