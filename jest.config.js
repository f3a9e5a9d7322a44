/** @type {import('jest').Config} */
module.exports = {
  // Holds what the code under test writes and shows it only beside a failure (test/quiet-environment.ts).
  testEnvironment: '<rootDir>/test/quiet-environment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The construct package's test builds, packs and installs it (`npm run test:package`, run by .ci/run).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/packages/'],
  // Not tsc's module resolution, on purpose: tsc (`npm run typecheck`, one tsconfig per target) type-checks with
  // `moduleResolution: bundler`, as esbuild and tsx resolve. Jest runs CommonJS (its ESM mode is still
  // experimental), so ts-jest only transpiles each file to CommonJS (`isolatedModules`: no type-check, no
  // resolution, which tsc has done already) and jest's own resolver finds modules the way Node's `require`
  // does. middy 5+ (and cognito-local's TOTP dependencies) ship ESM only: ts-jest transpiles them too.
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      { tsconfig: { target: 'ES2022', module: 'commonjs', isolatedModules: true, allowJs: true, esModuleInterop: true, rootDir: '.' } },
    ],
  },
  // file-type and its tokenizers too (the verifier's magic-byte detection).
  transformIgnorePatterns: [
    '/node_modules/(?!(@middy|@scure|@noble|file-type|strtok3|token-types|@tokenizer|@borewit|uint8array-extras)/)',
  ],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  snapshotSerializers: ['<rootDir>/test/infra/asset-hash-serializer.ts'],
};
