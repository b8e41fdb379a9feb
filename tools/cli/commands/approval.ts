/**
 * `rivya-sora2 approve <id>` and `reject <id> --reason`: decide a generation (or batch) waiting at
 * its approval gate. Same exits as the other operator commands (operate.ts): 0 decided; 2 refused
 * by the workflow's validator (already decided, past the gate, no approval asked), not running, or
 * unknown id.
 */
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { approvalRequestProblem, type ApprovalDecisionRequest } from '../../../workflows/generation/approval-input';
import { sora2ApproveUpdate, sora2RejectUpdate } from '../../../workflows/generation/approval-messages';
import { OperateUsageError, runUpdate, withExitCode } from './operate';

/** Who decides when `--by` is not given: RIVYA_APPROVER, else the OS user. */
export function defaultApprover(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.RIVYA_APPROVER?.trim();
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The Update's request from the flags, checked by the workflow's own rule before Temporal is asked. */
export function decisionRequestOf(options: { by?: string; reason?: string }, verdict: 'approved' | 'rejected'): ApprovalDecisionRequest {
  const request: ApprovalDecisionRequest = { by: options.by ?? defaultApprover() };
  if (options.reason !== undefined) request.reason = options.reason;
  const problem = approvalRequestProblem(request, verdict);
  if (problem) throw new OperateUsageError(problem.replace(/^by\b/, '--by').replace(/\breason\b/, '--reason'));
  return request;
}

export function registerApproval(program: Command): void {
  program
    .command('approve <workflowId>')
    .description('let a generation (or batch) waiting for approval go ahead and pay')
    .option('--by <who>', 'who approves (default: RIVYA_APPROVER, else your user name)')
    .option('--reason <why>', 'why, recorded with the decision')
    .action((workflowId: string, options: { by?: string; reason?: string }) =>
      withExitCode(async () => {
        const request = decisionRequestOf(options, 'approved');
        return runUpdate(workflowId, (handle) => handle.executeUpdate(sora2ApproveUpdate, { args: [request] }));
      }),
    );
  program
    .command('reject <workflowId>')
    .description('end a generation (or batch) waiting for approval: ApprovalRejected, nothing paid')
    .requiredOption('--reason <why>', 'why, recorded with the decision and in the failure')
    .option('--by <who>', 'who rejects (default: RIVYA_APPROVER, else your user name)')
    .action((workflowId: string, options: { by?: string; reason?: string }) =>
      withExitCode(async () => {
        const request = decisionRequestOf(options, 'rejected');
        return runUpdate(workflowId, (handle) => handle.executeUpdate(sora2RejectUpdate, { args: [request] }));
      }),
    );
}
