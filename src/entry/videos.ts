/**
 * `rivya-sora2-temporal/videos`: an OpenAI-compatible videos endpoint (a `(req, res)` handler to
 * mount, or `serveVideos`) that starts and reads back durable sora2Generation runs.
 */
export * from '../videos';
