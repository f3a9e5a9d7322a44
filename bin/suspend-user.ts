/**
 * The operator's command to suspend a user (not a route: nobody reaches it through the API).
 *
 *   npx tsx bin/suspend-user.ts suspend   <sub> --table <name> --reason "<why>" [--region r] [--endpoint url]
 *   npx tsx bin/suspend-user.ts reinstate <sub> --table <name>
 *   npx tsx bin/suspend-user.ts status    <sub> --table <name>
 *   npx tsx bin/suspend-user.ts denies    <sub> --bucket-arn <arn> [--revoke-before <ISO time>]
 *
 * `suspend` writes the user's suspension item: every signing route refuses them (403 SUSPENDED)
 * from their next request, and downloads of their files by others stop. URLs issued before it
 * live until they expire; `denies` prints the emergency statements SECURITY.md explains, which
 * stop those too. Credentials come from the usual AWS chain (the operator's, with
 * `dynamodb:PutItem`/`GetItem`/`DeleteItem` on the table); local mode: `--endpoint http://127.0.0.1:4567`.
 */
import { parseArgs } from 'node:util';
import { createDynamoDbClient } from '../lambdas/shared/records';
import { tableSuspensions } from '../lambdas/shared/suspensions';
import { sessionsIssuedBeforeDeny, suspendedUserBucketDenies } from '../lib/operations/emergency-denies';
import { runCommand } from './run-command';

const USAGE = 'usage: suspend-user.ts suspend|reinstate|status|denies <sub> [--table name] [--reason why] [--bucket-arn arn]';
const SUB = /^[A-Za-z0-9-]{1,128}$/;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      reason: { type: 'string' },
      region: { type: 'string', default: process.env.AWS_REGION ?? 'eu-west-1' },
      endpoint: { type: 'string' },
      'bucket-arn': { type: 'string' },
      'revoke-before': { type: 'string' },
    },
  });
  const [command, sub] = positionals;
  if (!command || !sub || !SUB.test(sub)) return fail(USAGE);
  if (command === 'denies') {
    const bucketArn = values['bucket-arn'];
    if (!bucketArn) return fail('denies needs --bucket-arn');
    const revokeBefore = values['revoke-before'] ? new Date(values['revoke-before']) : undefined;
    if (revokeBefore && Number.isNaN(revokeBefore.getTime())) return fail('--revoke-before must be an ISO 8601 time');
    const statements = {
      bucketPolicyStatements: suspendedUserBucketDenies(bucketArn, sub),
      ...(revokeBefore && { signingRoleStatement: sessionsIssuedBeforeDeny(revokeBefore) }),
    };
    process.stdout.write(`${JSON.stringify(statements, undefined, 2)}\n`);
    return 0;
  }
  if (!values.table) return fail(`${command} needs --table`);
  const suspensions = tableSuspensions(createDynamoDbClient(values.region, values.endpoint), values.table);
  switch (command) {
    case 'suspend':
      if (!values.reason) return fail('suspend needs --reason (it is kept with the suspension)');
      await suspensions.suspend({ sub, suspendedAt: new Date().toISOString(), reason: values.reason });
      process.stdout.write(`suspended ${sub}\n`);
      return 0;
    case 'reinstate':
      process.stdout.write((await suspensions.reinstate(sub)) ? `reinstated ${sub}\n` : `${sub} was not suspended\n`);
      return 0;
    case 'status': {
      const suspension = await suspensions.find(sub);
      process.stdout.write(suspension ? `${JSON.stringify(suspension)}\n` : `${sub} is not suspended\n`);
      return 0;
    }
    default:
      return fail(USAGE);
  }
}

function fail(message: string): number {
  process.stderr.write(`${message}\n`);
  return 2;
}

runCommand(main);
