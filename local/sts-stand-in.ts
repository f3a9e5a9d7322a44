/**
 * A local stand-in for STS `AssumeRole`. There is no STS on this machine: it answers with the
 * S3 emulator's own credentials, so the handlers sign exactly as deployed (same STS client,
 * same session cache, same tag) and the emulator accepts their URLs.
 *
 * It checks what the signing roles' trust policies check: a known role, and exactly one
 * session tag `userId` with a value. What IAM would do next (confine the session to
 * `users/${userId}/`) it cannot: locally the handlers' key checks enforce the prefix, and the
 * policy-simulation tests prove the IAM side.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESSION_TAG_KEY } from '../lambdas/shared/keys';

/** A running stand-in. */
export interface StsStandIn {
  /** Its URL, for `AWS_ENDPOINT_URL_STS`. */
  readonly endpoint: string;
  /** How many sessions it has handed out (the handlers cache them; benchmarks count them). */
  readonly assumeRoleCalls: () => number;
  stop(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1 (an ephemeral port unless given). */
export async function startStsStandIn(options: {
  roleArns: readonly string[];
  credentials: { accessKeyId: string; secretAccessKey: string };
  port?: number;
}): Promise<StsStandIn> {
  let calls = 0;
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const params = new URLSearchParams(body);
      const refusal = refusalOf(params, options.roleArns);
      response.setHeader('content-type', 'text/xml');
      if (refusal) {
        response.writeHead(refusal.status).end(errorXml(refusal.code, refusal.message));
        return;
      }
      calls += 1;
      const duration = Number(params.get('DurationSeconds') ?? 3600);
      response.writeHead(200).end(assumeRoleXml(params, options.credentials, new Date(Date.now() + duration * 1000)));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    assumeRoleCalls: () => calls,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function refusalOf(params: URLSearchParams, roleArns: readonly string[]) {
  if (params.get('Action') !== 'AssumeRole') {
    return { status: 400, code: 'InvalidAction', message: `The local STS stand-in only answers AssumeRole.` };
  }
  if (!roleArns.includes(params.get('RoleArn') ?? '')) {
    return { status: 403, code: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRole on this role.' };
  }
  const tagKeys = [...params.keys()].filter((name) => /^Tags\.member\.\d+\.Key$/.test(name)).map((name) => params.get(name));
  const tagValue = params.get('Tags.member.1.Value');
  if (tagKeys.length !== 1 || tagKeys[0] !== SESSION_TAG_KEY || !tagValue) {
    return { status: 403, code: 'AccessDenied', message: `The trust policy requires exactly one session tag ${SESSION_TAG_KEY}.` };
  }
  return undefined;
}

function assumeRoleXml(params: URLSearchParams, credentials: { accessKeyId: string; secretAccessKey: string }, expiration: Date): string {
  const roleName = (params.get('RoleArn') ?? '').split('/').pop();
  const sessionName = params.get('RoleSessionName') ?? 'session';
  return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId><SecretAccessKey>${credentials.secretAccessKey}</SecretAccessKey>
<SessionToken>local-session-${randomUUID()}</SessionToken><Expiration>${expiration.toISOString()}</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROALOCAL:${sessionName}</AssumedRoleId><Arn>arn:aws:sts::000000000000:assumed-role/${roleName}/${sessionName}</Arn></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}
