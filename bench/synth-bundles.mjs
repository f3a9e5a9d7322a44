/**
 * Synthesizes the CDK app into `{outdir}/cdk.out` with real bundling, as `cdk synth` does, and
 * prints, as JSON, every function of the registry (`lib/functions.ts`) by name: its bundle file (what Lambda would run, byte for byte), memory,
 * architecture and `service` dimension.
 *
 * Run with tsx (`node --import tsx bench/synth-bundles.mjs bench/out`): it imports the app's TypeScript.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { FUNCTIONS } from '../lib/functions';
import { FileServiceStack } from '../lib/stack/file-service-stack';

const cdkJson = JSON.parse(fs.readFileSync(new URL('../cdk.json', import.meta.url), 'utf8'));
const outdir = path.resolve(process.argv[2] ?? 'bench/out', 'cdk.out');
fs.rmSync(outdir, { recursive: true, force: true });

// Asset metadata names each function's bundle folder in the template, as in test/infra/bundles.test.ts.
const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true } });
// cdk.json's localhost origins: opted in, so the deploy guard does not warn over the bench's output.
const stack = new FileServiceStack(app, 'SecureFileService', { allowLocalhostOnly: true });
const assembly = app.synth();
const resources = Object.entries(assembly.getStackByName(stack.stackName).template.Resources);

const functionOf = (name) => {
  const [, { Metadata, Properties }] = resources.find(
    ([id, { Type }]) => Type === 'AWS::Lambda::Function' && id.startsWith(`FileService${name}Function`),
  );
  return {
    bundle: path.join(assembly.directory, Metadata['aws:asset:path'], 'index.mjs'),
    memoryMb: Properties.MemorySize,
    // What the metric line's `service` dimension says in this app (the construct's path).
    serviceName: Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
    architecture: Properties.Architectures[0],
  };
};
console.log(JSON.stringify(Object.fromEntries(Object.entries(FUNCTIONS).map(([name, { id }]) => [name, functionOf(id)]))));
