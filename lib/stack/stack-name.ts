/** The stack's name: `bin/app.ts` deploys under it, and `cdk deploy --outputs-file` (and local mode) files outputs under it. */
export const STACK_NAME = 'SecureFileService';
