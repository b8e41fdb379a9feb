/**
 * `rivya-sora2-temporal/webhooks`: the receiver of Rivya's signed webhooks — a `(req, res)` handler to
 * mount in your HTTP server, or a standalone receiver — that signals the waiting generations.
 */
export * from '../webhooks';
