/**
 * Snapshot serializer that masks asset hashes (64 hex characters): they change with the
 * checkout's folder and the bundler's version even when nothing that matters changed.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;

const serializer: jest.SnapshotSerializerPlugin = {
  test: (value) => typeof value === 'string' && /[0-9a-f]{64}/.test(value),
  serialize: (value: string) => JSON.stringify(value.replace(ASSET_HASH, '[ASSET HASH]')),
};

export = serializer;
