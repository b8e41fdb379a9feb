/**
 * The webhook receiver's deliveries by outcome, as the `onOutcome` hook of
 * createRivyaWebhookHandler / startWebhookReceiver. The meter is the process's Runtime meter
 * (`Runtime.instance().metricMeter` from @temporalio/worker), exported by the Runtime's Prometheus
 * endpoint; the outcome is one of a fixed list (WEBHOOK_OUTCOMES), so the tag stays bounded.
 */
import type { MetricMeter } from '@temporalio/common';
import { MetricTags, RivyaMetrics } from '../../workflows/common/metric-names';

export function webhookOutcomeCounter(meter: MetricMeter): (outcome: string) => void {
  const { name, description } = RivyaMetrics.webhookEvents;
  const counter = meter.createCounter(name, undefined, description);
  return (outcome) => counter.add(1, { [MetricTags.outcome]: outcome });
}
