/**
 * The contract between the workflow and its activities: names, inputs and outputs. Only data
 * crosses it — ids, URLs and small snapshots, never file bytes or secrets.
 */
import type { RefundState, TaskStatus } from '../src/rivya/task-status';
import type { Sora2Reference, SoraModel } from './input';

/** The slice of a Rivya task the workflow keeps: small, and free of anything secret. */
export interface TaskSnapshot {
  id: string;
  status: TaskStatus;
  reservedCredits: number;
  finalCredits: number;
  createdAt: string;
  updatedAt: string;
  videoUrls: string[];
  error: { code: string; message: string } | null;
}

export interface UploadReferenceInput {
  reference: Sora2Reference;
  model: SoraModel;
  /** Sent as the upload's client_request_id, for tracing. */
  workflowId: string;
}

export interface UploadedReference {
  fileId: string;
  url: string;
  mimeType: string;
  sizeBytes: number;
  name: string | null;
  expiresAt: string | null;
}

export interface CreateGenerationInput {
  model: SoraModel;
  prompt: string;
  params: Record<string, string>;
  reference?: { url: string; mimeType: string; name: string | null };
  /** The workflow id: both Idempotency-Key and client_request_id, so one id pays for one task. */
  idempotencyKey: string;
}

export interface CreateGenerationOutput {
  task: TaskSnapshot;
  /** The server answered with the task a previous attempt had created (a lost response, retried). */
  replayed: boolean;
}

export interface CreditReconciliation {
  taskId: string;
  status: TaskStatus;
  reservedCredits: number;
  finalCredits: number;
  /** Whether the reservation came back: true/false once terminal, 'pending' while the task runs. */
  refunded: RefundState;
  /** 'api' when read from Rivya now, 'last-known' when taken from the last poll. */
  source: 'api' | 'last-known';
}

/** First argument of every pipeline compensation activity. */
export interface CompensationContext {
  workflowId: string;
  reason: FailureReason;
  taskId: string | null;
  metadata: Record<string, string | number | boolean>;
}

export type FailureReason = 'failed' | 'timed-out' | 'cancelled' | 'rejected' | 'reference-rejected';

export interface Sora2Activities {
  rivyaUploadReference(input: UploadReferenceInput): Promise<UploadedReference>;
  rivyaCreateGeneration(input: CreateGenerationInput): Promise<CreateGenerationOutput>;
  rivyaGetGeneration(taskId: string): Promise<TaskSnapshot>;
  rivyaReconcileCredits(taskId: string): Promise<CreditReconciliation>;
}

export const SORA2_ACTIVITY_NAMES: readonly (keyof Sora2Activities)[] = [
  'rivyaUploadReference',
  'rivyaCreateGeneration',
  'rivyaGetGeneration',
  'rivyaReconcileCredits',
];
