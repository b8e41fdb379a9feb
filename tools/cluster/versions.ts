/**
 * What `rivya-sora2 cluster` runs, pinned: the Temporal server release the dev server (CLI 1.5.1) and
 * the compose images carry, and the UI server release of the compose `temporalio/ui` image.
 */
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_SERVER_PACKAGES = [`${TEMPORAL_SERVER_MODULE}/cmd/server`, `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql`] as const;

export const TEMPORAL_UI_SERVER_MODULE = 'github.com/temporalio/ui-server/v2';
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';
export const TEMPORAL_UI_SERVER_PACKAGE = `${TEMPORAL_UI_SERVER_MODULE}/cmd/server`;

/** Schema of the pinned server for the postgres12 SQL plugin, relative to the module root. */
export const POSTGRES_SCHEMA_PATH = 'schema/postgresql/v12';

/** PostgreSQL majors the v12 schema supports, newest first (Debian: /usr/lib/postgresql/<major>/bin). */
export const POSTGRES_MAJORS = [17, 16, 15, 14, 13, 12] as const;
