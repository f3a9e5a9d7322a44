#!/usr/bin/env node
/** `npm start`: the whole service on this machine. Ports and users from the environment. */
import { startLocalMode } from '../local/local-mode';
import { demoFiles } from '../local/demo-files';
import { banner } from '../local/banner';

// Lambda runs Node.js 24; on an older local Node.js the SDK's upgrade reminder is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const started = Date.now();

startLocalMode({
  apiPort: port('API_PORT', 3000),
  s3Port: port('S3_PORT', 4569),
  cognitoPort: port('COGNITO_PORT', 9229),
  dynamoDbPort: port('DYNAMODB_PORT', 4567),
  directory: process.env.LOCAL_DIR ?? '.local',
  // `name` or `name:group+group`: alice in no group, bob on the pro plan.
  users: (process.env.LOCAL_USERS ?? 'alice,bob:pro').split(',').map((entry) => {
    const [username = '', groups = ''] = entry.trim().split(':');
    return { username, password: process.env.LOCAL_PASSWORD ?? 'Passw0rd!local', groups: groups.split('+').filter(Boolean) };
  }),
  staticFiles: demoFiles,
  logRequests: true,
}).then(
  (local) => {
    console.log(banner(local, Date.now() - started));
    const shutdown = () => {
      local.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`Local mode did not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  },
  (error: unknown) => {
    console.error(`Local mode could not start: ${error instanceof Error ? error.message : String(error)}`);
    if ((error as { code?: string }).code === 'EADDRINUSE')
      console.error('A port is taken: set API_PORT, S3_PORT, COGNITO_PORT or DYNAMODB_PORT.');
    process.exit(1);
  },
);
