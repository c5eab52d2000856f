import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { keptUntil } from '@gen3d/events';
import { MAX_INVOCATION_TIMEOUT_SECONDS, MAX_REQUEST_TTL_SECONDS } from '@gen3d/jobs';
import {
  buildInputKey,
  buildJobDocumentKey,
  buildJobIndexKey,
  buildResultImageKey,
  RETAINED_PREFIXES,
} from '@gen3d/s3-keys';
import { namesFor } from './names';
import { retentionExpiryDays, retentionLifecycleRules } from './retention';
import { readSettings } from './settings';
import { ReplicaStack } from './stacks/replica-stack';
import { StorageStack } from './stacks/storage-stack';

interface Rule {
  Id?: string;
  Prefix?: string;
  Filter?: { Prefix?: string };
  ExpirationInDays?: number;
  NoncurrentVersionExpiration?: { NoncurrentDays: number };
}

const DAY_MS = 24 * 3600 * 1000;

/** The lifecycle rules of the data bucket (storage stack) or of the replica bucket, at this retention. */
function rulesOf(stack: 'storage' | 'replica', retentionDays: number): Rule[] {
  const settings = readSettings(() => undefined, {
    GEN3D_RETENTION_DAYS: String(retentionDays),
    GEN3D_DR_REPLICA: 'true',
  });
  const props = { names: namesFor(), settings };
  const made =
    stack === 'storage'
      ? new StorageStack(new App(), 'Storage', props)
      : new ReplicaStack(new App(), 'Replica', { ...props, env: { region: 'us-west-2' } });
  const name = stack === 'storage' ? props.names.dataBucket : props.names.replicaBucket;
  const buckets = Template.fromStack(made).findResources('AWS::S3::Bucket', {
    Properties: { BucketName: name },
  });
  const [bucket] = Object.values(buckets) as {
    Properties: { LifecycleConfiguration: { Rules: Rule[] } };
  }[];
  return bucket?.Properties.LifecycleConfiguration.Rules ?? [];
}

/** The rules S3 would apply to `key`: those without a prefix, and those whose prefix starts it. */
const rulesFor = (rules: Rule[], key: string) =>
  rules.filter((rule) => key.startsWith(rule.Prefix ?? rule.Filter?.Prefix ?? ''));

/** When S3 deletes an object `days` after `from`: it adds the days, then rounds up to the next midnight UTC. */
function s3ExpiryOf(from: Date, days: number): Date {
  const due = new Date(from.getTime() + days * DAY_MS);
  const midnight = Date.UTC(due.getUTCFullYear(), due.getUTCMonth(), due.getUTCDate());
  return new Date(midnight === due.getTime() ? midnight : midnight + DAY_MS);
}

describe('retention', () => {
  const keys = [
    buildInputKey({ userId: 'u1', name: 'chair' }),
    buildResultImageKey({ userId: 'u1', name: 'chair' }, 'thumbnail'),
    buildJobDocumentKey({ userId: 'u1', jobId: '0123456789abcdef', document: 'status' }),
    buildJobIndexKey('0123456789abcdef'),
  ];

  it('covers every key of a job: upload, results, pictures, documents, index', () => {
    for (const key of keys) expect(RETAINED_PREFIXES.some((prefix) => key.startsWith(prefix))).toBe(true);
  });

  it('expires what the data bucket keeps a day after the deployment’s gen3d:retentionDays', () => {
    expect(rulesOf('storage', 7)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'users/', ExpirationInDays: 8 }),
        expect.objectContaining({ Prefix: 'jobs/', ExpirationInDays: 8 }),
      ]),
    );
  });

  it.each([1, 30, 89, 90, 91, 365, 3650])(
    'lets no rule of the data bucket or the replica delete a job’s file, current or old, before %i days and a day',
    (retentionDays) => {
      for (const stack of ['storage', 'replica'] as const) {
        const rules = rulesOf(stack, retentionDays);
        for (const key of keys) {
          const applying = rulesFor(rules, key);
          const earliest = (days: (number | undefined)[]) =>
            Math.min(...days.filter((d): d is number => d !== undefined));
          expect({
            stack,
            key,
            current: earliest(applying.map((rule) => rule.ExpirationInDays)),
            noncurrent: earliest(applying.map((rule) => rule.NoncurrentVersionExpiration?.NoncurrentDays)),
          }).toEqual({ stack, key, current: retentionDays + 1, noncurrent: retentionDays + 1 });
        }
      }
    },
  );

  it('keeps other prefixes’ old versions 90 days, or longer with a longer retention', () => {
    const noncurrent = (days: number) =>
      rulesFor(rulesOf('storage', days), 'public/index.html').map(
        (rule) => rule.NoncurrentVersionExpiration?.NoncurrentDays,
      );
    expect(noncurrent(30)).toContain(90);
    expect(noncurrent(365)).toContain(366);
  });

  it('deletes nothing before the day the email promises, whole: the job ends up to 7 hours after its upload', () => {
    const longestJob = (MAX_REQUEST_TTL_SECONDS + MAX_INVOCATION_TIMEOUT_SECONDS) * 1000;
    const uploads = ['2026-01-01T23:59:59Z', '2026-01-01T00:00:01Z', '2026-03-31T17:00:00Z'].map(
      (at) => new Date(at),
    );
    for (const retentionDays of [1, 30, 365]) {
      for (const uploadedAt of uploads) {
        for (const ran of [0, 60 * 1000, longestJob]) {
          const promised = keptUntil(new Date(uploadedAt.getTime() + ran), retentionDays);
          const endOfPromisedDay = s3ExpiryOf(promised, 0);
          const deleted = s3ExpiryOf(uploadedAt, retentionExpiryDays(retentionDays));
          expect({ retentionDays, uploadedAt, ran, early: deleted < endOfPromisedDay }).toEqual({
            retentionDays,
            uploadedAt,
            ran,
            early: false,
          });
        }
      }
    }
    // Without the day more, an upload a second before midnight UTC loses its last promised day.
    const lateUpload = new Date('2026-01-01T23:59:59Z');
    const promised = keptUntil(new Date(lateUpload.getTime() + 60 * 1000), 30);
    expect(s3ExpiryOf(lateUpload, 30).getTime()).toBeLessThan(s3ExpiryOf(promised, 0).getTime());
  });

  it('never puts ExpiredObjectDeleteMarker beside an expiry in days (S3 refuses the rule)', () => {
    for (const rule of retentionLifecycleRules(30)) {
      expect(rule.expiredObjectDeleteMarker === true && rule.expiration !== undefined).toBe(false);
    }
  });
});
