import { listMembershipAction } from './list-membership.ts';

/** X2FlowRecordListRemove: the current record leaves a static list. */
export default listMembershipAction('remove');
