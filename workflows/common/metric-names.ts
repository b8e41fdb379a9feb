/**
 * The plugin's own metrics: one table of names, units and descriptions that the workflow, the
 * activities, the HTTP observer, the webhook receiver, the dashboard and the tests all read.
 * Names as Temporal's Prometheus exporter shows them by default: no prefix, no `_total` suffix
 * (unless the Runtime is installed with `countersTotalSuffix`). Pure data: workflow-safe.
 */

export const RivyaMetrics = {
  generationsStarted: { name: 'rivya_generations_started', description: 'Generations started (first run of each workflow, input valid)' },
  generationsSucceeded: { name: 'rivya_generations_succeeded', description: 'Generations that ended with a video' },
  generationsFailed: {
    name: 'rivya_generations_failed',
    description: 'Generations that ended in a typed failure (failure_type tag: ValidationFailed, GenerationRejected, …)',
  },
  creditsReserved: {
    name: 'rivya_credits_reserved',
    description: 'Credits Rivya reserved for newly created tasks (replayed creates not counted)',
  },
  creditsSpent: { name: 'rivya_credits_spent', description: 'Credits finally charged for tasks that ended' },
  creditsRefunded: { name: 'rivya_credits_refunded', description: 'Reserved credits that came back after a failed task' },
  statusChecks: { name: 'rivya_status_checks', description: 'Status reads of a task (GET /api/v1/generations/{id}) by the activities' },
  webhookEvents: { name: 'rivya_webhook_events', description: 'Webhook deliveries answered by the receiver (outcome tag)' },
  detectionLatency: {
    name: 'rivya_detection_latency',
    unit: 's',
    description: "Seconds from the task's last update at Rivya to the workflow noticing it ended (completed_by tag: webhook or poll)",
  },
  httpErrors: {
    name: 'rivya_http_errors',
    description: 'Rivya HTTP calls that failed (code tag: the API error code, http_<status>, timeout, network_error, …)',
  },
} as const;

/** Tag keys, the same everywhere (Prometheus label names). */
export const MetricTags = {
  failureType: 'failure_type',
  completedBy: 'completed_by',
  outcome: 'outcome',
  code: 'code',
  route: 'route',
} as const;

/**
 * Bucket bounds of the detection-latency histogram, in seconds: a webhook lands in well under a
 * second, a status check within the polling interval (seconds to minutes).
 */
export const DETECTION_LATENCY_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];
