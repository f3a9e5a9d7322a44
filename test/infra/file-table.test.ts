import { TABLE_INDEXES, TABLE_KEYS, TABLE_TTL_ATTRIBUTE } from '../../lambdas/shared/table';
import { resourceOf, synthesize } from './synth';

const { template } = synthesize();
const TABLE = 'AWS::DynamoDB::Table';
const table = resourceOf(template, TABLE, 'FileServiceTableRecords');

describe('the file table', () => {
  it('is the only table', () => {
    expect(Object.keys(template.findResources(TABLE))).toEqual([table.id]);
  });

  it('is keyed by the string attributes the handlers and local mode use, with the byOwner index projecting everything', () => {
    expect(table.properties).toMatchObject({
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: TABLE_INDEXES.byOwner.name,
          KeySchema: [
            { AttributeName: TABLE_INDEXES.byOwner.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE_INDEXES.byOwner.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    expect(table.properties.AttributeDefinitions).toEqual(
      ['pk', 'sk', 'gsi1pk', 'gsi1sk'].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    );
  });

  it('bills on demand, so an idle service pays for storage only', () => {
    expect(table.properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.properties.ProvisionedThroughput).toBeUndefined();
  });

  it('keeps point-in-time recovery on', () => {
    expect(table.properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('is encrypted at rest with an AWS-owned key (SSEEnabled false is how CloudFormation says it)', () => {
    expect(table.properties.SSESpecification).toEqual({ SSEEnabled: false });
  });

  it('expires records by their ttl attribute', () => {
    expect(table.properties.TimeToLiveSpecification).toEqual({ AttributeName: TABLE_TTL_ATTRIBUTE, Enabled: true });
  });

  it('is retained when the stack is deleted, and protected from deletion, like the bucket', () => {
    expect(template.findResources(TABLE)[table.id]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(table.properties.DeletionProtectionEnabled).toBe(true);
  });

  it('is deleted with the stack, unprotected, when the removal policy says destroy', () => {
    const destroy = synthesize({ removalPolicy: 'destroy' }).template;
    const [resource] = Object.values(destroy.findResources(TABLE));

    expect(resource).toMatchObject({ DeletionPolicy: 'Delete' });
    expect(resource?.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('is named to every function, and output for local mode’s outputs file', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables.TABLE_NAME).toEqual({ Ref: table.id });
    }
    template.hasOutput('TableName', { Value: { Ref: table.id } });
  });
});
