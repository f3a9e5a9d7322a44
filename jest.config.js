/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // middy 5+ ships ESM only: let ts-jest turn it into CommonJS like our own code.
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      { tsconfig: { module: 'commonjs', moduleResolution: 'node10', allowJs: true, rootDir: '.', ignoreDeprecations: '6.0' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  snapshotSerializers: ['<rootDir>/test/infra/asset-hash-serializer.ts'],
};
