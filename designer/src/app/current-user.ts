/** The signed-in user, for components deep in a screen (the feed's pin and delete buttons). */
import { createContext, useContext } from 'react';
import type { User } from '../api.ts';

export const CurrentUser = createContext<User | null>(null);

export function useCurrentUser(): User {
  const user = useContext(CurrentUser);
  if (!user) throw new Error('useCurrentUser outside the signed-in app');
  return user;
}
