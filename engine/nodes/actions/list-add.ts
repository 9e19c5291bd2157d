import { listMembershipAction } from './list-membership.ts';

/** X2FlowRecordListAdd: the current record joins a static list. */
export default listMembershipAction('add');
