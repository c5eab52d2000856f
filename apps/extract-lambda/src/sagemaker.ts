import { InvokeEndpointAsyncCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { AsyncInvocation } from './extract';

export function createSageMakerRuntimeClient(
  endpoint = process.env['AWS_ENDPOINT_URL'],
): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient({ maxAttempts: 4, ...(endpoint ? { endpoint } : {}) });
}

/** InvokeEndpointAsync with the job's request document as InputLocation and the job id as InferenceId. */
export function sageMakerInvoker(client: SageMakerRuntimeClient) {
  return async (invocation: AsyncInvocation): Promise<{ outputLocation: string | undefined }> => {
    const out = await client.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: invocation.endpointName,
        InputLocation: invocation.inputLocation,
        InferenceId: invocation.inferenceId,
        ContentType: 'application/json',
        Accept: 'application/json',
        RequestTTLSeconds: invocation.requestTtlSeconds,
        InvocationTimeoutSeconds: invocation.invocationTimeoutSeconds,
      }),
    );
    return { outputLocation: out.OutputLocation };
  };
}
