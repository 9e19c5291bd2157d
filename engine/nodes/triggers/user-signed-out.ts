import { userSessionTrigger } from './user-session.ts';

export default userSessionTrigger('trigger.userSignedOut', 'User signed out', 'user.signedOut');
