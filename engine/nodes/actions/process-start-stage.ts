import { processStageAction } from './process-stage.ts';

/** X2FlowWorkflowStartStage: start a stage of a process on the current record. */
export default processStageAction('start');
