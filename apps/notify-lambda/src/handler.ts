import { NOTIFY_TALLY, notifyObject, type NotifyPorts } from '@gen3d/jobs';
import type { Logger } from '@gen3d/logging';
import { createS3BatchHandler } from '@gen3d/runtime';

/**
 * The Lambda handler: each record on its own, through the notify core (@gen3d/jobs), with this invocation's logger
 * and deadline; a retry sends only what is missing.
 */
export function createNotifyHandler(ports: NotifyPorts, logger: Logger) {
  return createS3BatchHandler({
    logger,
    tally: NOTIFY_TALLY,
    handle: (object, invocation) => notifyObject(object, ports, invocation),
  });
}
