// examples/esm/workflows.mts — the same re-export as the CommonJS example.
export { sora2Generation } from 'rivya-sora2-temporal/workflow';
