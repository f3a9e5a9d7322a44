/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // middy 5+ (and cognito-local's TOTP dependencies) ship ESM only: let ts-jest turn them into CommonJS like our own code.
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      { tsconfig: { module: 'commonjs', moduleResolution: 'node10', allowJs: true, rootDir: '.', ignoreDeprecations: '6.0' } },
    ],
  },
  // file-type and its tokenizers too (the verifier's magic-byte detection).
  transformIgnorePatterns: [
    '/node_modules/(?!(@middy|@scure|@noble|file-type|strtok3|token-types|@tokenizer|@borewit|uint8array-extras)/)',
  ],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  snapshotSerializers: ['<rootDir>/test/infra/asset-hash-serializer.ts'],
};
