/**
 * How every function is bundled, in one place: the esbuild options (which `bench/bundles.mjs`
 * reuses to build the same bundles outside the CDK) and the NodejsFunction bundling made of them.
 */
import * as path from 'node:path';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Gives the bundle's CommonJS parts the `require` an ES module lacks. */
const ESM_REQUIRE_BANNER = "import{createRequire as __createRequire}from'node:module';const require=__createRequire(import.meta.url);";

/** The repository's root, where `lambdas/` is. */
const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** Where the SDK's default credential chain is replaced by the environment's (why it is safe: that module's comment). */
const ENVIRONMENT_CREDENTIALS = 'lambdas/shared/environment-credentials.ts';

/** The re-bundle with code splitting that follows NodejsFunction's own (`split-bundle.mjs`). */
const SPLIT_BUNDLE_SCRIPT = path.join(__dirname, 'split-bundle.mjs');

/**
 * The esbuild options of every function: minified ESM with the AWS SDK inside, preferring
 * packages' ESM builds (`module`) so esbuild can drop what we do not use, and the SDK's default
 * credential chain aliased to the environment provider. Bundle size is cold start.
 * `projectRoot` is where `lambdas/` is (`bench/bundles.mjs` passes its own: it runs as ESM).
 */
export function esbuildOptions(projectRoot: string = PROJECT_ROOT) {
  return { ...ESBUILD_BASE, alias: { '@aws-sdk/credential-provider-node': path.join(projectRoot, ENVIRONMENT_CREDENTIALS) } };
}

const ESBUILD_BASE = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  mainFields: ['module', 'main'],
  // CommonJS dependencies inside the ES module still `require` Node's built-ins (file-type → strtok3 → debug →
  // supports-color requires `tty`): without a `require` in scope the verifier's bundle throws at import.
  banner: { js: ESM_REQUIRE_BANNER },
  logLevel: 'warning',
} as const;

/**
 * The same as NodejsFunction bundling options, with the split re-bundle after it: that one writes
 * what Lambda runs (the credentials alias included); NodejsFunction's own single file is replaced.
 */
export function functionBundling(entry: string): BundlingOptions {
  const encoded = Buffer.from(JSON.stringify(esbuildOptions()), 'utf8').toString('base64url');
  return {
    format: OutputFormat.ESM,
    minify: true,
    sourceMap: false,
    target: ESBUILD_BASE.target,
    mainFields: [...ESBUILD_BASE.mainFields],
    banner: ESM_REQUIRE_BANNER,
    // The runtime's own SDK is a different version, loaded whole; ours is tree-shaken.
    bundleAwsSDK: true,
    logLevel: LogLevel.WARNING,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir, outputDir) => [
        [process.execPath, SPLIT_BUNDLE_SCRIPT, path.resolve(entry), outputDir, encoded].map((word) => JSON.stringify(word)).join(' '),
      ],
    },
  };
}
