export { flushMicrotasks, ManualClock } from './manual-clock.js';
export { RealClock, realClock } from './real-clock.js';
