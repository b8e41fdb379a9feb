/**
 * Custom search attributes an operator filters on in the Temporal UI
 * (e.g. `RivyaTaskStatus = "failed"`). They must be registered on the server: the dev server via
 * `--search-attribute`, a cluster via `temporal operator search-attribute create`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const RIVYA_TASK_ID = defineSearchAttributeKey('RivyaTaskId', SearchAttributeType.KEYWORD);
export const RIVYA_TASK_STATUS = defineSearchAttributeKey('RivyaTaskStatus', SearchAttributeType.KEYWORD);
export const RIVYA_MODEL = defineSearchAttributeKey('RivyaModel', SearchAttributeType.KEYWORD);
/** The batch a generation belongs to (set on the batch and on each of its children): `RivyaBatchId = "<batchId>"` lists them. */
export const RIVYA_BATCH_ID = defineSearchAttributeKey('RivyaBatchId', SearchAttributeType.KEYWORD);

/** The account that pays (the input's `account` name, never its key): `RivyaAccount = "acme"`. Unset for the default key. */
export const RIVYA_ACCOUNT = defineSearchAttributeKey('RivyaAccount', SearchAttributeType.KEYWORD);

export const RIVYA_SEARCH_ATTRIBUTES = [RIVYA_TASK_ID, RIVYA_TASK_STATUS, RIVYA_MODEL, RIVYA_BATCH_ID, RIVYA_ACCOUNT] as const;
