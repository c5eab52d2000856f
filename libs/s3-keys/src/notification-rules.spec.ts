import {
  buildFailureKey,
  buildInputKey,
  buildJobDocumentKey,
  buildMaskKey,
  buildOutputKey,
  buildPublicKey,
  buildRejectedKey,
  buildReportKey,
  matchNotificationRule,
  NOTIFICATION_RULES,
  overlappingNotificationRules,
  type NotificationRule,
} from './index';

const user = { userId: 'u1', name: 'chair' };
const jobId = '0123456789abcdef';

describe('NOTIFICATION_RULES', () => {
  it.each([
    [buildInputKey(user), 'extract', 'UploadedPng'],
    [buildOutputKey(user), 'notify', 'FinishedMesh'],
    [buildFailureKey(user), 'notify', 'FailureDocument'],
    [buildRejectedKey(jobId), 'notify', 'RejectedUpload'],
    [`sagemaker-output/failures/${jobId}-error.out`, 'notify', 'SageMakerFailure'],
  ])('routes %s to the %s function (rule %s)', (key, target, id) => {
    expect(matchNotificationRule(key)).toMatchObject({ target, id });
  });

  it.each([
    buildReportKey(user),
    buildJobDocumentKey({ userId: 'u1', jobId, document: 'request' }),
    buildJobDocumentKey({ userId: 'u1', jobId, document: 'notify-lock' }),
    buildRejectedKey(jobId, 'notify-lock'),
    `sagemaker-output/${jobId}.out`,
    buildPublicKey('index.html'),
    buildPublicKey('images/logo.png'),
  ])(
    'starts nothing for %s (documents the functions write themselves, SageMaker successes, the web site)',
    (key) => {
      expect(matchNotificationRule(key)).toBeUndefined();
    },
  );

  it('also matches a user mask (a prefix has no wildcard), which the extract lambda then ignores', () => {
    expect(matchNotificationRule(buildMaskKey(user))?.target).toBe('extract');
  });

  it('has no two rules S3 would refuse as overlapping, and unique ids', () => {
    expect(overlappingNotificationRules()).toEqual([]);
    expect(new Set(NOTIFICATION_RULES.map((rule) => rule.id)).size).toBe(NOTIFICATION_RULES.length);
  });

  it('detects an overlap: a shorter prefix with the same suffix', () => {
    const extra: NotificationRule = { ...NOTIFICATION_RULES[0]!, id: 'Everything', prefix: '', suffix: '' };
    expect(overlappingNotificationRules([...NOTIFICATION_RULES, extra])).toHaveLength(
      NOTIFICATION_RULES.length,
    );
  });

  it('is frozen, so no importer can change the routing for everyone', () => {
    expect(Object.isFrozen(NOTIFICATION_RULES)).toBe(true);
    expect(NOTIFICATION_RULES.every((rule) => Object.isFrozen(rule))).toBe(true);
  });
});
