import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { FileServiceSettings } from '../../lambdas/shared/settings';
import { TABLE_INDEXES, TABLE_KEYS, TABLE_TTL_ATTRIBUTE } from '../../lambdas/shared/table';
import type { TableAccess } from '../functions';

/** Properties of a `FileTable`. */
export interface FileTableProps {
  /** The settings whose removal policy the table follows. */
  readonly settings: FileServiceSettings;
}

/**
 * The IAM actions of each kind of table access, named one by one. Transactions need no actions
 * of their own: IAM authorizes each item of a `TransactWriteItems` as its put, update, delete or
 * condition check. No batch writes: every write is conditional, which a batch cannot be.
 */
const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
  describe: ['dynamodb:DescribeTable'],
};

/**
 * The file table: one record per file from the moment a URL is issued, and the per-user items
 * (usage, rate windows). On-demand, so an idle service costs nothing but storage; point-in-time
 * recovery on; encrypted with an AWS-owned key (free, and no KMS request on every read and write,
 * which an AWS-managed key would add to the bill and to the latency); records of uploads that
 * never arrive expire by TTL. Retained with deletion protection unless the settings say destroy,
 * like the bucket whose objects it describes.
 */
export class FileTable extends Construct {
  /** The table. */
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: FileTableProps) {
    super(scope, id);
    const retained = props.settings.removalPolicy === 'retain';
    const key = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });

    this.table = new dynamodb.Table(this, 'Records', {
      partitionKey: key(TABLE_KEYS.partitionKey),
      sortKey: key(TABLE_KEYS.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.DEFAULT,
      timeToLiveAttribute: TABLE_TTL_ATTRIBUTE,
      deletionProtection: retained,
      removalPolicy: retained ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const { byOwner } = TABLE_INDEXES;
    this.table.addGlobalSecondaryIndex({
      indexName: byOwner.name,
      partitionKey: key(byOwner.partitionKey),
      sortKey: key(byOwner.sortKey),
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /** The statements that give a function `access` to the table: the table and its index by name, no wildcard. */
  statementsFor(access: TableAccess): iam.PolicyStatement[] {
    if (access === 'describe') {
      return [new iam.PolicyStatement({ sid: 'DescribeTable', actions: [...TABLE_ACTIONS.describe], resources: [this.table.tableArn] })];
    }
    return [
      new iam.PolicyStatement({ sid: 'ReadWriteRecords', actions: [...TABLE_ACTIONS.readWrite], resources: [this.table.tableArn] }),
      new iam.PolicyStatement({
        sid: 'ListRecordsByOwner',
        actions: ['dynamodb:Query'],
        resources: [`${this.table.tableArn}/index/${TABLE_INDEXES.byOwner.name}`],
      }),
    ];
  }
}
