// examples/workflows.ts — TypeScript plugins cannot ship workflows: re-export it next to your own.
export { sora2Generation } from 'rivya-sora2-temporal/workflow';
