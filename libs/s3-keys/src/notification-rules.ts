import {
  FAILURE_SUFFIX,
  INPUT_EXTENSION,
  OUTPUT_EXTENSION,
  REJECTED_PREFIX,
  SAGEMAKER_FAILURE_PREFIX,
} from './keys';

/** The function a data-bucket event is delivered to. */
export type NotificationTarget = 'extract' | 'notify';

/**
 * The seed's name of each function's on-failure queue: Lambda sends there the record of an event it gave up on
 * (the Lambda destination of the function's live alias). The sandbox stage prefixes the names (`Sandbox-…`).
 * One list for the stacks that make the queues and the operator's `gen3d redrive --aws` that reads them.
 */
export const FAILURE_QUEUE_NAMES: Readonly<Record<NotificationTarget, string>> = Object.freeze({
  extract: 'Gen3DExtractLambda-Failures',
  notify: 'Gen3DNotifyLambda-Failures',
});

/** S3's event type for every way an object is created (PUT, browser POST, copy, multipart upload). */
export const OBJECT_CREATED_EVENT = 's3:ObjectCreated:*';

/**
 * One S3 event notification of the data bucket: objects created under `prefix` whose key ends in `suffix` go to
 * `target`. The same list configures the bucket in AWS (apps/infra) and the local stack's event delivery, so the two
 * worlds cannot disagree about which key starts which function.
 */
export interface NotificationRule {
  /** Stable id: the notification configuration's name in S3 and the local stack's route name. */
  readonly id: string;
  readonly target: NotificationTarget;
  readonly event: typeof OBJECT_CREATED_EVENT;
  /** Matched against the decoded object key, as S3 does (not the URL-encoded key of the event record). */
  readonly prefix: string;
  readonly suffix: string;
  /** Why the rule exists, in words (shown in docs/resources.md). */
  readonly description: string;
}

/**
 * The data bucket's S3 event notifications (docs/architecture.md). S3 filters allow one prefix and one suffix and
 * refuse two rules of one event type whose prefixes and suffixes both overlap, so at most one rule matches a key.
 * A prefix cannot contain a wildcard: `users/` + `.png` also matches `users/{userId}/masks/{name}.png`, which the
 * extract lambda ignores.
 *
 * @example matchNotificationRule('users/u1/input/chair.png')?.target // 'extract'
 */
export const NOTIFICATION_RULES: readonly NotificationRule[] = Object.freeze(
  (
    [
      {
        id: 'UploadedPng',
        target: 'extract',
        event: OBJECT_CREATED_EVENT,
        prefix: 'users/',
        suffix: INPUT_EXTENSION,
        description: 'an uploaded picture users/{userId}/input/{name}.png starts a job',
      },
      {
        id: 'FinishedMesh',
        target: 'notify',
        event: OBJECT_CREATED_EVENT,
        prefix: 'users/',
        suffix: OUTPUT_EXTENSION,
        description: 'a finished mesh users/{userId}/output/{name}.ply is emailed',
      },
      {
        id: 'FailureDocument',
        target: 'notify',
        event: OBJECT_CREATED_EVENT,
        prefix: 'users/',
        suffix: FAILURE_SUFFIX,
        description: 'a failure document users/{userId}/output/{name}.failure.json is emailed',
      },
      {
        id: 'RejectedUpload',
        target: 'notify',
        event: OBJECT_CREATED_EVENT,
        prefix: REJECTED_PREFIX,
        suffix: FAILURE_SUFFIX,
        description:
          'the failure document rejected/{jobId}.failure.json of an upload with an unusable key is emailed',
      },
      {
        id: 'SageMakerFailure',
        target: 'notify',
        event: OBJECT_CREATED_EVENT,
        prefix: SAGEMAKER_FAILURE_PREFIX,
        suffix: '-error.out',
        description:
          "SageMaker's failure record sagemaker-output/failures/{inferenceId}-error.out is emailed",
      },
    ] satisfies NotificationRule[]
  ).map((rule) => Object.freeze(rule)),
);

/** Whether a created object with this (decoded) key matches the rule, as S3 evaluates a prefix/suffix filter. */
export function matchesNotificationRule(rule: NotificationRule, key: string): boolean {
  return key.startsWith(rule.prefix) && key.endsWith(rule.suffix);
}

/**
 * The rule a created object triggers, if any (at most one: the rules do not overlap).
 *
 * @example matchNotificationRule('users/u1/output/chair.ply')?.id // 'FinishedMesh'
 * @example matchNotificationRule('users/u1/output/chair.report.json') // undefined
 */
export function matchNotificationRule(key: string, rules = NOTIFICATION_RULES): NotificationRule | undefined {
  return rules.find((rule) => matchesNotificationRule(rule, key));
}

/**
 * Pairs of rules S3 would refuse in one bucket: same event type, one prefix starts the other and one suffix ends the
 * other. Empty for NOTIFICATION_RULES (tested), so the bucket configuration deploys.
 */
export function overlappingNotificationRules(
  rules: readonly NotificationRule[] = NOTIFICATION_RULES,
): [NotificationRule, NotificationRule][] {
  const overlaps: [NotificationRule, NotificationRule][] = [];
  rules.forEach((a, i) => {
    for (const b of rules.slice(i + 1)) {
      const prefixes = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
      const suffixes = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
      if (a.event === b.event && prefixes && suffixes) overlaps.push([a, b]);
    }
  });
  return overlaps;
}
