import { Center, Loader } from '@mantine/core';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { DisplayPreferences } from '../../../schemas/display-preferences.ts';
import { api, hasCsrfToken, setCsrfToken, type User, whenSignedOut } from '../api.ts';
import { Console } from '../console/console-routes.tsx';
import { FlowDesigner } from '../flows/flow-designer.tsx';
import { FlowsList } from '../flows/flows-list.tsx';
import { PersonPage } from '../profile/person-page.tsx';
import { ProfilePage } from '../profile/profile-page.tsx';
import { inviteTokenOf, routeOf, usePath } from '../router.ts';
import { AcceptInvite } from './accept-invite.tsx';
import { CurrentUser } from './current-user.ts';
import { setDisplayPreferences } from './dates.ts';
import { Shell } from './shell.tsx';
import { SignIn } from './sign-in.tsx';

const ExecutionsPage = lazy(() => import('../executions/executions-page.tsx'));
const RunPage = lazy(() => import('../executions/run-page.tsx'));
const DashboardPage = lazy(() =>
  import('../dashboard/dashboard-page.tsx').then((m) => ({ default: m.DashboardPage })),
);

/** Reads the user's date preferences before the screens draw their first date. */
const withPreferences = (then: (user: User) => void) => async (user: User) => {
  await api<DisplayPreferences>('GET', '/me/display').then(setDisplayPreferences, () => undefined);
  then(user);
};

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const path = usePath();

  useEffect(() => {
    whenSignedOut(() => setUser(null));
    if (!hasCsrfToken()) {
      setUser(null);
      return;
    }
    api<User>('GET', '/me').then(withPreferences(setUser), () => setUser(null));
  }, []);

  // Signing in answers the user without the permission matrix the screens hide things by: read /me.
  const signedIn = useCallback((signed: User) => {
    setUser(signed);
    api<User>('GET', '/me').then(withPreferences(setUser), () => undefined);
  }, []);

  const signOut = useCallback(async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    setCsrfToken(null);
    setUser(null);
  }, []);

  const inviteToken = inviteTokenOf(path);
  if (inviteToken) return <AcceptInvite token={inviteToken} onSignedIn={signedIn} />;
  if (user === undefined)
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  if (user === null) return <SignIn onSignedIn={signedIn} />;

  const route = routeOf(path);
  return (
    <CurrentUser.Provider value={user}>
      <Shell user={user} onSignOut={signOut}>
        {route.name === 'home' ? (
          <Suspense fallback={<Loader m="md" />}>
            <DashboardPage />
          </Suspense>
        ) : route.name === 'console' ? (
          <Console path={route.path} user={user} />
        ) : route.name === 'profile' ? (
          <ProfilePage tab={route.tab} onUserChange={setUser} />
        ) : route.name === 'person' ? (
          <PersonPage key={route.id} id={route.id} />
        ) : route.name === 'runs' ? (
          <Suspense fallback={<Loader m="md" />}>
            <ExecutionsPage />
          </Suspense>
        ) : route.name === 'run' ? (
          <Suspense fallback={<Loader m="md" />}>
            <RunPage key={route.id} runId={route.id} />
          </Suspense>
        ) : route.name === 'flow' ? (
          <FlowDesigner key={route.id} flowId={route.id} />
        ) : (
          <FlowsList />
        )}
      </Shell>
    </CurrentUser.Provider>
  );
}
