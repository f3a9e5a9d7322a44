/**
 * The IAM side of local mode: the policies AWS would enforce, taken from the CloudFormation the
 * CDK app synthesizes for the limits local mode runs with, so local S3 refuses what IAM and the
 * bucket policy would refuse rather than what we think they would.
 *
 * Extraction is generic: every role another principal may `sts:AssumeRole` (the signing roles,
 * whatever their number), named by the Lambda environment variable that hands its ARN to a
 * handler, with every inline and attached policy; and the files bucket's policy. Synthesis
 * loads the whole CDK library (seconds), so the result is cached under `.local/` keyed by a
 * hash of everything it is made from.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileServiceSettings } from '../lambdas/shared/settings';

/** An IAM policy document, as IAM reads it. */
interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly unknown[];
}

/** A role the STS stand-in may hand out sessions of. */
interface AssumableRole {
  /** The logical id in the template, e.g. `FileServiceUploadsSigningRole1A2B3C4D`. */
  readonly logicalId: string;
  /** Its local ARN. */
  readonly arn: string;
  /** The logical id of the function whose environment hands it this ARN (`FileServiceUploadsFunction…`). */
  readonly usedBy: string;
  /** Its longest session, in seconds. */
  readonly maxSessionSeconds: number;
  /** Every identity policy of the role: inline ones and `AWS::IAM::Policy` resources attached to it. */
  readonly policies: readonly { readonly name: string; readonly document: PolicyDocument }[];
}

/** What local S3 evaluates requests against. */
export interface LocalPolicies {
  readonly account: string;
  readonly bucket: string;
  readonly roles: readonly AssumableRole[];
  /** The files bucket's policy; an empty one when the template has none. */
  readonly bucketPolicy: PolicyDocument;
}

/** Where and for what the policies are made. */
export interface LocalPoliciesOptions {
  /** The settings local mode runs with (lifetimes and read access shape the policies). */
  readonly settings: FileServiceSettings;
  readonly bucket: string;
  readonly account: string;
  /** The cache folder. @default `.local/policy-cache` at the repository root */
  readonly cacheDirectory?: string;
}

const REPOSITORY = path.join(__dirname, '..');
/**
 * The settings that shape the roles' and the bucket's policies, by their context names (the
 * settings schema's): read access picks the readable prefix, the lifetimes the signature age.
 * Origins, sizes and types shape CORS and the handlers, not IAM: leaving them out of the
 * synthesis keeps one cache entry for every port and size tests run with.
 */
const POLICY_LIMITS = [
  'readAccess',
  'uploadUrlTtlSeconds',
  'downloadUrlTtlSeconds',
  'maxDownloadUrlTtlSeconds',
] as const satisfies readonly (keyof FileServiceSettings)[];

/** The synthesized policies, from the cache when nothing they are made from changed. */
export async function localPolicies(options: LocalPoliciesOptions): Promise<LocalPolicies & { readonly cached: boolean }> {
  const cacheDirectory = options.cacheDirectory ?? path.join(REPOSITORY, '.local', 'policy-cache');
  const context = { ...cdkJsonContext(), ...Object.fromEntries(POLICY_LIMITS.map((name) => [name, options.settings[name]])) };
  const file = path.join(cacheDirectory, `${inputsHash(context, options)}.json`);
  try {
    return { ...(JSON.parse(fs.readFileSync(file, 'utf8')) as LocalPolicies), cached: true };
  } catch {
    // Not cached yet (or unreadable): synthesize below.
  }
  const template = await synthesizedTemplate(context);
  const policies = policiesOfTemplate(template, options.bucket, options.account);
  fs.mkdirSync(cacheDirectory, { recursive: true });
  // Written whole and renamed, so a reader in another process never sees half a file.
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, JSON.stringify(policies));
  fs.renameSync(partial, file);
  return { ...policies, cached: false };
}

/** A hash of the context, the code the template is made from, and the CDK library's version. */
function inputsHash(context: Record<string, unknown>, options: LocalPoliciesOptions): string {
  const hash = createHash('sha256').update(JSON.stringify({ context, bucket: options.bucket, account: options.account }));
  for (const folder of ['lib', path.join('lambdas', 'shared'), 'local/policies.ts']) {
    for (const file of filesUnder(path.join(REPOSITORY, folder))) hash.update(file).update(fs.readFileSync(file));
  }
  const cdkPackage = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf8')) as { version: string };
  return hash.update(cdkPackage.version).digest('hex').slice(0, 32);
}

function filesUnder(entry: string): string[] {
  if (!fs.statSync(entry).isDirectory()) return [entry];
  return fs
    .readdirSync(entry)
    .sort()
    .flatMap((name) => filesUnder(path.join(entry, name)));
}

