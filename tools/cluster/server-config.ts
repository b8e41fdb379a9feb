/**
 * The Temporal server's config for the cluster, rendered from this template (after the server's own
 * config/development-postgres12.yaml and docker/config_template.yaml of v1.29.1): persistence and
 * SQL visibility on PostgreSQL (postgres12 plugin), every service bound to 127.0.0.1, one cluster, and
 * the dynamic config file compose mounts (deploy/temporal/dynamicconfig/development-sql.yaml) by
 * absolute path (the server resolves it from its working directory, not from --root).
 */
export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export interface ServerConfigInput {
  ports: ServerPorts;
  postgresPort: number;
  user: string;
  password: string;
  dynamicConfigFile: string;
  /** Fixed once the databases exist: the shard count can never change. */
  numHistoryShards: number;
  logLevel?: string;
}

const q = (value: string) => JSON.stringify(value);

export function renderServerConfig(input: ServerConfigInput): string {
  const { ports } = input;
  const datastore = (database: string, maxConns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: ${q(database)}
        connectAddr: "127.0.0.1:${input.postgresPort}"
        connectProtocol: "tcp"
        user: ${q(input.user)}
        password: ${q(input.password)}
        # Each service opens its own pool: small pools keep 4 services under max_connections.
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnIP: "127.0.0.1"${http ? `\n      httpPort: ${http}` : ''}`;
  return `# Rendered by rivya-sora2 cluster up (tools/cluster/server-config.ts); rewritten at every start.
log:
  stdout: true
  level: ${q(input.logLevel ?? 'warn')}

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${input.numHistoryShards}
  datastores:
    postgres-default:
${datastore('temporal', 10)}
    postgres-visibility:
${datastore('temporal_visibility', 5)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
  frontend:
${service(ports.frontend, ports.frontendMembership, ports.frontendHttp)}
  history:
${service(ports.history, ports.historyMembership)}
  matching:
${service(ports.matching, ports.matchingMembership)}
  worker:
${service(ports.worker, ports.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"
      httpAddress: "127.0.0.1:${ports.frontendHttp}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: ${q(input.dynamicConfigFile)}
  pollInterval: "10s"
`;
}

/** The UI server's config (ui-server v2 reads <root>/config/<env>.yaml). */
export function renderUiConfig(input: { frontendPort: number; port: number; namespace: string }): string {
  return `# Rendered by rivya-sora2 cluster up (tools/cluster/server-config.ts).
temporalGrpcAddress: "127.0.0.1:${input.frontendPort}"
host: "127.0.0.1"
port: ${input.port}
enableUi: true
defaultNamespace: ${q(input.namespace)}
notifyOnNewVersion: false
refreshInterval: 1m
cors:
  cookieInsecure: true
  allowOrigins:
    - "http://127.0.0.1:${input.port}"
    - "http://localhost:${input.port}"
auth:
  enabled: false
`;
}
