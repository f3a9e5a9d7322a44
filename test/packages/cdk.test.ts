/**
 * The construct as another CDK app uses it (`npm run test:package`): `npm run build:construct`,
 * `npm pack`, the tarball installed into a scratch app in a temporary folder (aws-cdk-lib,
 * constructs, valibot and cdk-nag installed from this repository's node_modules: no network), a
 * TypeScript consumer with its own user pool compiled against the package's declarations and
 * synthesized offline with cdk-nag and none of this repository's feature flags: the README's example. The same stack,
 * built from `lib/` through NodejsFunction, is the reference its template and bundles must equal.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { FUNCTIONS } from '../../lib/functions';
import { SecureFileService } from '../../lib';
import * as rootManifest from '../../package.json';
import * as packageManifest from '../../packages/cdk/package.json';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const PACKAGE_ROOT = path.join(ROOT, 'packages', 'cdk');
const NODE_MODULES = path.join(ROOT, 'node_modules');
/** What the consumer installs beside the tarball, from this repository's node_modules. */
const LOCAL_PACKAGES = ['aws-cdk-lib', 'constructs', 'valibot', 'cdk-nag'];

/** The consumer: the README's example, as its author would write it (a pool of its own, held to cdk-nag's rules). */
const CONSUMER_APP = (() => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it in your own CDK app'));
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!example?.includes('new SecureFileService(')) throw new Error('README: no example under "Use it in your own CDK app"');
  return example;
})();
/** The README's stack. */
const STACK_NAME = 'MyApp';

/** The consumer's stack built from this repository's sources, as `CONSUMER_APP` builds it from the package. */
function referenceStack(outdir: string): App {
  const app = new App({ outdir });
  const stack = new Stack(app, STACK_NAME);
  const userPool = new cognito.UserPool(stack, 'Users', {
    featurePlan: cognito.FeaturePlan.PLUS,
    mfa: cognito.Mfa.REQUIRED,
    mfaSecondFactor: { otp: true, sms: false },
    passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
  });
  const webClient = userPool.addClient('Web', { authFlows: { userSrp: true }, disableOAuth: true });
  const files = new SecureFileService(stack, 'Files', {
    userPool,
    userPoolClients: [webClient],
    settings: { allowedOrigins: ['https://app.example.com'] },
  });
  new CfnOutput(stack, 'ApiUrl', { value: files.apiUrl });
  return app;
}

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** Every file below a folder, by its path relative to it, with its contents. */
function filesUnder(directory: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(directory, { recursive: true, encoding: 'utf8' })
      .filter((file) => fs.statSync(path.join(directory, file)).isFile())
      .sort()
      .map((file) => [file, fs.readFileSync(path.join(directory, file), 'utf8')]),
  );
}

