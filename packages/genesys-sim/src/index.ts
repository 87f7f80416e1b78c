export { createSimulator } from './server.js';
export type { Simulator, SimulatorOptions, SimStats, LedgerRequest, LedgerTransfer } from './server.js';
export { SEED, newConversation, toCallShape, toGenericShape, isLive } from './model.js';
export type { SimConversation, SimParticipant, SimQueue, SimRecentTransfer, NewConversation } from './model.js';
export { seededRandom, takeFault } from './faults.js';
export type { FaultRule, FaultAction, FaultEndpoint, ActiveFault } from './faults.js';
