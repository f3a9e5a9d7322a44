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
Local S3 checks every request's signature and evaluates it against the synthesized IAM and
bucket policies of the STS session that signed it, as AWS would. Ctrl-C stops everything.
`;
}
