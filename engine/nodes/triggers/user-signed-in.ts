import { userSessionTrigger } from './user-session.ts';

export default userSessionTrigger('trigger.userSignedIn', 'User signed in', 'user.signedIn');
