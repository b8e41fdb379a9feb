/**
 * The documented Sora 2 models and their params (docs/rivya-contract.md D3). Pure data, so the workflow
 * input schema, the HTTP client and the simulator all read the same table.
 */

export const SORA_MODELS = ['sora-2', 'sora-2-pro'] as const;
export type SoraModel = (typeof SORA_MODELS)[number];
/** The model used when a caller names none. */
export const DEFAULT_SORA_MODEL: SoraModel = 'sora-2';

export interface SelectParamSpec {
  readonly default: string;
  readonly options: readonly string[];
}

// Exported with their literal types, so the workflow input schema can derive its enums (and the
// types callers see, e.g. n_frames: "10" | "15") from this table instead of re-typing them.
export const SORA_2_PARAMS = {
  n_frames: { default: '10', options: ['10', '15'] },
  aspect_ratio: { default: 'landscape', options: ['landscape', 'portrait'] },
  remove_watermark: { default: 'false', options: ['false', 'true'] },
  upload_method: { default: 's3', options: ['s3', 'oss'] },
} as const satisfies Record<string, SelectParamSpec>;

export const SORA_2_PRO_PARAMS = {
  ...SORA_2_PARAMS,
  size: { default: 'standard', options: ['standard', 'high'] },
} as const satisfies Record<string, SelectParamSpec>;

/**
 * Every select param that at least one model accepts. Inputs are checked against this first, then
 * against the chosen model's own table (`modelsWithParam`), which is how `size` stays pro-only.
 */
export const ALL_SELECT_PARAMS = { ...SORA_2_PARAMS, ...SORA_2_PRO_PARAMS } as const;
export type SelectParamName = keyof typeof ALL_SELECT_PARAMS;

export interface ModelSpec {
  readonly id: SoraModel;
  readonly baseCredits: number;
  readonly selectParams: Readonly<Record<string, SelectParamSpec>>;
  /** Reference media rule: how many files, which kind and MIME types, how large. */
  readonly reference: {
    readonly maxItems: number;
    readonly kind: 'image';
    readonly maxBytes: number;
    readonly mimeTypes: readonly string[];
  };
}

export const IMAGE_MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export const MAX_REFERENCE_BYTES = 10 * 1024 * 1024;
export const MAX_PROMPT_CHARS = 10_000;
export const MAX_CLIENT_REQUEST_ID_CHARS = 128;
export const MAX_IDEMPOTENCY_KEY_CHARS = 255;

const IMAGE_REFERENCE = { maxItems: 1, kind: 'image', maxBytes: MAX_REFERENCE_BYTES, mimeTypes: IMAGE_MIME_TYPES } as const;

export const MODEL_SPECS: Readonly<Record<SoraModel, ModelSpec>> = {
  'sora-2': { id: 'sora-2', baseCredits: 6, selectParams: SORA_2_PARAMS, reference: IMAGE_REFERENCE },
  'sora-2-pro': { id: 'sora-2-pro', baseCredits: 75, selectParams: SORA_2_PRO_PARAMS, reference: IMAGE_REFERENCE },
};

/**
 * What one generation costs in credits: Rivya bills sora-2 tasks at a FIXED price per model
 * (docs/rivya-contract.md D3), whatever the params. The one place a price is computed, so a batch's
 * budget and the simulator's charge cannot drift apart; `params` is in the signature for a price that
 * one day depends on them (e.g. n_frames).
 */
export function priceOf(model: SoraModel, params: Readonly<Record<string, string | undefined>> = {}): number {
  void params;
  return MODEL_SPECS[model].baseCredits;
}

export function isSoraModel(value: unknown): value is SoraModel {
  return typeof value === 'string' && (SORA_MODELS as readonly string[]).includes(value);
}

/** The model's select params with every default filled in. */
export function defaultSelectParams(model: SoraModel): Record<string, string> {
  return Object.fromEntries(Object.entries(MODEL_SPECS[model].selectParams).map(([key, spec]) => [key, spec.default]));
}

/** The models whose table has this param: all of them for most, only sora-2-pro for `size`. */
export function modelsWithParam(name: string): SoraModel[] {
  return SORA_MODELS.filter((model) => name in MODEL_SPECS[model].selectParams);
}

/**
 * A client_request_id for Rivya from one of our ids (a workflow id can be longer than Rivya's
 * limit). It only serves tracing, so a long id is cut to the limit rather than refused.
 */
export function toClientRequestId(id: string): string {
  return id.slice(0, MAX_CLIENT_REQUEST_ID_CHARS);
}
