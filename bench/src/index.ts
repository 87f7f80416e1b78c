/** Nearest-rank percentiles, sample summaries and rates. */
export { percentile, summarize, ratePerSecond, minOf, maxOf, round } from './stats.js';
export type { Summary } from './stats.js';
/** The run ledger (accepted = transferred + failed + expired, duplicates) and simulator-ledger helpers. */
export { checkLedger, duplicateConversations, timesToTransfer, tallyRequests, cumulative, callerFigures } from './ledger.js';
export type { LedgerCounts, LedgerCheck, TransferRecord, RequestRecord, RequestTally, CallerPlan, CallerFigures } from './ledger.js';
/** Tiny SVG charts (grouped bars, lines). */
export { barChart, lineChart, escapeXml, niceMax, wrapLabel } from './svg.js';
/** The tutorial's retry loop and request body, transcribed for the baseline runner. */
export { tutorialStep, tutorialPayload, TUTORIAL } from './baseline.js';
export type { TutorialStep } from './baseline.js';
/** CPU/RSS of processes and the machine from /proc. */
export { readProc, readMachine, resourceUse, sampleProcesses, MACHINE } from './proc.js';
export type { ProcReading, ResourceUse } from './proc.js';
/** Where a V8 CPU profile's busy time went. */
export { summarizeProfile, moduleGroup } from './profile.js';
export type { CpuProfile, ProfileLine } from './profile.js';
