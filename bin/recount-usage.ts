/**
 * The operator's command to recompute a user's storage usage from their file records (not a
 * route: nobody reaches it through the API). Files stored before quotas were enabled are in no
 * counter until it runs for their owner; it is safe to run again (`lib/operations/usage-recount.ts`).
 *
 *   npx tsx bin/recount-usage.ts <sub> --table <name> [--region r] [--endpoint url]
 *
 * Credentials come from the usual AWS chain (the operator's, with `dynamodb:Query` on the
 * table's `byOwner` index and `GetItem`/`PutItem`/`UpdateItem` on the table); local mode:
 * `--endpoint http://127.0.0.1:4567`.
 */
import { parseArgs } from 'node:util';
import { recountUsage } from '../lib/operations/usage-recount';
import { createDynamoDbClient } from '../lambdas/shared/records';
import { runCommand } from './run-command';

const USAGE = 'usage: recount-usage.ts <sub> --table name [--region r] [--endpoint url]';
const SUB = /^[A-Za-z0-9-]{1,128}$/;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      region: { type: 'string', default: process.env.AWS_REGION ?? 'eu-west-1' },
      endpoint: { type: 'string' },
    },
  });
  const [sub] = positionals;
  if (!sub || !SUB.test(sub) || !values.table) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { before, after, newlyCounted } = await recountUsage(
    createDynamoDbClient(values.region, values.endpoint),
    values.table,
    sub,
    new Date(),
  );
  const figures = ({ entries: _, ...counters }: typeof before) => counters;
  process.stdout.write(`${JSON.stringify({ sub, newlyCounted, before: figures(before), after: figures(after) })}\n`);
  return 0;
}

runCommand(main);
