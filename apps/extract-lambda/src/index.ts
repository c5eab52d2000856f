import { createLogger, forLambdaInvocation, type LambdaContextLike } from '@gen3d/logging';
import { inputRecordsOf } from './records';

const logger = createLogger({ service: 'extract-lambda' });

/** Entry point: Lambda's handler setting `lambda_function.lambda_handler` points here (see docs/decisions). */
export async function lambda_handler(
  event: unknown,
  context: LambdaContextLike,
): Promise<{ accepted: number; rejected: number }> {
  const log = forLambdaInvocation(logger, context);
  const outcomes = inputRecordsOf(event);
  for (const outcome of outcomes) {
    if (outcome.ok) log.info({ key: outcome.input.key, userId: outcome.input.userId }, 'upload accepted');
    else log.warn({ record: outcome.index, reason: outcome.reason }, 'record rejected');
  }
  const accepted = outcomes.filter((o) => o.ok).length;
  return { accepted, rejected: outcomes.length - accepted };
}
