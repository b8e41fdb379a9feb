/**
 * The Sora 2 Nexus service handler: what a worker registers (`nexusServices`, or
 * `new Sora2Plugin({ nexus: true })`) so that callers in other namespaces run generations through
 * a Nexus endpoint targeting its task queue. The service definition callers use is workflow-safe and
 * lives in workflows/nexus-service.ts (`rivya-sora2-temporal/workflow`).
 */
import { serviceHandler, type ServiceHandler } from 'nexus-rpc';
import { sora2NexusService } from '../../workflows/common/nexus-service';
import { createGenerateOperationHandler, type Sora2NexusOptions } from './generate-operation';

export function createSora2NexusServiceHandler(options: Sora2NexusOptions = {}): ServiceHandler<typeof sora2NexusService.operations> {
  return serviceHandler(sora2NexusService, { generate: createGenerateOperationHandler(options) });
}

export { createGenerateOperationHandler, type GenerateOperationHandler, type Sora2NexusOptions } from './generate-operation';
export { nexusGenerationWorkflowId, type NexusGenerationKey } from './workflow-id';
