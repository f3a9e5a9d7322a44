/** What `npm start` prints once everything listens: where things are, who can sign in, what to try. */
import * as path from 'node:path';
import type { LocalMode } from './local-mode';

export function banner(local: LocalMode, startupMs: number): string {
  const { outputs, users } = local;
  const demo = outputs.ApiUrl.replace('127.0.0.1', 'localhost');
  const [first] = users;
  return `
Secure file service: local mode is up (${(startupMs / 1000).toFixed(1)} s)

  Demo page     ${demo}/
  API           ${outputs.ApiUrl}
  S3 emulator   ${outputs.S3Endpoint}   bucket ${outputs.BucketName}
  Cognito       ${outputs.CognitoEndpoint}   pool ${outputs.UserPoolId}, client ${outputs.UserPoolClientId}
  Outputs       ${path.relative(process.cwd(), path.resolve(process.env.LOCAL_DIR ?? '.local', 'outputs.json'))}

  Users         ${users.map((user) => user.username).join(', ')}   password ${first?.password ?? ''}

Try it: open the demo page and sign in, or see README "Local mode" for curl.
Locally a stand-in answers STS: IAM's per-user prefix is enforced by the handlers' code here
(and proven against the real policies by the IAM simulation tests). Ctrl-C stops everything.
`;
}
