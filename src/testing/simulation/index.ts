/** Deterministic simulation of an app's clients under seeded fault schedules; see {@link simulate}. */

export { SimRandom } from './random.js';
export { isFaultError } from './scenarios/app.js';
export { type BarrierScenarioOptions, barrierScenario } from './scenarios/barrier.js';
export { type ConfigScenarioOptions, configScenario } from './scenarios/config.js';
export {
  type DoubleBarrierScenarioOptions,
  doubleBarrierScenario,
} from './scenarios/double-barrier.js';
export { type ElectionScenarioOptions, electionScenario } from './scenarios/election.js';
export { type LockScenarioOptions, lockScenario } from './scenarios/lock.js';
export { type QueueScenarioOptions, queueScenario } from './scenarios/queue.js';
export { type RegistryScenarioOptions, registryScenario } from './scenarios/registry.js';
export { type RWMutexScenarioOptions, rwMutexScenario } from './scenarios/rwmutex.js';
export { type SemaphoreScenarioOptions, semaphoreScenario } from './scenarios/semaphore.js';
export {
  DEFAULT_FAULT_WEIGHTS,
  describeSchedule,
  type FaultKind,
  type ScheduledFault,
} from './schedule.js';
export {
  type ActorContext,
  type Simulation,
  SimulationFailure,
  type SimulationOptions,
  type SimulationResult,
  simulate,
} from './simulate.js';
