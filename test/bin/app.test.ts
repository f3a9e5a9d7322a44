/** `bin/app.ts` as the CDK CLI runs it: a Node.js process given the context in its environment, writing the cloud assembly. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as cdkJson from '../../cdk.json';
import { templateOf } from '../infra/synth';

jest.setTimeout(120_000);

const root = path.join(__dirname, '..', '..');
let outdir: string;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-service-app-'));
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

it('synthesizes, cdk-nag passing, the template the infra tests check', async () => {
  // The infra tests opt in to localhost-only origins (cdk.json's), as a local `cdk synth -c allowLocalhostOnly=true` would.
  const context = {
    ...cdkJson.context,
    allowLocalhostOnly: 'true',
    'aws:cdk:bundling-stacks': [],
    '@aws-cdk/core:validationReportJson': true,
  };

  await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'bin', 'app.ts')], {
    cwd: root,
    // What `cdk synth` hands its app (without bundling: the template is the point here).
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
  });

  const written = JSON.parse(fs.readFileSync(path.join(outdir, 'SecureFileService.template.json'), 'utf8')) as unknown;
  expect(written).toEqual(templateOf().toJSON());
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
  };
  expect(report.pluginReports).toEqual([expect.objectContaining({ pluginName: 'AwsSolutions', conclusion: 'success', violations: [] })]);
});
