// The app's workflows module, as the README tells users to write it: the worker's own
// @temporalio/worker bundles it (and whatever it imports) when Worker.create runs.
exports.sora2Generation = require('rivya-sora2-temporal/workflow').sora2Generation;
