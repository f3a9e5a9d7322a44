/**
 * The functions as Lambda will run them: bundled by esbuild through NodejsFunction (the same
 * path as `cdk synth`), imported in a fresh Node.js process, and kept small (bundle size is
 * cold start).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import * as cdkJson from '../../cdk.json';
import { FileServiceStack } from '../../lib/stack/file-service-stack';
import { FUNCTIONS } from '../../lib/functions';
import { anApiEvent, anUploadRequest } from '../builders';
import { datapointsOf, type EmfLine } from '../emf';

// Every function carries the DynamoDB client; uploads and downloads the S3 client for their rare calls (listing,
// multipart), evaluated only on first use.
const BUDGET_BYTES: Record<string, number> = Object.fromEntries(Object.values(FUNCTIONS).map(({ id }) => [id, 650 * 1024]));

/** A request each API function refuses before calling AWS, so the bundle can answer it offline. */
const REFUSED_REQUEST: Record<string, { event: unknown; code: string }> = {
  Uploads: { event: anApiEvent({ body: anUploadRequest({ contentType: 'text/html', filename: 'a.html' }) }), code: 'UNSUPPORTED_TYPE' },
  Downloads: { event: anApiEvent({ routeKey: 'POST /downloads', body: { id: 'not-an-id' } }), code: 'INVALID_ID' },
  Deletes: {
    event: anApiEvent({ routeKey: 'DELETE /files/{id}', pathParameters: { id: 'not-an-id' } }),
    code: 'INVALID_ID',
  },
};

const FUNCTION_ENVIRONMENT = {
  BUCKET_NAME: 'files',
  AWS_REGION: 'eu-west-1',
  URL_SUFFIX: 'amazonaws.com',
  SIGNING_ROLE_ARN: 'arn:aws:iam::111122223333:role/signer',
  FILE_SERVICE_SETTINGS: '{}',
  TABLE_NAME: 'files-table',
};

const app = new App({ context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true } });
// Localhost origins, as cdk.json has them for local mode: opted in, so the deploy guard does not warn here.
const stack = new FileServiceStack(app, 'SecureFileService', { allowLocalhostOnly: true });
const assembly = app.synth();
const template = assembly.getStackByName(stack.stackName).template as {
  Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
};

function bundleOf(name: string): string {
  const [resource] = Object.entries(template.Resources).filter(
    ([id, resource]) => resource.Type === 'AWS::Lambda::Function' && id.startsWith(`FileService${name}Function`),
  );
  const assetPath = resource?.[1].Metadata?.['aws:asset:path'];
  if (!assetPath) throw new Error(`no asset for ${name}`);
  return path.join(assembly.directory, assetPath, 'index.mjs');
}

/** The functions whose bundle holds no S3 client at all, not even a chunk read on first use: their S3 calls are presigned requests. */
const WITHOUT_S3_CLIENT = ['Deletes', 'Health'];

it.each(WITHOUT_S3_CLIENT)('the %s bundle holds no S3 client, in any of its files', (name) => {
  const directory = path.dirname(bundleOf(name));
  const code = fs.readdirSync(directory).map((file) => fs.readFileSync(path.join(directory, file), 'utf8'));
  // Strings only the S3 client carries: its commands' names. The uploads bundle has them, in a chunk.
  const uploads = path.dirname(bundleOf('Uploads'));
  const uploadsCode = fs.readdirSync(uploads).map((file) => fs.readFileSync(path.join(uploads, file), 'utf8'));

  expect(code.some((file) => file.includes('ListObjectsV2'))).toBe(false);
  expect(uploadsCode.some((file) => file.includes('ListObjectsV2'))).toBe(true);
});

describe.each(Object.keys(BUDGET_BYTES))('the %s bundle', (name) => {
  const bundle = bundleOf(name);

  it('is a minified ES module within its size budget', () => {
    const code = fs.readFileSync(bundle, 'utf8');

    expect(code).toMatch(/\bexport\s*\{/);
    // Minified: a handful of very long lines (the rest are newlines inside template strings).
    expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
    expect(fs.statSync(bundle).size).toBeLessThan(BUDGET_BYTES[name] ?? 0);
  });

  it('starts in a fresh Node.js process and exports its handler', () => {
    const output = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(bundle)}); console.log(typeof m.handler);`],
      {
        env: { ...process.env, ...FUNCTION_ENVIRONMENT },
        encoding: 'utf8',
      },
    );

    expect(output.trim()).toBe('function');
  });

  it('fails at start, naming the variable, when its configuration is missing', () => {
    // Only the message, as Lambda reports it: Node's own report quotes the minified source line, hundreds of kB
    // that a pipe may cut before the message.
    const importReportingMessage = `await import(${JSON.stringify(bundle)}).catch((error) => { console.error(error.message); process.exit(1); });`;
    const run = () =>
      execFileSync(process.execPath, ['--input-type=module', '-e', importReportingMessage], {
        env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        encoding: 'utf8',
        stdio: 'pipe',
      });

    expect(run).toThrow(/BUCKET_NAME must be set/);
  });

  // Health and the verifier refuse nothing offline (every answer of theirs follows a call to AWS): no such case for them.
  const refused = REFUSED_REQUEST[name];
  if (!refused) return;

  it('prints its metrics as EMF lines that parse, a cold start first', () => {
    const { event, code } = refused;
    const invoke = `const m = await import(${JSON.stringify(bundle)}); await m.handler(JSON.parse(process.env.EVENT), { functionName: 'fn' });`;

    const output = execFileSync(process.execPath, ['--input-type=module', '-e', invoke], {
      env: {
        ...process.env,
        ...FUNCTION_ENVIRONMENT,
        POWERTOOLS_SERVICE_NAME: 'bundled',
        // What Lambda sets in an on-demand instance; Powertools counts cold starts only there.
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        EVENT: JSON.stringify(event),
      },
      encoding: 'utf8',
    });

    const lines = output.trim().split('\n');
    const datapoints = lines.flatMap((line) => datapointsOf(JSON.parse(line) as EmfLine));
    expect(datapoints[0]).toMatchObject({ metric: 'ColdStart', dimensions: { service: 'bundled', function_name: 'fn' } });
    expect(datapoints).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ namespace: 'SecureFileService', metric: 'Refusals', dimensions: { service: 'bundled', code } }),
      ]),
    );
  });
});
