export {
  clusterUp,
  clusterDown,
  clusterStatus,
  clusterPaths,
  startTemporalServer,
  recordProcess,
  runningProcesses,
  deployFile,
} from './cluster';
export type { ClusterUpOptions, ClusterStatus } from './cluster';
export { DEFAULT_CLUSTER_PORT, DEFAULT_CLUSTER_UI_PORT } from './cluster';
export { ensureClusterBinaries, clusterBinaryPaths, type ClusterBinaries } from './binaries';
export { clusterDirectory, readClusterState, CLUSTER_DIR_ENV, DEFAULT_CLUSTER_DIR, type ClusterState } from './state';
export { ClusterError, ClusterPortBusyError, ClusterPrerequisiteError } from './errors';
export { isRunning, stopProcess } from './processes';
