// examples/esm/workflows.mts — the same re-export as the CommonJS example.
// sora2Budget: the account budget (accountBudget in an input leases from it).
export { sora2Budget, sora2Generation } from 'rivya-sora2-temporal/workflow';