function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(REPOSITORY, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

type Template = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** Synthesizes the app as bin/app.ts does, without bundling (only the policies matter here). */
async function synthesizedTemplate(context: Record<string, unknown>): Promise<Template> {
  const { createApp } = await import('../lib/app');
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-synth-'));
  // Local mode's origins are localhost by nature: opted in, as the infra tests do.
  const { app, stack } = createApp({
    context: { ...context, allowLocalhostOnly: 'true', 'aws:cdk:bundling-stacks': [] },
    nag: false,
    outdir,
  });
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as Template;
  fs.rmSync(assembly.directory, { recursive: true, force: true });
  return template;
}

/**
 * The assumable roles and the bucket policy of a synthesized template, with intrinsics resolved
 * to local names. Exported for tests.
 */
export function policiesOfTemplate(template: Template, bucket: string, account: string): LocalPolicies {
  const resources = template.Resources ?? {};
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const roleArn = (logicalId: string) => `arn:aws:iam::${account}:role/${logicalId}`;
  const buckets = ofType('AWS::S3::Bucket');
  const filesBucket = buckets.find(([id]) => /Files/.test(id)) ?? buckets[0];
  const names: Record<string, string> = filesBucket ? { [filesBucket[0]]: bucket } : {};
  const arns: Record<string, string> = filesBucket ? { [filesBucket[0]]: `arn:aws:s3:::${bucket}` } : {};
  for (const [id] of ofType('AWS::IAM::Role')) arns[id] = roleArn(id);
  const resolve = (value: unknown) => resolveIntrinsics(value, { names, arns, account });

  const users = new Map<string, string>();
  for (const [functionId, fn] of ofType('AWS::Lambda::Function')) {
    const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    for (const value of Object.values(variables)) {
      const target = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (target?.[1] === 'Arn' && resources[target[0]]?.Type === 'AWS::IAM::Role') users.set(target[0], functionId);
    }
  }

  const attached = ofType('AWS::IAM::Policy');
  const roles = ofType('AWS::IAM::Role')
    .filter(([, role]) => assumableByPrincipals(role.Properties?.AssumeRolePolicyDocument))
    .map(([logicalId, role]): AssumableRole => {
      const inline = ((role.Properties?.Policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[]).map((policy) => ({
        name: policy.PolicyName,
        document: resolve(policy.PolicyDocument) as PolicyDocument,
      }));
      const others = attached
        .filter(([, policy]) => ((policy.Properties?.Roles ?? []) as { Ref?: string }[]).some((ref) => ref.Ref === logicalId))
        .map(([id, policy]) => ({ name: id, document: resolve(policy.Properties?.PolicyDocument) as PolicyDocument }));
      return {
        logicalId,
        arn: roleArn(logicalId),
        usedBy: users.get(logicalId) ?? '',
        maxSessionSeconds: Number(role.Properties?.MaxSessionDuration ?? 3600),
        policies: [...inline, ...others],
      };
    });

  const bucketPolicy = ofType('AWS::S3::BucketPolicy').find(
    ([, policy]) => filesBucket && (policy.Properties?.Bucket as { Ref?: string } | undefined)?.Ref === filesBucket[0],
  );
  return {
    account,
    bucket,
    roles,
    bucketPolicy: bucketPolicy
      ? (resolve(bucketPolicy[1].Properties?.PolicyDocument) as PolicyDocument)
      : { Version: '2012-10-17', Statement: [] },
  };
}

/** Roles a principal (not a service) may assume: the ones STS hands out sessions of. */
function assumableByPrincipals(document: unknown): boolean {
  const statements = ((document as { Statement?: unknown[] } | undefined)?.Statement ?? []) as {
    Effect?: string;
    Action?: string | string[];
    Principal?: { AWS?: unknown };
  }[];
  return statements.some(
    (statement) => statement.Effect === 'Allow' && [statement.Action].flat().includes('sts:AssumeRole') && statement.Principal?.AWS,
  );
}

/** Replaces CloudFormation intrinsics with concrete local values, as a deployment would. */
function resolveIntrinsics(
  value: unknown,
  local: { names: Record<string, string>; arns: Record<string, string>; account: string },
): unknown {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::AccountId': local.account,
    'AWS::Region': 'us-east-1',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, local));
  if (!value || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if ('Ref' in object) {
    const name = String(object.Ref);
    return pseudo[name] ?? local.names[name] ?? `unresolved:${name}`;
  }
  if ('Fn::GetAtt' in object) {
    const [id = '', attribute] = object['Fn::GetAtt'] as string[];
    return attribute === 'Arn' ? (local.arns[id] ?? `unresolved:${id}`) : `unresolved:${id}.${attribute}`;
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return (resolveIntrinsics(parts, local) as string[]).join(separator);
  }
  return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, resolveIntrinsics(item, local)]));
}
