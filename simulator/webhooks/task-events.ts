/** The event a task's terminal transition publishes (D8, S10): its type and the D4 task object as data. */
import { serializeTask, type SimTask } from '../store';
import type { PublishedEvent } from './delivery';

export function terminalTaskEvent(task: SimTask): PublishedEvent {
  return {
    account: task.account,
    taskId: task.id,
    // Only terminal tasks get here: `generation.succeeded` or `generation.failed`.
    type: `generation.${task.status}`,
    // S10: exactly what GET /generations/{id} answers from now on (a terminal task no longer changes).
    data: serializeTask(task),
    at: task.updatedAt,
  };
}
