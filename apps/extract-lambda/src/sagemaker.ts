import { InvokeEndpointAsyncCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { AsyncInferenceInvoker, AsyncInvocation } from '@gen3d/jobs';

export function createSageMakerRuntimeClient(
  endpoint = process.env['AWS_ENDPOINT_URL'],
): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient({ maxAttempts: 4, ...(endpoint ? { endpoint } : {}) });
}

/**
 * The async-inference port on SageMaker: InvokeEndpointAsync with the job's request document as InputLocation, the
 * job id as InferenceId, and both timeouts set explicitly (never SageMaker's defaults).
 */
export class SageMakerInvoker implements AsyncInferenceInvoker {
  constructor(
    private readonly client: SageMakerRuntimeClient,
    private readonly endpointName: string,
  ) {}

  async invokeAsync(invocation: AsyncInvocation): Promise<{ outputLocation: string | undefined }> {
    const out = await this.client.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: this.endpointName,
        InputLocation: invocation.inputLocation,
        InferenceId: invocation.inferenceId,
        ContentType: 'application/json',
        Accept: 'application/json',
        RequestTTLSeconds: invocation.requestTtlSeconds,
        InvocationTimeoutSeconds: invocation.invocationTimeoutSeconds,
      }),
    );
    return { outputLocation: out.OutputLocation };
  }
}
