/**
 * `rivya-sora2-temporal/nexus/workflow`: the workflow-safe Nexus contract — a caller's workflow
 * passes `sora2NexusService` to `createNexusServiceClient`. Needs the optional peer `nexus-rpc`.
 */
// No peer check here: this module is bundled into workflow code, where resolving packages is not possible.
export {
  checkSora2NexusInput,
  MAX_NEXUS_GENERATION_ID_CHARS,
  NexusFailureTypes,
  SORA2_NEXUS_SERVICE_NAME,
  sora2NexusService,
  type NexusInputCheck,
  type Sora2NexusGenerateInput,
} from '../../workflows/common/nexus-service';
