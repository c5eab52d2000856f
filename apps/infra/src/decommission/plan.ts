import type { Names } from '../names';
import type { Settings } from '../settings';

/** One step of the seed's decommissioning checklist (§20), as Gen3D's stacks carry it out. */
export type DecommissionStep =
  | { readonly kind: 'export'; readonly bucket: string; readonly to: string }
  | { readonly kind: 'notifications'; readonly bucket: string }
  | { readonly kind: 'destroy'; readonly stacks: readonly string[] }
  | { readonly kind: 'ecr'; readonly repository: string }
  | { readonly kind: 'empty-bucket'; readonly bucket: string }
  | { readonly kind: 'log-groups'; readonly groups: readonly string[] }
  | { readonly kind: 'secrets'; readonly secrets: readonly string[] };

export interface PlannedStep {
  /** The seed §20 items this step carries out. */
  readonly items: readonly number[];
  readonly title: string;
  readonly step: DecommissionStep;
}

/** What the data bucket holds that is not user data: the web site's files (public/). */
export const NOT_USER_DATA_PREFIXES = ['public/'] as const;

/**
 * The seed's twelve items in its order, mapped onto the stacks: a stack's destroy removes its functions, roles and
 * policies (item 10) and, for the notify stack, the SES identities (item 11). Kept resources (buckets, the image
 * repository, log groups, secrets) are removed by name after their stacks are gone.
 */
export function decommissionPlan(names: Names, settings: Settings, exportTo: string): PlannedStep[] {
  const { stacks } = names;
  const buckets = [names.dataBucket, names.modelBucket];
  if (settings.s3AccessLogs) buckets.push(names.accessLogBucket);
  const logGroups = [
    `/aws/lambda/${names.extractFunction}`,
    `/aws/lambda/${names.notifyFunction}`,
    `/aws/lambda/${names.apiFunction}`,
    `/aws/sagemaker/Endpoints/${names.endpoint}`,
    names.applicationLogGroup,
  ];
  return [
    {
      items: [1],
      title: `export all user data from s3://${names.dataBucket} to ${exportTo}`,
      step: { kind: 'export', bucket: names.dataBucket, to: exportTo },
    },
    {
      items: [2],
      title: `delete the S3 event notifications of ${names.dataBucket}`,
      step: { kind: 'notifications', bucket: names.dataBucket },
    },
    {
      items: [3, 10, 11],
      title: 'delete the Lambda functions, their roles and policies, and the SES identities',
      step: { kind: 'destroy', stacks: [stacks.extract, stacks.notify, stacks.api] },
    },
    {
      items: [4, 5, 6],
      title: 'delete the SageMaker endpoint (stops billing), its configuration and the model, with its role',
      step: { kind: 'destroy', stacks: [stacks.inference] },
    },
    {
      items: [9],
      title: settings.drReplica
        ? `delete the alarms, the dashboard, the web distribution and the replica stack (empty ${names.replicaBucket} in us-west-2 by hand)`
        : 'delete the alarms, the dashboard and the web distribution',
      step: {
        kind: 'destroy',
        stacks: [stacks.operations, stacks.web, ...(settings.drReplica ? [stacks.replica] : [])],
      },
    },
    {
      items: [],
      title: 'delete the storage stack (it keeps the buckets and the image repository: they go next)',
      step: { kind: 'destroy', stacks: [stacks.storage] },
    },
    ...(names.stage === 'production'
      ? [
          {
            items: [7],
            title: `delete the images and the repository ${names.ecrRepository}`,
            step: { kind: 'ecr', repository: names.ecrRepository } as const,
          },
        ]
      : []),
    ...buckets.map((bucket) => ({
      items: [8],
      title: `empty (every version and delete marker) and delete ${bucket}`,
      step: { kind: 'empty-bucket', bucket } as const,
    })),
    {
      items: [12],
      title: 'delete the log groups (run after the retention you need)',
      step: { kind: 'log-groups', groups: logGroups },
    },
    {
      items: [],
      title: 'delete the API token key, origin secret and download link key (7-day recovery window)',
      step: {
        kind: 'secrets',
        secrets: [names.apiTokenSecret, names.apiOriginSecret, names.downloadKeySecret],
      },
    },
  ];
}
