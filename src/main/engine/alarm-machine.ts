/**
 * The monitor's alarms: the pure state machine of src/core/alarms/alarm-state.ts (priorities,
 * value against limit, raised → acknowledged → cleared), under the name the engine uses.
 */
export { AlarmStateMachine as AlarmMachine, type AlarmPhase } from '../../core/alarms/alarm-state'
