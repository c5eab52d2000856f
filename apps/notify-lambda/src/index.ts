import { createLogger, forLambdaInvocation, type LambdaContextLike } from '@gen3d/logging';
import { notifiableRecordsOf } from './records';

const logger = createLogger({ service: 'notify-lambda' });

/** Entry point: Lambda's handler setting `lambda_function.lambda_handler` points here (see docs/decisions). */
export async function lambda_handler(
  event: unknown,
  context: LambdaContextLike,
): Promise<{ notifiable: number }> {
  const log = forLambdaInvocation(logger, context);
  const outcomes = notifiableRecordsOf(event);
  for (const outcome of outcomes) {
    if (outcome.ok) log.info({ key: outcome.target.key, kind: outcome.target.kind }, 'result to notify');
    else log.warn({ record: outcome.index, reason: outcome.reason }, 'record ignored');
  }
  return { notifiable: outcomes.filter((o) => o.ok).length };
}
