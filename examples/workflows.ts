// examples/workflows.ts — TypeScript plugins cannot ship workflows: re-export it next to your own.
// sora2Budget: the account budget (accountBudget in an input leases from it).
export { sora2Budget, sora2Generation } from 'rivya-sora2-temporal/workflow';
