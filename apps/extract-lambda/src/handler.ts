import { EXTRACT_TALLY, extractObject, type ExtractPorts } from '@gen3d/jobs';
import type { Logger } from '@gen3d/logging';
import { createS3BatchHandler } from '@gen3d/runtime';

/**
 * The Lambda handler: every upload of the batch is checked and started on its own by the extract core
 * (@gen3d/jobs), with this invocation's logger and deadline.
 */
export function createExtractHandler(ports: ExtractPorts, logger: Logger) {
  return createS3BatchHandler({
    logger,
    tally: EXTRACT_TALLY,
    handle: (object, invocation) => extractObject(object, ports, invocation),
  });
}
