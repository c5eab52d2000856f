import { fixtures } from '@gen3d/events/testing';
const putInput = fixtures.s3PutInput;
const putOutput = fixtures.s3PutOutput;
import { notifiableRecordsOf } from './records';

describe('notifiableRecordsOf', () => {
  it('notifies for a finished mesh', () => {
    expect(notifiableRecordsOf(putOutput)[0]).toMatchObject({
      ok: true,
      target: { kind: 'output', userId: 'u1', name: 'my photo (1)' },
    });
  });

  it('ignores an upload', () => {
    expect(notifiableRecordsOf(putInput)[0]).toMatchObject({
      ok: false,
      reason: /input key does not trigger/,
    });
  });
});