/** Each function's deployed code (the asset its `S3Key` names), by function id. */
function deployedBundles(assemblyDirectory: string): Record<string, Record<string, string>> {
  const template = JSON.parse(fs.readFileSync(path.join(assemblyDirectory, `${STACK_NAME}.template.json`), 'utf8')) as Template;
  const assets = JSON.parse(fs.readFileSync(path.join(assemblyDirectory, `${STACK_NAME}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
  };
  const sourceOf = (key: string) =>
    Object.values(assets.files).find(({ destinations }) => Object.values(destinations).some(({ objectKey }) => objectKey === key))?.source
      .path;
  return Object.fromEntries(
    Object.values(FUNCTIONS).map(({ id }) => {
      const [, resource] =
        Object.entries(template.Resources).find(
          ([logicalId, { Type }]) => Type === 'AWS::Lambda::Function' && logicalId.startsWith(`Files${id}Function`),
        ) ?? [];
      const key = (resource?.Properties.Code as { S3Key?: string } | undefined)?.S3Key ?? '';
      return [id, filesUnder(path.join(assemblyDirectory, sourceOf(key) ?? `no asset for ${id}`))];
    }),
  );
}

/** A template with its asset hashes masked: they name the same code through different staging. */
const withoutAssetHashes = (file: string) => fs.readFileSync(file, 'utf8').replace(/[0-9a-f]{64}/g, '[ASSET HASH]');

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'construct-consumer-'));
const referenceOutdir = path.join(scratch, 'reference.out');
let packed: PackResult;
let compilerOutput: string;

beforeAll(async () => {
  await run('npm', ['run', '--silent', 'build:construct'], { cwd: ROOT });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: PACKAGE_ROOT });
  [packed] = JSON.parse(stdout) as [PackResult];

  fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  fs.writeFileSync(path.join(scratch, 'app.ts'), CONSUMER_APP);
  fs.writeFileSync(
    path.join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'ES2022',
        strict: true,
        skipLibCheck: true,
        types: [],
        outDir: 'out',
      },
      files: ['app.ts'],
    }),
  );
  await run(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      path.join(scratch, packed.filename),
      ...LOCAL_PACKAGES.map((name) => path.join(NODE_MODULES, name)),
    ],
    { cwd: scratch },
  );

  // The consumer compiles in another process while this one bundles the reference through NodejsFunction.
  const compiled = run(process.execPath, [path.join(NODE_MODULES, 'typescript', 'bin', 'tsc'), '-p', scratch], { cwd: scratch }).then(
    ({ stdout: output }) => output,
    // tsc reports type errors on stdout; anything else (it did not start) is in the message.
    (error: Error & { stdout?: string }) => error.stdout || error.message,
  );
  referenceStack(referenceOutdir).synth();
  compilerOutput = await compiled;
  // What `cdk synth` would pass the app (and nothing else of the CDK CLI's from whatever runs the tests): where the
  // assembly goes, and the context that writes cdk-nag's findings to a report.
  const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CDK_')));
  await run(process.execPath, [path.join('out', 'app.js')], {
    cwd: scratch,
    env: {
      ...environment,
      CDK_OUTDIR: path.join(scratch, 'cdk.out'),
      CDK_CONTEXT_JSON: JSON.stringify({ '@aws-cdk/core:validationReportJson': true }),
    },
  });
}, 300_000);

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('the construct package', () => {
  it('packs the compiled construct, its declarations and one bundle per function, and no TypeScript source', () => {
    const files = packed.files.map(({ path: file }) => file);

    expect(files.filter((file) => file !== 'package.json' && !file.startsWith('dist/'))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/types/lib/index.d.ts']));
    expect(files).toEqual(expect.arrayContaining(Object.values(FUNCTIONS).map(({ id }) => `dist/functions/${id}/index.mjs`)));
    // The bundles are most of it: each function carries its own tree-shaken SDK.
    expect(packed.size).toBeLessThan(1024 * 1024);
  });

  it('names aws-cdk-lib and constructs as peers, and valibot as its one dependency, in the ranges this repository uses', () => {
    const { dependencies } = rootManifest;

    expect(packageManifest.peerDependencies).toEqual({ 'aws-cdk-lib': dependencies['aws-cdk-lib'], constructs: dependencies.constructs });
    expect(packageManifest.dependencies).toEqual({ valibot: dependencies.valibot });
  });

  it('type-checks a consumer passing its own user pool against the declarations, under nodenext resolution', () => {
    expect(compilerOutput).toBe('');
  });

  it('synthesizes the consumer offline with zero unacknowledged cdk-nag findings', () => {
    const report = JSON.parse(fs.readFileSync(path.join(scratch, 'cdk.out', 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[]; suppressedViolations: unknown[] }[];
    };

    expect(report.pluginReports).toEqual([expect.objectContaining({ pluginName: 'AwsSolutions', conclusion: 'success', violations: [] })]);
    // The construct's own acknowledgements travelled with it (the checks did run).
    expect(report.pluginReports[0]?.suppressedViolations.length).toBeGreaterThan(0);
  });

  it('deploys each function from its pre-built bundle, the same files NodejsFunction builds from the sources', () => {
    const fromPackage = deployedBundles(path.join(scratch, 'cdk.out'));
    const fromSources = deployedBundles(referenceOutdir);

    for (const { id } of Object.values(FUNCTIONS)) {
      expect(Object.keys(fromPackage[id] ?? {})).toContain('index.mjs');
      expect(fromPackage[id]).toEqual(filesUnder(path.join(PACKAGE_ROOT, 'dist', 'functions', id)));
    }
    expect(fromPackage).toEqual(fromSources);
  });

  it('synthesizes the template the construct synthesizes from the sources, asset hashes aside', () => {
    const fromPackage = withoutAssetHashes(path.join(scratch, 'cdk.out', `${STACK_NAME}.template.json`));
    const fromSources = withoutAssetHashes(path.join(referenceOutdir, `${STACK_NAME}.template.json`));

    expect(JSON.parse(fromPackage)).toEqual(JSON.parse(fromSources));
  });
});
