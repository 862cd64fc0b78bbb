/**
 * Every example's functions in one module, for `baton dev examples/functions.ts` (the README's
 * demo): the named exports are the definitions the command hosts.
 */
export { sayHello, helloCities } from "./function-chaining/functions.js";
export { getFileList, copyFileToBackup, backupSiteContent } from "./fan-out-fan-in/functions.js";
export { processImage, notifyCompletion, imageProcessing } from "./image-processing/functions.js";
export { requestApproval, escalate, approvalWorkflow } from "./human-approval/functions.js";
export { checkEndpoint, sendAlert, eternalMonitor } from "./eternal-monitor/functions.js";
export { fetchPage, processRecord, processRecords } from "./process-records/functions.js";
